// The node's events, live, to the page: server-sent events from Bun.serve,
// fed by the same stream a command gets from the control socket's
// `subscribe`. A browser that stops reading is dropped past a limit (it
// reconnects, and reads the list again), never buffered without end.
import type { NodeEvent } from "../control/api.ts";
import { respond } from "./respond.ts";

/** What may wait for a browser that does not read: it is dropped past this. */
const MAX_BUFFERED = 8 * 1024 * 1024;
/** A comment this often keeps proxies and the browser from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;
/** How soon a dropped browser tries again (EventSource's `retry`). */
const RETRY_MS = 2_000;

export type Subscribe = (listener: (event: NodeEvent) => void) => () => void;

export class EventStreams {
  private readonly open = new Set<(last?: NodeEvent) => void>();

  constructor(private readonly subscribe: Subscribe) {}

  /** A text/event-stream response that carries every event from now on, one `data:` line of JSON each. */
  stream(req: Request): Response {
    const enc = new TextEncoder();
    let end = (_last?: NodeEvent) => {};
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          let done = false;
          const send = (text: string) => {
            if (done) return;
            try {
              controller.enqueue(enc.encode(text));
              if ((controller.desiredSize ?? 0) < -MAX_BUFFERED) end();
            } catch {
              end();
            }
          };
          const unsubscribe = this.subscribe((e) => send(`data: ${JSON.stringify(e)}\n\n`));
          const timer = setInterval(() => send(": keep-alive\n\n"), KEEP_ALIVE_MS);
          end = (last?: NodeEvent) => {
            if (done) return;
            if (last) send(`data: ${JSON.stringify(last)}\n\n`);
            done = true;
            unsubscribe();
            clearInterval(timer);
            this.open.delete(end);
            try {
              controller.close();
            } catch {
              // the browser went first
            }
          };
          this.open.add(end);
          req.signal.addEventListener("abort", () => end());
          send(`retry: ${RETRY_MS}\n: p2pchat events\n\n`);
        },
        cancel: () => end(),
      },
      // Counted in bytes: desiredSize is then minus what waits for the browser.
      { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    return respond(body, 200, { "Content-Type": "text/event-stream; charset=utf-8", "X-Accel-Buffering": "no" });
  }

  /** Ends every stream, telling each page why first. */
  closeAll(reason: string): void {
    for (const end of [...this.open]) end({ type: "stopped", reason });
  }
}
