// A group of `members` nodes, every member a contact of every other (all
// linked), the first the group's creator and every other joined: what the
// group fan-out and gossip tests start from. Disposing it stops every node.
import { befriend, eventually, startNode, type TestNode } from "./nodes.ts";

export interface MeshGroup extends AsyncDisposable {
  nodes: TestNode[];
  author: TestNode;
  others: TestNode[];
}

export async function meshGroup(members: number, alias: string): Promise<MeshGroup> {
  const nodes: TestNode[] = [];
  const dispose = async () => {
    for (const n of nodes) await n[Symbol.asyncDispose]();
  };
  try {
    for (let i = 0; i < members; i++) nodes.push(await startNode(`m${i}`));
    for (let i = 0; i < members; i++) for (let j = i + 1; j < members; j++) await befriend(nodes[i]!, nodes[j]!);
    const [author, ...others] = nodes as [TestNode, ...TestNode[]];
    await eventually(() => nodes.every((n) => n.node.groups.registry.peerKeys.size === members - 1), "every member knows every key", 60_000);
    await author.node.groupBook.create(alias, others.map((n) => n.name));
    await Promise.all(others.map((n) => n.until((e) => e.type === "group" && e.change === "joined", "joined", 60_000)));
    return { nodes, author, others, [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
