// Who holds what: each member's vector (from its own link, or relayed in
// another member's full vector) raises what we know it holds. For our own
// messages that is "delivered to 3 of 5": told to the user as it rises, and
// as `delivered` once every other member holds a message. Receipts are saved
// once a tick, not on every vector; what rose is gossiped (gossip.ts).
import { groupMessageUuid } from "../../protocol/groups/group-signed.ts";
import type { GroupReceipt } from "../../store/store.ts";
import type { Journal } from "../engine/journal.ts";
import type { NodeEvent } from "../node-events.ts";
import type { GroupModel } from "./model.ts";
import type { PeerLink } from "./peer-link.ts";

export class Receipts {
  private unsaved: GroupReceipt[] = [];

  constructor(
    private readonly journal: Journal,
    private readonly emit: (e: NodeEvent) => void,
    /** What rose, for the gossip (told by `from`'s peer). */
    private readonly rose: (g: GroupModel, member: string, author: string, from: PeerLink | null) => void,
  ) {}

  /** `member` holds `author`'s messages up to `seq` (told by `from`'s peer). */
  learn(g: GroupModel, member: string, author: string, seq: number, from: PeerLink | null = null): void {
    const before = g.known.get(member)?.get(author) ?? 0;
    if (!g.learn(member, author, seq)) return;
    this.unsaved.push({ group: g.id, member, author, seq });
    this.rose(g, member, author, from);
    if (author === g.row.selfKey) this.announce(g, before, Math.min(seq, g.committed.get(author) ?? 0));
  }

  /** Our messages (after, upTo] are held by one more member: their counts, in runs of equal counts. */
  private announce(g: GroupModel, after: number, upTo: number): void {
    if (upTo <= after) return;
    const self = g.row.selfKey;
    const group = `#${g.row.alias}`;
    let ids: string[] = [];
    let to = -1;
    let of = -1;
    const flush = () => {
      if (ids.length === 0) return;
      this.emit({ type: "group-delivery", group, ids, to, of });
      if (to === of) this.emit({ type: "status", peer: group, ids, status: "delivered" });
      ids = [];
    };
    const steps = g.deliverySteps(after, upTo);
    for (let s = after + 1; s <= upTo; s++) {
      // Who should hold seq s: members now, and removed ones it was written before (the same as s - 1 between steps).
      if (steps.has(s)) {
        const d = g.delivery(s);
        if (d.to !== to || d.of !== of) flush();
        ({ to, of } = d);
      }
      ids.push(groupMessageUuid(g.id, self, s));
    }
    flush();
  }

  /** Writes what was learned since the last save. */
  save(): void {
    if (this.unsaved.length === 0) return;
    const receipts = this.unsaved;
    this.unsaved = [];
    void this.journal.groups({ receipts }).catch(() => {});
  }
}
