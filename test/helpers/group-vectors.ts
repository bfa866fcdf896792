// Group vectors as they leave the nodes of this process, counted where they
// are handed to a link (Link.sendGroup, which still sends them): how many
// frames, and how many receipt entries (rows after the sender's own, what it
// knows other members hold). The tests that hold the receipts' gossip to a
// volume read it; one recorder at a time, removed on dispose.
import type { GroupFrame } from "../../src/protocol/messages.ts";
import { Link } from "../../src/transport/link.ts";

export type SentVector = { at: number; link: number; full: boolean; own: number; receipts: number };

export interface VectorLog extends Disposable {
  readonly sent: SentVector[];
  /** Vectors sent since `t` (performance.now()). */
  since(t: number): SentVector[];
}

export function recordVectors(): VectorLog {
  const sent: SentVector[] = [];
  const original = Link.prototype.sendGroup;
  Link.prototype.sendGroup = function (this: Link, f: GroupFrame) {
    if (f.type === "group-vector") {
      const receipts = f.rows.slice(1).reduce((n, r) => n + r.entries.length, 0);
      sent.push({ at: performance.now(), link: this.no, full: f.full, own: f.rows[0]!.entries.length, receipts });
    }
    original.call(this, f);
  };
  return {
    sent,
    since: (t) => sent.filter((v) => v.at >= t),
    [Symbol.dispose]() {
      Link.prototype.sendGroup = original;
    },
  };
}
