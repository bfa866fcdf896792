// What the chat remembers of the messages it sent: which ones are not
// delivered yet (for /cancel), which conversations it wrote in (to say on
// the way out what still waits), and marks that came before the send that
// made the message returned (a fast peer acks before the reply is read).

/** Marks of messages not known yet, kept at most this many. */
const MAX_EARLY = 10_000;

export class Outgoing {
  private readonly early = new Map<string, string>();
  /** Per conversation, oldest first. */
  private readonly undelivered = new Map<string, string[]>();
  private readonly wrote = new Set<string>();

  /** Conversations we wrote in. */
  get wroteTo(): ReadonlySet<string> {
    return this.wrote;
  }

  /** Marks for messages this chat does not show (yet): kept for when their send returns. */
  cameEarly(ids: readonly string[], status: string): void {
    for (const id of ids) this.early.set(id, status);
    if (this.early.size > MAX_EARLY) this.early.clear();
  }

  /** The mark that came before message `id` was known, once. */
  takeEarly(id: string): string | undefined {
    const status = this.early.get(id);
    this.early.delete(id);
    return status;
  }

  /** Our message `id` to `peer` is stored; `delivered` already or still to withdraw. */
  sent(peer: string, id: string, delivered: boolean): void {
    this.wrote.add(peer);
    let mine = this.undelivered.get(peer);
    if (!mine) this.undelivered.set(peer, (mine = []));
    if (!delivered) mine.push(id);
  }

  /** A mark changed: delivered, cancelled and failed messages can no longer be withdrawn. */
  marked(peer: string, id: string, status: string): void {
    if (status !== "delivered" && status !== "cancelled" && status !== "failed") return;
    const mine = this.undelivered.get(peer);
    const i = mine?.indexOf(id) ?? -1;
    if (i >= 0) mine!.splice(i, 1);
  }

  /** The newest message to `peer` not delivered yet: what /cancel withdraws. */
  lastUndelivered(peer: string): string | undefined {
    return this.undelivered.get(peer)?.at(-1);
  }

  /** /cancel asked the node about the last undelivered message: it is no longer one to withdraw. */
  withdrew(peer: string): void {
    this.undelivered.get(peer)?.pop();
  }
}
