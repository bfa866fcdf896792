import { defineCommand } from "citty";
import type { NodeApi } from "../control/api.ts";
import { logger } from "../log.ts";
import { NodeError } from "../node/errors.ts";
import { formatIncoming } from "../ui/format.ts";
import { connectNode } from "./connect.ts";
import { ExitCode, EXIT_PENDING, UsageError } from "./errors.ts";
import { globalArgs } from "./globals.ts";
import { inputLines } from "./input-lines.ts";
import { lineMessage, MAX_LINE_BYTES } from "./message-input.ts";
import { parseSeconds } from "./parse.ts";
import { DeliveryTracker } from "./wait.ts";

export default defineCommand({
  meta: { name: "chat", description: "Talk with one peer (asks who, as the original did, when you do not say)" },
  args: {
    name: { type: "positional", description: "Contact name", required: false },
    hidden: { type: "boolean", description: "Stay hidden: what you write waits as pending" },
    wait: { type: "string", description: "When input is piped: seconds to wait for delivery at its end (default 10)", valueHint: "SECONDS" },
    quiet: { type: "boolean", description: "No terminal bell on incoming messages" },
    ...globalArgs,
  },
  async run({ args, rawArgs }) {
    const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const seconds = parseSeconds("--wait", args.wait, 10);
    const hiddenGiven = rawArgs.some((a) => a === "--hidden" || a === "--no-hidden");
    let hidden = Boolean(args.hidden);
    let name = args.name || "";
    if (!tty && !name) throw new UsageError("who to chat with? p2pchat chat NAME (input is not a terminal, so I cannot ask)", "p2pchat chat");
    if (tty && !hiddenGiven) {
      hidden = !(await logger.prompt("Do you want to be discovered?", { type: "confirm", initial: true, cancel: "reject" }));
    }
    const { api } = await connectNode({ hidden });
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
  const unsubscribe = await api.subscribe((e) => {
    if (e.type === "message") process.stdout.write(formatIncoming(e.entry.peer, e.entry.text, e.entry.time) + "\n");
  });
  let sent = 0;
  for await (const line of inputLines(Bun.stdin.stream(), MAX_LINE_BYTES)) {
    const text = lineMessage(line); // a bad line ends the chat (exit 2), naming it
    if (text === null) continue;
    const r = await api.send(peer, text);
    tracker.add(r.id, r.legacy);
    sent++;
  }
  const left = await tracker.wait(api, seconds);
  tracker.stop();
  // Let messages that arrived during the wait print before we go.
  await Bun.sleep(50);
  unsubscribe();
  if (left > 0) {
    process.stderr.write(`p2pchat: ${left} of ${sent} message${sent === 1 ? "" : "s"} to ${peer} still pending after ${seconds} s; they are delivered when ${peer} is reachable and a node of yours runs\n`);
    throw new ExitCode(EXIT_PENDING);
  }
}
