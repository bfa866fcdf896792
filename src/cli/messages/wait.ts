// Waiting for our messages to be delivered, for `send` and piped `chat`.
import type { NodeApi, NodeEvent } from "../../control/api.ts";
import { mismatchAdvice } from "../../domain/contact.ts";

/** Ids per statusOf request: a long piped chat must not make one huge request line. */
const STATUS_BATCH = 1_000;

/** Tracks the status of messages we sent, from the node's events (subscribe before sending). */
export class DeliveryTracker {
  private readonly undelivered = new Set<string>();
  private readonly sentIsFinal = new Set<string>();
  /** Refused by the receiver for good, and why: done, but not delivered. */
  readonly failed = new Map<string, string>();
  private wake: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;

  static async start(api: NodeApi): Promise<DeliveryTracker> {
    const t = new DeliveryTracker();
    t.unsubscribe = await api.subscribe((e) => t.onEvent(e));
    return t;
  }

  /** A legacy peer's message is done once `sent`: the original acknowledges nothing. */
  add(id: string, legacy = false): void {
    this.undelivered.add(id);
    if (legacy) this.sentIsFinal.add(id);
  }

  get pending(): number {
    return this.undelivered.size;
  }

  private onEvent(e: NodeEvent): void {
    if (e.type !== "status" || e.status === "pending") return;
    for (const id of e.ids) {
      if (e.status === "failed" && this.undelivered.delete(id)) this.failed.set(id, e.reason ?? "refused by the receiver");
      if (e.status === "delivered" || this.sentIsFinal.has(id)) this.undelivered.delete(id);
    }
    this.wake?.();
  }

  /** Waits up to `seconds` for everything added to be delivered; returns how many are not. */
  async wait(api: NodeApi, seconds: number): Promise<number> {
    const deadline = Date.now() + seconds * 1000;
    while (this.undelivered.size > 0 && Date.now() < deadline) {
      // Events carry the news; a look at the database now and then covers any we missed.
      const ids = [...this.undelivered];
      for (let i = 0; i < ids.length; i += STATUS_BATCH) {
        const statuses = await api.statusOf(ids.slice(i, i + STATUS_BATCH));
        for (const [id, status] of Object.entries(statuses)) {
          if (status === "delivered" || (status === "sent" && this.sentIsFinal.has(id))) this.undelivered.delete(id);
          if (status === "failed" && this.undelivered.delete(id)) this.failed.set(id, "refused by the receiver");
        }
      }
      if (this.undelivered.size === 0) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(500, Math.max(0, deadline - Date.now())));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.undelivered.size;
  }

  stop(): void {
    this.unsubscribe?.();
  }
}

/**
 * Why messages to `peer` still wait, in words: blocked, identity changed,
 * hidden, or the last error of its link (connection refused, timed out...).
 */
export async function whyPending(api: NodeApi, peer: string): Promise<string> {
  let status;
  try {
    status = await api.status();
  } catch {
    return `they are delivered when ${peer} is reachable and a node of yours runs`;
  }
  const c = status.contacts.find((x) => x.name === peer);
  if (c?.state === "blocked") return `${peer} is blocked: nothing goes to them until \`p2pchat contacts unblock ${peer}\``;
  if (c?.state === "identity changed" && c.mismatch) {
    return `${peer}'s identity changed, so nothing is delivered: expected ${c.mismatch.expected}, got ${c.mismatch.got}. ${mismatchAdvice(peer, c.mismatch.got)}`;
  }
  if (!status.discoverable) return `you are hidden: they go once you are discoverable (\`p2pchat discoverable on\`)`;
  const why = c?.lastError ? `last try: ${c.lastError}` : c?.state === "dialing" ? `still dialing ${c.address ?? peer}` : `${peer} has not answered`;
  const retry = c?.nextRetryAt ? `; next try in ${Math.max(1, Math.ceil((c.nextRetryAt - Date.now()) / 1000))} s` : "";
  return `${why}${retry}. They are delivered when ${peer} is reachable and a node of yours runs`;
}
