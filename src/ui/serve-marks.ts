// What `serve` prints for a message typed at it (`@bob text`): the line with
// its pending mark at once, then a line with the delivered mark when bob's
// ack comes, matched by the message's id. (The serve's screen scrolls with
// everything the node prints, so a mark is not rewritten in place.)
import type { NodeEvent, OutStatus, SendResult } from "../control/api.ts";
import { printable, statusMark } from "./format.ts";

/** Statuses that came before the send returned, kept at most this many. */
const MAX_EARLY = 10_000;
const EXCERPT = 40;

interface Followed {
  peer: string;
  text: string;
  /** A legacy peer acknowledges nothing: `sent` is as far as it goes. */
  legacy: boolean;
}

export class SendMarks {
  private readonly followed = new Map<string, Followed>();
  private readonly early = new Map<string, OutStatus>();

  constructor(private readonly print: (line: string) => void) {}

  /** A message just stored: its line with the pending mark (or a later one that came first). */
  follow(r: SendResult, text: string): string {
    const f: Followed = { peer: r.peer, text, legacy: r.legacy };
    const status = this.early.get(r.id) ?? r.status;
    this.early.delete(r.id);
    if (!this.final(f, status)) this.followed.set(r.id, f);
    return line(f, status);
  }

  /** Node events: a status change of a followed message prints its final mark. */
  onEvent(e: NodeEvent): void {
    if (e.type !== "status") return;
    for (const id of e.ids) {
      const f = this.followed.get(id);
      if (!f) {
        if (this.early.size >= MAX_EARLY) this.early.clear();
        this.early.set(id, e.status);
        continue;
      }
      if (!this.final(f, e.status)) continue;
      this.followed.delete(id);
      this.print(line(f, e.status, e.reason));
    }
  }

  private final(f: Followed, status: OutStatus): boolean {
    return status === "delivered" || status === "failed" || (f.legacy && status === "sent");
  }
}

function line(f: Followed, status: OutStatus, reason?: string): string {
  const chars = [...f.text];
  const text = chars.length > EXCERPT ? chars.slice(0, EXCERPT - 1).join("").trimEnd() + "…" : f.text;
  return `→ ${f.peer}: ${printable(text)}  ${statusMark(status, reason)}`;
}
