// The receipts' gossip (what each member knows the others hold): what
// rose is told to each link once (a few links a tick); a link that comes up
// is told everything (a member back from offline converges), a group where
// nothing happens says nothing, and a steady group's gossip grows with its
// members, not with their square. When every member sent every linked
// member all it knew each second (130 receipt entries per link per second
// here, where one column rose), a group of 100 spent its time telling each
// other what they had been told already.
import { expect, test, setDefaultTimeout } from "bun:test";
import { recordVectors } from "../helpers/group-vectors.ts";
import { meshGroup } from "../helpers/mesh-group.ts";
import { befriend, eventually, startNode, type TestNode } from "../helpers/nodes.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(120_000);

const MEMBERS = 12;
/** Longer than two receipts' ticks (TICK_MS, a second): every node gossiped twice in it, had it anything to say. */
const IDLE_MS = 2_500;

const deliveredOf = async (n: TestNode, group: string, text: string) => (await n.node.session.history({ peer: group, limit: 100 })).find((e) => e.text === text)?.delivered;

/** Every node knows every other member holds everything it holds itself. */
function converged(nodes: readonly TestNode[], alias: string): boolean {
  return nodes.every((n) => {
    const g = n.node.groups.registry.byAlias(alias);
    if (!g) return false;
    return nodes.every((o) => {
      if (o === n) return true;
      const held = g.known.get(o.node.groups.key.hex);
      return [...g.committed].every(([author, seq]) => author === o.node.groups.key.hex || (held?.get(author) ?? 0) >= seq);
    });
  });
}

test(`a steady group of ${MEMBERS} gossips receipts in proportion to its members, and nothing once idle`, async () => {
  await using group = await meshGroup(MEMBERS, "club");
  const { nodes, author, others } = group;
  using vectors = recordVectors();
  /** Until no vector went out for IDLE_MS: each node told its links what rose (a few links a tick). */
  const quiet = (what: string) => pollUntil(() => performance.now() - (vectors.sent.at(-1)?.at ?? 0), (ms) => ms >= IDLE_MS, what, { timeoutMs: 60_000, everyMs: 100 });
  // Everyone has written once: what each member holds is a row of MEMBERS authors.
  for (const n of nodes) await n.node.send("#club", `hello from ${n.name}`);
  await Promise.all(nodes.map((n) => eventually(async () => (await n.node.session.history({ peer: "#club", limit: 100 })).filter((e) => !e.event).length === MEMBERS, `${n.name} has every hello`, 60_000)));
  await eventually(() => converged(nodes, "club"), "receipts converged after the hellos", 60_000);
  await quiet("the gossip of the hellos ended");
  // Steady: one post after another, each once every member holds the last, for a few receipts' ticks.
  const t0 = performance.now();
  let posts = 0;
  while (performance.now() - t0 < 3_000) {
    const text = `post ${posts++}`;
    await author.node.send("#club", text);
    await Promise.all(others.map((n) => n.until((e) => e.type === "message" && e.entry.text === text, text, 60_000)));
  }
  await eventually(() => converged(nodes, "club"), "receipts converged after the posts", 60_000);
  const seconds = (performance.now() - t0) / 1000;
  const sent = vectors.since(t0);
  const entries = sent.reduce((n, v) => n + v.receipts, 0);
  const links = MEMBERS * (MEMBERS - 1);
  const perLinkSecond = entries / links / seconds;
  console.log(`${posts} posts in ${seconds.toFixed(1)} s: ${entries} receipt entries in ${sent.length} vectors, ${perLinkSecond.toFixed(1)} per link per second`);
  // What rose in a second: the author's column, one entry per member; all of it would be MEMBERS^2 (144).
  expect(perLinkSecond).toBeLessThan(2 * MEMBERS);

  // Idle and converged: once each node told its links what rose, nothing rises and nothing is said.
  // (An absence takes a wait: IDLE_MS is two ticks of every node.)
  await quiet("the gossip of the posts ended");
  const t1 = performance.now();
  await Bun.sleep(IDLE_MS);
  expect(vectors.since(t1)).toEqual([]);
});

test("a member offline while the others fetched its message hears, once back, that everyone holds it", async () => {
  const alice = await startNode("alice");
  const bob = await startNode("bob");
  const carol = await startNode("carol");
  const dave = await startNode("dave");
  const nodes = [alice, bob, carol, dave];
  try {
    // dave is alice's contact only: what bob and carol hold reaches him through her.
    await befriend(alice, bob);
    await befriend(alice, carol);
    await befriend(bob, carol);
    await befriend(alice, dave);
    await eventually(() => alice.node.groups.registry.peerKeys.size === 3, "alice learned every key");
    await alice.node.groupBook.create("club", ["bob", "carol", "dave"]);
    for (const n of [bob, carol, dave]) await n.until((e) => e.type === "group" && e.change === "joined", `${n.name} joined`);

    await bob.node.stop();
    await carol.node.stop();
    await dave.node.send("#club", "from dave");
    await alice.until((e) => e.type === "message" && e.entry.text === "from dave", "alice got dave's message");
    await eventually(async () => (await deliveredOf(dave, "#club", "from dave"))?.to === 1, "dave: held by alice");
    await dave.node.stop();
    // bob and carol come back and fetch it from alice while dave is away: alice learns they hold it.
    await bob.restart();
    await carol.restart();
    for (const n of [bob, carol]) await n.until((e) => e.type === "message" && e.entry.text === "from dave", `${n.name} got dave's message`);
    await eventually(() => converged([alice, bob, carol], "club"), "alice knows bob and carol hold it");
    // dave comes back: the receipts that rose while he was away come with the link (deltas alone would not say them).
    await dave.restart();
    await eventually(async () => (await deliveredOf(dave, "#club", "from dave"))?.to === 3, "dave: delivered to all three");
    expect(await deliveredOf(dave, "#club", "from dave")).toEqual({ to: 3, of: 3 });
  } finally {
    for (const n of nodes) await n[Symbol.asyncDispose]();
  }
});
