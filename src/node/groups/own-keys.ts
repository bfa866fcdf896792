// Groups on every device of one person (issue 26). Each device signs under
// its own author key (its discovery key), so two devices never write under
// one sequence, which fork detection would rightly flag. A device that is a
// member names the other devices' keys in each of its groups with a
// `device` event (group-events.ts), carrying the signature each key made
// over our peer id on the link between the devices: members then take that
// key as one more of ours, shown as us. Our devices sync groups with each
// other over their links like members (vectors.ts shares all with them), so
// a device learns the groups another joined and becomes a member as soon as
// that device's event naming its key is shown. One device leaving makes the
// others leave too.
import { encodeGroupEvent, GROUP_KIND } from "../../protocol/groups/group-events.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { GroupMessageRow } from "../../store/store.ts";
import { childLogger } from "../../log.ts";
import type { GroupModel } from "./model.ts";
import type { GroupRegistry } from "./registry.ts";

const log = childLogger("groups");

export interface OwnKeysDeps {
  self: PeerId;
  registry: GroupRegistry;
  writeOwn(g: GroupModel, items: readonly { kind: number; body: string }[]): Promise<unknown>;
}

export class OwnKeys {
  /** Our other devices' author keys proven on their links this run, each with its signature over our peer id. */
  private readonly keys = new Map<string, string>();

  constructor(private readonly d: OwnKeysDeps) {}

  /** Another device of ours proved its key: every group we are a member of names it. */
  proven(key: string, sig: string): void {
    if (this.keys.get(key) === sig) return;
    this.keys.set(key, sig);
    for (const g of this.d.registry.models.values()) this.claim(g);
  }

  /** Names in `g` each key of ours it lacks (once we are a member there). */
  claim(g: GroupModel): void {
    if (g.state !== "member" || ![...this.keys.keys()].some((key) => !g.members.has(key))) return;
    this.write(g, "name our other devices", () =>
      [...this.keys].filter(([key]) => !g.members.has(key)).map(([key, sig]) => encodeGroupEvent({ kind: "device", key, peer: this.d.self, sig })),
    );
  }

  /** Rows just shown: a leave by another device of ours is ours too. */
  shown(g: GroupModel, row: GroupMessageRow): void {
    if (row.kind !== GROUP_KIND.leave || row.author === g.row.selfKey || g.state !== "member") return;
    if (g.members.get(row.author)?.peerId !== this.d.self) return;
    this.write(g, "leave as our other device did", () => [encodeGroupEvent({ kind: "leave" })]);
  }

  /** Writes what `items` says then (nothing when it says nothing). */
  private write(g: GroupModel, what: string, items: () => { kind: number; body: string }[]): void {
    // After the commit that brought us here: the model is not in the middle of a batch.
    queueMicrotask(() => {
      const list = g.state === "member" ? items() : [];
      if (list.length > 0) void this.d.writeOwn(g, list).catch((err) => log.debug(`#${g.row.alias}: cannot ${what}: ${(err as Error).message}`));
    });
  }
}
