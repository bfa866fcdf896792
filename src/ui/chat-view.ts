// `p2pchat chat NAME` on a terminal: the conversation scrolls above a prompt
// on the last row. Everything printed goes above the prompt, which is then
// drawn again with what was being typed, so an incoming message never garbles
// a half-typed line. Our messages carry a pending/sent/delivered mark that is
// rewritten in place while its row is still on the screen (else a short line
// says what changed).
import type { HistoryEntry, NodeApi, NodeEvent, OutStatus } from "../control/api.ts";
import { matchRanges, parseSearch } from "../node/session.ts";
import { colors } from "./colors.ts";
import { formatEvent } from "./events.ts";
import { ChatScreen } from "./chat-screen.ts";
import { formatClock, formatEntry, formatIncoming, highlight, printable, senderOf } from "./format.ts";
import { formatStatus } from "./status.ts";

export interface ChatViewOptions {
  peer: string;
  /** Ring the terminal bell on an incoming message. */
  bell: boolean;
  /** Messages of the conversation shown when it opens. */
  backlog?: number;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}

export const CHAT_HELP = [
  "TEXT                   send TEXT (start it with // to send a line that begins with /)",
  "/history [N]           the last N messages with this contact (default 20)",
  "/search TEXT           find words and \"phrases\" in this conversation",
  "/discoverable on|off   show yourself to peers, or hide (messages wait as pending)",
  "/block, /unblock       refuse this contact's links and hold your messages to them",
  "/cancel                withdraw your last message not delivered yet",
  "/status                discoverable, links, pending messages",
  "/quit                  leave (also Ctrl-D on an empty line, or Ctrl-C)",
  "keys: ←/→ Home/End move, ↑/↓ earlier lines, Ctrl-U/K/W delete, Ctrl-L redraw",
].join("\n");

/** How the chat ended: by the user, or because the serve it was attached to stopped. */
export type ChatEnd = "quit" | "lost";

