// The chat's slash commands, in a conversation and in the list. What they
// print goes into the conversation (or the list's notes) as notes of ours,
// never into the database.
import type { PeerRequest } from "../control/api.ts";
import { nameProblem } from "../domain/contact-name.ts";
import { NodeError } from "../domain/node-error.ts";
import { matchRanges, parseSearch } from "../domain/search-terms.ts";
import type { ChatState } from "./chat-state.ts";
import { colors } from "./colors.ts";
import { formatEntry, highlight } from "./format.ts";
import { expandPath } from "./paths.ts";
import { picks } from "./list-view.ts";
import { formatStatus } from "./status.ts";

export const CHAT_HELP = [
  "TEXT                   send TEXT (start it with // to send a line that begins with /)",
  "Alt-Enter              a new line in the message; a pasted block is one message",
  "/switch NAME           another conversation, a contact or #group (Tab completes; a new name: its address is asked); also Ctrl-N/Ctrl-P, Alt-1..9",
  "/back, Esc             all conversations; Alt-A: the next one with unread messages",
  "/history [N]           the last N messages with this contact (default 20)",
  "/search TEXT           find words and \"phrases\" in this conversation",
  "/discoverable on|off   show yourself to peers, or hide (messages wait as pending)",
  "/block, /unblock       refuse this contact's links and hold your messages to them",
  "/cancel                withdraw your last message not delivered yet",
  "/file PATH             send a file (Tab completes the path; a path pasted alone becomes /file PATH)",
  "/accept [ID], /reject [ID]  take or refuse the file offered here last (or the one whose id starts with ID)",
  "/status                discoverable, links, pending messages",
  "/quit                  leave (also Ctrl-D on an empty line, or Ctrl-C on an empty line)",
  "keys: PgUp/PgDn or the wheel scroll back, ←/→ Home/End move, ↑/↓ earlier lines, Ctrl-C clears, Ctrl-U/K/W delete, Ctrl-L redraw",
].join("\n");

export const LIST_HELP = [
  "NAME, Enter            talk to NAME, or to #GROUP (Tab completes; a new name: its address is asked)",
  "↑/↓, Enter             open the selected conversation; Alt-1..9 opens one by number, Alt-A the next unread",
  "/accept [NAME]         the selected request becomes a contact (named NAME)",
  "/reject, /block        drop the selected request, or refuse it from now on",
  "/discoverable on|off   show yourself to peers, or hide",
  "/status                discoverable, links, pending messages",
  "/quit                  leave (also Ctrl-D, or Ctrl-C on an empty line)",
].join("\n");

export const NAME_COMMANDS = ["/switch"];
export const CHAT_COMMANDS = ["/accept", "/back", "/block", "/cancel", "/discoverable", "/file", "/help", "/history", "/quit", "/reject", "/search", "/status", "/switch", "/unblock"];
/** Commands whose argument is a path (Tab completes it from the folder it names). */
export const PATH_COMMANDS = ["/file"];
export const LIST_COMMANDS = ["/accept", "/block", "/discoverable", "/help", "/quit", "/reject", "/status", "/switch"];

export async function runCommand(chat: ChatState, line: string): Promise<void> {
  const [cmd = ""] = line.trim().split(/\s+/);
  const arg = line.trim().slice(cmd.length).trim();
  switch (cmd) {
    case "/quit":
    case "/exit":
    case "/q":
      return chat.finish();
    case "/status":
      return chat.note(formatStatus(await chat.api.status(), true));
    case "/discoverable":
      if (arg !== "on" && arg !== "off") return chat.note(colors.red("! /discoverable on|off"));
      return chat.api.setDiscoverable(arg === "on"); // the node's own event says what changed
    case "/switch":
    case "/s":
      if (!arg) return chat.note(colors.red("! /switch NAME (a contact or #group; Tab completes the name)"));
    {
      const name = chat.roster.resolveName(arg);
      if (name) return chat.open(name);
      if (arg.startsWith("#")) return chat.note(colors.red(`! you are in no group ${arg}${groupList(chat)}`));
      const near = chat.roster.nearNames(arg);
      if (near.length > 0) return chat.note(colors.red(`! ${NodeError.notAContact(arg, near).message}`));
      const problem = nameProblem(arg);
      if (problem) return chat.note(colors.red(`! ${problem}`));
      // As the name typed in the list: its address is asked there (Esc cancels).
      chat.leaveForList();
      return chat.ask(arg);
    }
    case "/back":
    case "/list":
      return chat.showList();
  }
  if (chat.mode === "list") return listCommand(chat, cmd, arg);
  return chatCommand(chat, cmd, arg);
}

