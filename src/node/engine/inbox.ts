// What a link brings in: messages stored before they are acked (committed,
// the sender may forget them; a redelivered id is acked, never stored twice),
// a request's up to its cap, blank ones refused, and a link whose peer sends
// faster than we commit dropped.
import { REFUSE_CAP, type ChatMessage } from "../../protocol/messages.ts";
import { blankText } from "../../protocol/text.ts";
import type { IncomingMessage } from "../../store/store.ts";
import { childLogger } from "../../log.ts";
import type { Health } from "../dial/health.ts";
import type { NodeEvent } from "../node-events.ts";
import type { Journal } from "./journal.ts";
import type { NodeLink } from "./link-ctx.ts";
import type { Requests } from "./peer-requests.ts";

const log = childLogger("node");

/** Received bytes not yet committed, per link, before we drop the link. */
const MAX_UNCOMMITTED_BYTES = 32 * 1024 * 1024;

export interface InboxDeps {
  journal: Journal;
  requests: Requests;
  health: Health;
  emit(event: NodeEvent): void;
}

export class Inbox {
  constructor(private readonly d: InboxDeps) {}

  /** Messages on the adopted link of a contact or a request. */
  take(link: NodeLink, batch: ChatMessage[]): void {
    const ctx = link.ctx;
    const { contact, request } = ctx;
    batch = refuseBlank(link, batch);
    if (batch.length === 0) return;
    const peerId = link.peerId!;
    // A request stores up to its cap: what fits of this batch is stored and acked, then the link is refused.
    const taken = request ? this.d.requests.take(peerId, batch.length) : batch.length;
    const full = () => link.refuse("REQUESTS_FULL", "too many messages wait for this peer's user to accept you: they are kept, send more later");
    if (taken === 0) return full();
    const messages = taken < batch.length ? batch.slice(0, taken) : batch;
    const received = Date.now();
    let bytes = 0;
    const rows: IncomingMessage[] = messages.map((m) => {
      bytes += m.body.length;
      return contact
        ? { id: m.id, peerId, peer: contact.name, host: link.remoteHost, port: contact.port, body: m.body, created: m.created, received }
        : { id: m.id, peerId, peer: "", host: link.remoteHost, port: 0, body: m.body, created: m.created, received, request: true };
    });
    ctx.uncommitted += bytes;
    if (ctx.uncommitted > MAX_UNCOMMITTED_BYTES) return link.refuse("OVERLOADED", "too much unacknowledged data");
    if (contact) this.d.health.seen(contact.name);
    const mine = new Set(rows);
    this.d.journal.incoming(rows).then(
      (result) => {
        ctx.uncommitted -= bytes;
        // Committed: now, and only now, the sender may forget them.
        link.sendAck(messages.map((m) => m.id));
        let fresh = 0;
        for (const m of result.stored) {
          if (!mine.has(m)) continue;
          fresh++;
          if (!m.request) this.d.emit({ type: "message", entry: { id: m.id, direction: "in", peer: m.peer, text: m.body, status: "received", time: m.created, received: m.received } });
        }
        if (request) this.d.requests.stored(peerId, taken, fresh);
        if (taken < batch.length) full();
      },
      (err) => {
        if (request) this.d.requests.stored(peerId, taken, 0);
        // The journal already tried again for a while, and says once that the database fails.
        log.debug(`cannot store messages from ${contact?.name ?? peerId}: ${(err as Error).message}`);
        link.refuse("OVERLOADED", "the receiver cannot store messages now; they stay with you and go again later");
      },
    );
  }
}

const BLANK_REASON = "a blank message (only spaces or invisible characters) is not stored";

/**
 * A message with nothing to show (protocol/text.ts, the rule our own CLI
 * and node apply before sending) is never stored: the sender's node is told
 * so and keeps it as failed. An older peer knows no refuse frame: it is
 * acked instead, or it would send it again forever. Returns the others.
 */
function refuseBlank(link: NodeLink, batch: ChatMessage[]): ChatMessage[] {
  const ok: ChatMessage[] = [];
  const ids: string[] = [];
  for (const m of batch) {
    if (blankText(m.body) === null) ok.push(m);
    else ids.push(m.id);
  }
  if (ids.length === 0) return batch;
  log.debug(`${link.peerId}: refused ${ids.length} blank message${ids.length === 1 ? "" : "s"}: ${ids.join(", ")}`);
  if (link.peerHello?.caps.includes(REFUSE_CAP)) link.sendRefuse(ids, "BLANK_MESSAGE", BLANK_REASON);
  else link.sendAck(ids);
  return ok;
}