export async function runChatView(api: NodeApi, opts: ChatViewOptions): Promise<ChatEnd> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const { peer } = opts;
  const first = await api.status();
  const self = first.name;
  const screen = new ChatScreen(output, `${colors.bold(self)}${colors.dim(" → ")}${colors.bold(peer)}${colors.dim(">")} `);
  const ownHead = (time: number) => `[${formatClock(time)}] ${colors.dim(self)}: `;
  const showEntry = (e: HistoryEntry) => {
    if (e.direction === "out") screen.printOwn(e.id, ownHead(e.time) + printable(e.text) + "  ", e.text, e.status);
    else screen.print(formatIncoming(senderOf(e), e.text, e.time));
  };

  /** Our messages here not delivered yet, oldest first (for /cancel). */
  const lastPending: string[] = [];
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let end = "quit" as ChatEnd;

  const unsubscribe = await api.subscribe((e: NodeEvent) => {
    switch (e.type) {
      case "message":
        screen.print(formatIncoming(senderOf(e.entry), e.entry.text, e.entry.time));
        if (opts.bell) output.write("\x07");
        return;
      case "status":
        if (e.peer !== peer) return;
        screen.updateStatus(e.ids, e.status satisfies OutStatus);
        if (e.status === "delivered") {
          for (const id of e.ids) {
            const i = lastPending.indexOf(id);
            if (i >= 0) lastPending.splice(i, 1);
          }
        }
        return;
      case "link":
        if (e.peer !== peer) return;
        break;
      case "stopped":
        screen.print(colors.red(`! ${e.reason}: nothing more can be sent from here`));
        if (screen.editor.line.trim()) screen.print(colors.red(`! not sent, as you typed it: ${screen.editor.line}`));
        screen.editor.set("");
        end = "lost";
        finish();
        return;
    }
    const line = formatEvent(e);
    if (line) screen.print(line);
  });

  // Subscribed first, then read the state: a link that came up before is in
  // the status, one that comes up after is an event.
  const status = await api.status();
  const contact = (await api.contacts()).find((c) => c.name === peer);
  const linked = status.links.some((l) => l.peer === peer);

  // The conversation so far, then who this is and how to get help.
  const backlog = await api.history({ peer, limit: opts.backlog ?? 20 });
  for (const e of backlog) showEntry(e);
  const who = contact ? `${peer} ${colors.dim(contact.peerId ?? "(not pinned yet: pinned on first contact)")}` : peer;
  const legacy = contact?.legacy ? colors.red(" plaintext legacy peer: UNENCRYPTED, UNAUTHENTICATED") : "";
  const state = status.discoverable ? "" : colors.yellow(" You are hidden: what you write waits as pending (/discoverable on).");
  const blocked = contact?.blocked ? colors.yellow(` ${peer} is blocked: /unblock to talk.`) : "";
  const link = linked ? colors.dim(` (connected)`) : status.discoverable && !contact?.blocked ? colors.dim(` (not connected yet)`) : "";
  const health = status.contacts.find((c) => c.name === peer);
  const changed = health?.state === "identity changed" ? colors.red(` ${peer}'s identity changed, nothing is delivered: ${health.stateText}.`) : "";
  screen.print(colors.dim(`chatting with `) + who + link + legacy + state + blocked + changed, colors.dim("/help for commands"));

  const command = async (line: string): Promise<void> => {
    const [cmd, ...rest] = line.trim().split(/\s+/);
    const arg = line.trim().slice(cmd!.length).trim();
    switch (cmd) {
      case "/help":
      case "/?":
        return screen.print(CHAT_HELP);
      case "/quit":
      case "/exit":
      case "/q":
        return finish();
      case "/history": {
        const n = arg ? Number(arg) : 20;
        if (!Number.isInteger(n) || n < 1) return screen.print(colors.red("! /history N: N is a number of messages, 1 or more"));
        const entries = await api.history({ peer, limit: n });
        if (entries.length === 0) return screen.print(colors.dim(`no messages with ${peer} yet`));
        return screen.print(colors.dim(`— last ${entries.length} with ${peer} —`), ...entries.map((e) => formatEntry(e, { self, showPeer: false, dates: true })), colors.dim("—"));
      }
      case "/search": {
        const terms = parseSearch(arg);
        if (terms.length === 0) return screen.print(colors.red("! /search TEXT: words or \"a phrase\" to look for"));
        const found = await api.search({ text: arg, peer, limit: 20 });
        if (found.length === 0) return screen.print(colors.dim(`no messages with ${peer} match ${JSON.stringify(arg)}`));
        return screen.print(
          colors.dim(`— ${found.length} match${found.length === 1 ? "" : "es"}, newest first —`),
          ...found.map((e) => formatEntry(e, { self, showPeer: false, dates: true }, highlight(e.text, matchRanges(e.text, terms)))),
          colors.dim("—"),
        );
      }
      case "/discoverable": {
        if (arg !== "on" && arg !== "off") return screen.print(colors.red("! /discoverable on|off"));
        await api.setDiscoverable(arg === "on");
        return; // the node's own event says what changed
      }
      case "/block":
      case "/unblock": {
        const c = await api.setBlocked(peer, cmd === "/block");
        return screen.print(colors.yellow(c.blocked ? `* ${peer} blocked: their links are refused, your messages to them wait` : `* ${peer} unblocked: waiting messages go out`));
      }
      case "/status":
        return screen.print(formatStatus(await api.status(), true));
      case "/cancel": {
        const last = lastPending.at(-1);
        if (!last) return screen.print(colors.dim("nothing to withdraw: every message you wrote here was delivered"));
        const [o] = await api.cancel([last]);
        lastPending.pop();
        if (!o || o.before === "delivered") return screen.print(colors.dim("too late: it was delivered"));
        screen.updateStatus([last], "cancelled");
        return screen.print(colors.yellow(o.onTheWire ? "* withdrawn, but it was already on the wire: it may still arrive" : "* withdrawn: it will not be sent"));
      }
      default:
        void rest;
        return screen.print(colors.red(`! unknown command ${cmd}: /help lists them (start a line with // to send it as it is)`));
    }
  };

  const submit = async (line: string): Promise<void> => {
    if (!line.trim()) return;
    if (line.startsWith("/") && !line.startsWith("//")) return command(line);
    const text = line.startsWith("//") ? line.slice(1) : line;
    let r: Awaited<ReturnType<NodeApi["send"]>>;
    try {
      r = await api.send(peer, text);
    } catch (err) {
      // Not stored, so not sent: give the line back to be sent again or copied.
      if (screen.editor.line === "") screen.editor.set(line);
      throw new Error(`not sent: ${err instanceof Error ? err.message : String(err)}`);
    }
    showEntry({ id: r.id, direction: "out", peer, text, status: r.status, time: Date.now() });
    lastPending.push(r.id);
  };

  // Lines are handled one after another, in the order typed, even when a send is slow.
  let queue = Promise.resolve();
  const onData = (chunk: Buffer | string) => {
    for (const key of screen.keys(chunk.toString())) {
      const r = screen.editor.apply(key);
      if (r.kind === "submit") {
        const line = r.line;
        queue = queue.then(() => submit(line)).catch((err: unknown) => screen.print(colors.red(`! ${err instanceof Error ? err.message : String(err)}`)));
      } else if (r.kind === "interrupt" || r.kind === "eof") {
        queue.finally(finish);
        return screen.render();
      }
    }
    screen.render();
  };
  const onResize = () => screen.resized();
  const onSignal = () => finish();

  const wasRaw = input.isRaw;
  input.setRawMode?.(true);
  output.write("\x1b[?2004h"); // bracketed paste: a pasted block is text, not keystrokes
  input.on("data", onData);
  input.on("end", onSignal);
  input.resume();
  output.on("resize", onResize);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  screen.render();
  try {
    await done;
    await queue;
  } finally {
    input.off("data", onData);
    input.off("end", onSignal);
    output.off("resize", onResize);
    process.off("SIGTERM", onSignal);
    process.off("SIGHUP", onSignal);
    unsubscribe();
    output.write("\r\x1b[2K\x1b[?2004l");
    input.setRawMode?.(wasRaw);
    input.pause();
  }
  if (end === "lost") return end;
  const left = (await api.status()).pending.find((p) => p.peer === peer);
  const waiting = left ? left.pending + (left.legacy ? 0 : left.sent) : 0;
  if (waiting > 0) {
    output.write(colors.dim(`${waiting} message${waiting === 1 ? "" : "s"} to ${peer} not delivered yet: they go when ${peer} is reachable and a node of yours runs (p2pchat serve)\n`));
  }
  return end;
}
