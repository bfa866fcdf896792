import { defineCommand } from "citty";
import type { NodeApi } from "../control/api.ts";
import { logger } from "../log.ts";
import { NodeError } from "../node/errors.ts";
import { formatIncoming, senderOf } from "../ui/format.ts";
import { connectNode } from "./connect.ts";
import { ExitCode, EXIT_PENDING, UsageError } from "./errors.ts";
import { globalArgs } from "./globals.ts";
import { inputLines } from "./input-lines.ts";
import { lineMessage, MAX_LINE_BYTES } from "./message-input.ts";
import { parseSeconds } from "./parse.ts";
import { DeliveryTracker, whyPending } from "./wait.ts";

export default defineCommand({
  meta: { name: "chat", description: "Talk with one peer (asks who, as the original did, when you do not say)" },
  args: {
    name: { type: "positional", description: "Contact name, or '#GROUP'", required: false },
    hidden: { type: "boolean", description: "Stay hidden: what you write waits as pending" },
    wait: { type: "string", description: "When input is piped: seconds to wait for delivery at its end (default 10)", valueHint: "SECONDS" },
    quiet: { type: "boolean", description: "No terminal bell on incoming messages" },
    ...globalArgs,
  },
  async run({ args, rawArgs }) {
    const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const seconds = parseSeconds("--wait", args.wait, 10);
    const hiddenGiven = rawArgs.some((a) => a === "--hidden" || a === "--no-hidden");
    let name = args.name || "";
    if (!tty && !name) throw new UsageError("who to chat with? p2pchat chat NAME (input is not a terminal, so I cannot ask)", "p2pchat chat");
    // Asked only when this chat runs the node itself, and its answer holds for
    // this run only; a chat attached to a running node changes nothing
    // unless told to (/discoverable).
    const { api, attached } = await connectNode({
      command: "chat",
      discoverable: hiddenGiven ? !args.hidden : undefined,
      ask: tty ? (saved) => askDiscoverable(saved) : undefined,
    });
    if (attached && hiddenGiven && (await api.status()).discoverable === Boolean(args.hidden)) {
      process.stderr.write(`p2pchat: attached to the node already running for this home; --${args.hidden ? "" : "no-"}hidden applies only to a node this chat starts (use /discoverable on|off)\n`);
    }
    try {
      if (!name) name = await askName(api);
      await ensureContact(api, name, tty);
      if (tty) {
        const { runChatView } = await import("../ui/chat-view.ts");
        const end = await runChatView(api, { peer: name, bell: !args.quiet });
        if (end === "lost") throw new NodeError("NOT_RUNNING", "the serve this chat was attached to stopped; what you wrote before is kept and goes when a node of yours runs");
      } else {
        await pipeChat(api, name, seconds);
      }
    } finally {
      await api.close();
    }
  },
});

async function askDiscoverable(saved: boolean): Promise<boolean> {
  return Boolean(await logger.prompt("Do you want to be discovered?", { type: "confirm", initial: saved, cancel: "reject" }));
}

async function askName(api: NodeApi): Promise<string> {
  const known = (await api.contacts()).map((c) => c.name);
  if (known.length > 0) process.stderr.write(`contacts: ${known.join(", ")}\n`);
  const answer = await logger.prompt("Who do you want to talk to?", { type: "text", cancel: "reject" });
  const name = String(answer ?? "").trim();
  if (!name) throw new UsageError("no name given", "p2pchat chat");
  return name;
}

/** A name not in the address book: on a terminal ask for its address and save it; else refuse. */
async function ensureContact(api: NodeApi, name: string, tty: boolean): Promise<void> {
  if (name.startsWith("#") && (await api.groups()).some((g) => g.name === name)) return;
  const contacts = await api.contacts();
  if (contacts.some((c) => c.name === name)) return;
  if (!tty) throw NodeError.notAContact(name);
  const address = await logger.prompt(`${name} is not in your contacts. What is ${name}'s address (HOST:PORT)?`, { type: "text", placeholder: "192.168.1.20:20001", cancel: "reject" });
  await api.addContact(name, String(address ?? "").trim());
  process.stderr.write(`saved ${name} to your contacts\n`);
}

/** stdin is a pipe: each line is a message; incoming messages print one a line. */
async function pipeChat(api: NodeApi, peer: string, seconds: number): Promise<void> {
  const tracker = await DeliveryTracker.start(api);
  const lost = Promise.withResolvers<string>();
  const unsubscribe = await api.subscribe((e) => {
    if (e.type === "message") process.stdout.write(formatIncoming(senderOf(e.entry), e.entry.text, e.entry.time) + "\n");
    if (e.type === "stopped") lost.resolve(e.reason);
  });
  let sent = 0;
  const lines = inputLines(Bun.stdin.stream(), MAX_LINE_BYTES)[Symbol.asyncIterator]();
  for (;;) {
    // The node this chat is attached to may stop while we wait for input.
    const next = await Promise.race([lines.next(), lost.promise]);
    if (typeof next === "string") {
      unsubscribe();
      throw new NodeError("NOT_RUNNING", `${next}: ${stored(sent)}; the rest of the input was not read`);
    }
    if (next.done) break;
    let line: string | null;
    try {
      line = lineMessage(next.value); // a bad line ends the chat (exit 2), naming it
    } catch (err) {
      unsubscribe();
      throw err;
    }
    if (line === null) continue;
    let r: Awaited<ReturnType<NodeApi["send"]>>;
    try {
      r = await api.send(peer, line);
    } catch (err) {
      unsubscribe();
      const e = err instanceof NodeError ? err : new NodeError("DB_ERROR", (err as Error).message, { cause: err });
      throw new NodeError(e.code, `${e.message}; ${stored(sent)}; the rest of the input was not`, { cause: err });
    }
    tracker.add(r.id, r.legacy);
    sent++;
  }
  const left = await tracker.wait(api, seconds);
  tracker.stop();
  // Let messages that arrived during the wait print before we go.
  await Bun.sleep(50);
  unsubscribe();
  if (left > 0) {
    process.stderr.write(`p2pchat: ${left} of ${sent} message${sent === 1 ? "" : "s"} to ${peer} still pending after ${seconds} s. ${await whyPending(api, peer)}\n`);
    throw new ExitCode(EXIT_PENDING);
  }
}

/** How many input lines were stored (and so will be delivered). */
function stored(n: number): string {
  return `${n} input line${n === 1 ? " was" : "s were"} stored (${n === 1 ? "it goes" : "they go"} when delivered)`;
}
