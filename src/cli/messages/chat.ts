import { defineCommand } from "citty";
import type { NodeApi } from "../../control/api.ts";
import { NodeError } from "../../domain/node-error.ts";
import { resolveName } from "../../domain/contact-lookup.ts";
import type { ChatApp } from "../../ui/chat-app.ts";
import { colors } from "../../ui/colors.ts";
import { formatIncoming, senderOf } from "../../ui/format.ts";
import { askConfirm } from "../../ui/prompt.ts";
import { connectNode } from "../connect.ts";
import { ExitCode, EXIT_PENDING, UsageError } from "../exit-codes.ts";
import { globalArgs } from "../args/globals.ts";
import { reachArgs, reachOptions } from "../args/reach-args.ts";
import { webArgs, webChoice } from "../args/web-args.ts";
import { inputLines } from "../../transport/lines.ts";
import { lineMessage, MAX_LINE_BYTES } from "./message-input.ts";
import { parseSeconds } from "../args/parse.ts";
import { DeliveryTracker, whyPending } from "./wait.ts";
import { GroupDeliveries } from "./group-wait.ts";

export default defineCommand({
  meta: { name: "chat", description: "Your conversations on a terminal (with no NAME, the list of them); piped, one line per message to NAME" },
  args: {
    name: { type: "positional", description: "Contact name, or '#GROUP'", required: false },
    hidden: { type: "boolean", description: "Stay hidden this run: what you write waits as pending; --no-hidden: discoverable this run, without asking (neither is saved)" },
    wait: { type: "string", description: "When input is piped: seconds to wait for delivery at its end (default 10)", valueHint: "SECONDS" },
    quiet: { type: "boolean", description: "No terminal bell and no desktop notifications on incoming messages" },
    ...reachArgs,
    ...webArgs,
    ...globalArgs,
  },
  async run({ args, rawArgs }) {
    const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const seconds = parseSeconds("--wait", args.wait, 10);
    const hiddenGiven = rawArgs.some((a) => a === "--hidden" || a === "--no-hidden");
    const name = args.name || "";
    if (!tty && !name) throw new UsageError("who to chat with? p2pchat chat NAME (input is not a terminal, so I cannot ask)", "p2pchat chat");
    // Asked only when this chat runs the node itself, and its answer holds for
    // this run only; a chat attached to a running node changes nothing
    // unless told to (/discoverable).
    const { api, attached } = await connectNode({
      command: "chat",
      discoverable: hiddenGiven ? !args.hidden : undefined,
      ask: tty ? (saved) => askDiscoverable(saved) : undefined,
      reach: (config) => reachOptions(args, config, rawArgs),
      web: (config) => webChoice(args as { web?: string | boolean }, config, "p2pchat chat"),
    });
    if (attached && hiddenGiven && (await api.status()).discoverable === Boolean(args.hidden)) {
      process.stderr.write(`p2pchat: attached to the node already running for this home; --${args.hidden ? "" : "no-"}hidden applies only to a node this chat starts (use /discoverable on|off)\n`);
    }
    try {
      if (tty) {
        // The conversations view, or NAME's conversation (a new name's address is asked there).
        const { runChatApp } = await import("../../ui/chat-app.ts");
        const app = await runChatApp(api, { peer: name || null, quiet: Boolean(args.quiet) });
        await afterChat(api, app);
      } else {
        await pipeChat(api, await ensureContact(api, name), seconds);
      }
    } finally {
      await api.close();
    }
  },
});

async function askDiscoverable(saved: boolean): Promise<boolean> {
  return askConfirm("Do you want to be discovered?", { initial: saved });
}

/** Input is piped: NAME must be a contact already (there is no one to ask for its address). */
async function ensureContact(api: NodeApi, name: string): Promise<string> {
  if (name.startsWith("#") && (await api.groups()).some((g) => g.name === name)) return name;
  const names = (await api.contacts()).map((c) => c.name);
  const found = resolveName(name, names);
  if (!names.includes(found)) throw NodeError.notAContact(name);
  return found;
}

/** Back on the normal screen: why the chat ended if the node went, and what still waits to be delivered. */
async function afterChat(api: NodeApi, app: ChatApp): Promise<void> {
  const out = process.stdout;
  if (app.end === "lost") {
    out.write(colors.red(`! ${app.lostReason}: nothing more can be sent from here`) + "\n");
    const draft = app.unsent;
    if (draft.trim()) out.write(colors.red(`! not sent, as you typed it: ${draft}`) + "\n");
    throw new NodeError("NOT_RUNNING", "the node this chat was attached to stopped; what you wrote before is kept and goes when a node of yours runs");
  }
  if (app.wroteTo.size === 0) return;
  const pending = (await api.status()).pending;
  for (const peer of app.wroteTo) {
    const left = pending.find((p) => p.peer === peer);
    const waiting = left ? left.pending + (left.legacy ? 0 : left.sent) : 0;
    if (waiting > 0) {
      out.write(colors.dim(`${waiting} message${waiting === 1 ? "" : "s"} to ${peer} not delivered yet: they go when ${peer} is reachable and a node of yours runs (p2pchat serve)`) + "\n");
    }
  }
}

/** stdin is a pipe: each line is a message; incoming messages print one a line. */
async function pipeChat(api: NodeApi, peer: string, seconds: number): Promise<void> {
  const tracker = await DeliveryTracker.start(api);
  // A group: delivered means every member who should have it holds it; the summary says who does.
  const group = peer.startsWith("#") && (await api.groups()).some((g) => g.name === peer) ? await GroupDeliveries.start(api, peer) : null;
  const ids: string[] = [];
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
    if (group) ids.push(r.id);
    sent++;
  }
  const left = await tracker.wait(api, seconds);
  tracker.stop();
  // Let messages that arrived during the wait print before we go.
  await Bun.sleep(50);
  unsubscribe();
  if (group) {
    const s = await group.summary(api, ids, left, seconds);
    group.stop();
    if (s.ok) return;
    process.stderr.write(`p2pchat: ${s.line}\n`);
    throw new ExitCode(EXIT_PENDING);
  }
  if (tracker.failed.size > 0) {
    const [why] = tracker.failed.values();
    process.stderr.write(`p2pchat: ${tracker.failed.size} of ${sent} message${sent === 1 ? "" : "s"} to ${peer} not delivered: ${why}\n`);
    throw new ExitCode(1);
  }
  if (left > 0) {
    process.stderr.write(`p2pchat: ${left} of ${sent} message${sent === 1 ? "" : "s"} to ${peer} still pending after ${seconds} s. ${await whyPending(api, peer)}\n`);
    throw new ExitCode(EXIT_PENDING);
  }
}

/** How many input lines were stored (and so will be delivered). */
function stored(n: number): string {
  return `${n} input line${n === 1 ? " was" : "s were"} stored (${n === 1 ? "it goes" : "they go"} when delivered)`;
}