async function chatCommand(chat: ChatState, cmd: string, arg: string): Promise<void> {
  const peer = chat.current!.peer;
  const show = { self: chat.self, showPeer: false, dates: true };
  switch (cmd) {
    case "/help":
    case "/?":
      return chat.note(CHAT_HELP);
    case "/history": {
      const n = arg ? Number(arg) : 20;
      if (!Number.isInteger(n) || n < 1) return chat.note(colors.red("! /history N: N is a number of messages, 1 or more"));
      const entries = await chat.api.history({ peer, limit: n });
      if (entries.length === 0) return chat.note(colors.dim(`no messages with ${peer} yet`));
      return chat.note([colors.dim(`— last ${entries.length} with ${peer} —`), ...entries.map((e) => formatEntry(e, show)), colors.dim("—")].join("\n"));
    }
    case "/search": {
      const terms = parseSearch(arg);
      if (terms.length === 0) return chat.note(colors.red('! /search TEXT: words or "a phrase" to look for'));
      const found = await chat.api.search({ text: arg, peer, limit: 20 });
      if (found.length === 0) return chat.note(colors.dim(`no messages with ${peer} match ${JSON.stringify(arg)}`));
      const lines = found.map((e) => formatEntry(e, show, highlight(e.text, matchRanges(e.text, terms))));
      return chat.note([colors.dim(`— ${found.length} match${found.length === 1 ? "" : "es"}, newest first —`), ...lines, colors.dim("—")].join("\n"));
    }
    case "/file": {
      if (!arg) return chat.note(colors.red("! /file PATH: the file to send (Tab completes the path)"));
      const f = await chat.api.sendFile(peer, expandPath(arg));
      // Its row comes with the node's event; a node that answered first still shows it.
      chat.current!.fileChanged(f);
      return;
    }
    case "/accept":
    case "/reject": {
      const f = chat.current!.offeredFile(arg || undefined);
      if (!f) return chat.note(colors.dim(arg ? `no file ${arg} here` : "no file offered here waits for an answer"));
      chat.current!.fileChanged(cmd === "/accept" ? await chat.api.fileAccept(f.id) : await chat.api.fileReject(f.id));
      return;
    }
    case "/block":
    case "/unblock":
    case "/cancel":
      if (chat.roster.isGroup(peer)) {
        const why = cmd === "/cancel" ? "a group message is signed and on its way to every member: it cannot be withdrawn" : `block a person, not a group (\`p2pchat group leave ${peer}\` to leave it)`;
        return chat.note(colors.dim(why));
      }
      return personCommand(chat, cmd, peer);
    default:
      return chat.note(colors.red(`! unknown command ${cmd}: /help lists them (start a line with // to send it as it is)`));
  }
}

/** What only makes sense with a person: blocking, withdrawing an undelivered message. */
async function personCommand(chat: ChatState, cmd: string, peer: string): Promise<void> {
  switch (cmd) {
    case "/block":
    case "/unblock": {
      const c = await chat.api.setBlocked(peer, cmd === "/block");
      await chat.refresh("contacts");
      return chat.note(colors.yellow(c.blocked ? `* ${peer} blocked: their links are refused, your messages to them wait` : `* ${peer} unblocked: waiting messages go out`));
    }
    case "/cancel": {
      const last = chat.outgoing.lastUndelivered(peer);
      if (!last) return chat.note(colors.dim("nothing to withdraw: every message you wrote here was delivered"));
      const [o] = await chat.api.cancel([last]);
      chat.outgoing.withdrew(peer);
      if (!o || o.before === "delivered") return chat.note(colors.dim("too late: it was delivered"));
      chat.current!.setStatus(last, "cancelled");
      return chat.note(colors.yellow(o.onTheWire ? "* withdrawn, but it was already on the wire: it may still arrive" : "* withdrawn: it will not be sent"));
    }
  }
}

async function listCommand(chat: ChatState, cmd: string, arg: string): Promise<void> {
  switch (cmd) {
    case "/help":
    case "/?":
      return chat.listNote(LIST_HELP);
    case "/accept":
    case "/reject":
    case "/block": {
      const r = selectedRequest(chat);
      if (!r) return;
      if (cmd === "/accept") {
        const a = await chat.api.acceptRequest(r.peerId, arg || undefined);
        // The node's own event says it is a contact now.
        if (a.moved > 0) chat.listNote(colors.green(`* ${a.moved} message${a.moved === 1 ? "" : "s"} from ${a.contact.name} in your history`));
      } else if (cmd === "/reject") {
        await chat.api.rejectRequest(r.peerId);
        chat.listNote(colors.dim(`* request from ${JSON.stringify(r.name)} rejected: its messages are gone`));
      } else {
        await chat.api.blockRequest(r.peerId);
        chat.listNote(colors.dim(`* ${r.peerId} blocked: its links are refused from now on`));
      }
      chat.requestDecided(r.peerId);
      return chat.refresh("contacts");
    }
    default:
      return chat.listNote(colors.red(`! unknown command ${cmd}: /help lists them`));
  }
}

/** ` (yours: #a, #b)`, or how to make one. */
export function groupList(chat: ChatState): string {
  const groups = chat.names.filter((n) => chat.roster.isGroup(n));
  return groups.length > 0 ? ` (yours: ${groups.join(", ")})` : " (p2pchat group create NAME --with CONTACT makes one)";
}

/** The request the selection is on; with one request only, that one. */
function selectedRequest(chat: ChatState): PeerRequest | null {
  const pick = picks(chat.roster.listData())[chat.list.selected];
  const requests = chat.roster.requests;
  if (pick?.kind === "request") return pick.request;
  if (requests.length === 1) return requests[0]!;
  chat.listNote(colors.red(requests.length === 0 ? "! no requests waiting" : "! select a request first (↑/↓)"));
  return null;
}
