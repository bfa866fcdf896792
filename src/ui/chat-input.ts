// What keys do in the full-screen chat. In the list: ↑/↓ pick a row, Enter
// opens it (or the name typed; a new name's address is asked), Tab
// completes a name. In a conversation: Enter sends (Alt-Enter breaks the
// line), Esc goes back to the list, PgUp/PgDn and the wheel scroll, Ctrl-N/P,
// Alt-1..9 and Alt-A move between conversations. Everywhere: Ctrl-C clears
// what is typed, and on an empty line leaves, as a shell does. Lines are
// handled one after another, in the order typed, even when a send is slow.
import { parseHostPort } from "../domain/host-port.ts";
import { nameProblem } from "../domain/contact-name.ts";
import { NodeError } from "../domain/node-error.ts";
import { groupList, runCommand, CHAT_COMMANDS, LIST_COMMANDS, NAME_COMMANDS, PATH_COMMANDS } from "./chat-commands.ts";
import { formatSize } from "./file-format.ts";
import { pastedFile, pathCompletions } from "./paths.ts";
import { notesShown } from "./chat-render.ts";
import { listScreen } from "./chat-screen.ts";
import type { ChatState } from "./chat-state.ts";
import { colors } from "./colors.ts";
import type { Conversation } from "./conversation.ts";
import { trimEndLines } from "./format.ts";
import type { Key } from "./keys.ts";
import { picks } from "./list-view.ts";

/** Rows the wheel scrolls per notch. */
const WHEEL_ROWS = 3;

/** Applies `keys` in order; the caller draws the screen after. */
export function handleKeys(chat: ChatState, keys: readonly Key[]): void {
  for (const key of keys) {
    if (key.kind === "focus-in" || key.kind === "focus-out") {
      chat.setFocus(key.kind === "focus-in");
      continue;
    }
    if (key.kind === "redraw") {
      chat.redraw();
      continue;
    }
    if (chat.jobs.hold(key)) continue;
    if (key.kind === "alt-digit") {
      const name = chat.names[key.digit - 1];
      if (name) chat.jobs.switchView(() => chat.open(name));
      continue;
    }
    if (key.kind === "next-unread") {
      const from = chat.mode === "chat" && chat.current ? chat.current.peer : null;
      const name = chat.roster.unread.next(chat.names, from, chat.current?.peer ?? null);
      if (name) chat.jobs.switchView(() => chat.open(name));
      continue;
    }
    if (chat.mode === "chat") chatKey(chat, chat.current!, key);
    else listKey(chat, key);
  }
}

function chatKey(chat: ChatState, conv: Conversation, key: Key): void {
  const { editor } = chat.window;
  const page = Math.max(1, chat.size.rows - 4);
  switch (key.kind) {
    case "interrupt":
      if (editor.line !== "") editor.set("");
      else chat.finish();
      return;
    case "escape":
      return chat.showList();
    case "page-up":
    case "wheel-up":
      return chat.window.scrollUp(key.kind === "page-up" ? page : WHEEL_ROWS);
    case "page-down":
    case "wheel-down":
      return chat.window.scrollDown(key.kind === "page-down" ? page : WHEEL_ROWS);
    case "next":
    case "prev": {
      const names = chat.names;
      if (names.length === 0) return;
      const at = names.indexOf(conv.peer);
      const name = names[(at + (key.kind === "next" ? 1 : -1) + names.length) % names.length]!;
      if (name !== conv.peer) chat.jobs.switchView(() => chat.open(name));
      return;
    }
    case "tab": {
      const ctx = { line: editor.line, names: chat.names, commands: CHAT_COMMANDS, nameCommands: NAME_COMMANDS, pathCommands: PATH_COMMANDS, paths: pathCompletions, bareNames: false };
      const line = chat.completer.complete(ctx);
      if (line !== null) editor.set(line);
      return;
    }
    case "text": {
      // A file dragged onto the terminal pastes its path: offered as /file, Enter sends it (editing the line sends text instead).
      const file = editor.line === "" && key.text.length > 1 ? pastedFile(key.text) : null;
      if (!file) break;
      editor.set(`/file ${file.path}`);
      return chat.note(colors.dim(`a file: Enter sends ${file.path} (${formatSize(file.size)}) as a file; Ctrl-U clears the line`));
    }
  }
  const r = editor.apply(key);
  if (r.kind === "eof") return chat.finish();
  if (r.kind !== "submit") return;
  // A paste that ends in a newline: that newline is not part of the message.
  const line = trimEndLines(r.line);
  if (!line.trim()) return;
  chat.window.toBottom();
  // A line that starts with / is a command, unless it is //, or a message of several lines.
  if (line.startsWith("/") && !line.startsWith("//") && !line.includes("\n")) return chat.jobs.switchView(() => runCommand(chat, line));
  send(chat, conv, line);
}

/** Sends `line` (a leading // is one /) after the lines before it; refused, it is given back to the input. */
function send(chat: ChatState, conv: Conversation, line: string): void {
  const text = line.startsWith("//") ? line.slice(1) : line;
  const peer = conv.peer;
  const { editor } = chat.window;
  chat.jobs.run(async () => {
    let r: Awaited<ReturnType<typeof chat.api.send>>;
    try {
      r = await chat.api.send(peer, text);
    } catch (err) {
      // Not stored, so not sent: give the line back to be sent again or copied.
      if (chat.current === conv && editor.line === "") editor.set(line);
      throw new Error(`not sent: ${err instanceof Error ? err.message : String(err)}`);
    }
    chat.append(conv, { id: r.id, direction: "out", peer, text, status: r.status, time: Date.now() });
    chat.roster.setLast(peer, conv.entry(r.id) ?? null);
    chat.outgoing.sent(peer, r.id, conv.entry(r.id)?.status === "delivered");
  });
}

function listKey(chat: ChatState, key: Key): void {
  const { list } = chat;
  const editor = list.editor;
  const rows = picks(chat.roster.listData());
  switch (key.kind) {
    case "interrupt":
      if (editor.line !== "" || list.asking) list.reset();
      else chat.finish();
      return;
    case "escape":
      return list.reset();
    case "up":
    case "prev":
    case "wheel-up":
      return list.up();
    case "down":
    case "next":
    case "wheel-down":
      return list.down(rows.length);
    case "page-up":
    case "page-down": {
      // Notes too long for the screen (/help, /status) page; else the selection moves.
      const direction = key.kind === "page-up" ? -1 : 1;
      const shown = notesShown(listScreen(chat), chat.size);
      if (shown.page > 0) list.notes.page(direction, shown);
      else list.moveBy(direction * 10, rows.length);
      return;
    }
    case "newline":
      return;
    case "tab": {
      if (list.asking) return;
      const line = chat.completer.complete({ line: editor.line, names: chat.names, commands: LIST_COMMANDS, nameCommands: NAME_COMMANDS, bareNames: true });
      if (line !== null) editor.set(line);
      return;
    }
  }
  const r = editor.apply(key);
  if (r.kind === "eof") return chat.finish();
  if (r.kind !== "submit") return;
  const line = r.line.trim();
  // What the notes said answered the last thing done; this is the next.
  list.notes.clear();
  if (list.asking) return answerAddress(chat, list.asking, line);
  if (line.startsWith("/")) return chat.jobs.switchView(() => runCommand(chat, line));
  if (line) {
    const name = chat.roster.resolveName(line);
    if (name) return chat.jobs.switchView(() => chat.open(name));
    // A group is made with `p2pchat group create`, never by its address.
    if (line.startsWith("#")) return chat.listNote(colors.red(`! you are in no group ${line}${groupList(chat)}`));
    const near = chat.roster.nearNames(line);
    if (near.length > 0) return chat.listNote(colors.red(`! ${NodeError.notAContact(line, near).message}`));
    const problem = nameProblem(line);
    if (problem) return chat.listNote(colors.red(`! ${problem}`));
    return chat.ask(line);
  }
  const pick = rows[list.selected];
  if (pick?.kind === "contact") return chat.jobs.switchView(() => chat.open(pick.name));
  if (pick?.kind === "request") {
    chat.listNote(`${colors.yellow(`request from ${JSON.stringify(pick.request.name)}`)}: /accept [NAME] makes it a contact (its ${pick.request.waiting} waiting messages then show), /reject drops it, /block refuses it from now on`);
  }
}

/** The address typed for `name`, a new contact: saved, and its conversation opens. */
function answerAddress(chat: ChatState, name: string, line: string): void {
  const editor = chat.list.editor;
  // Refused here, the question stays with what was typed (Enter on the example is refused too).
  const problem = addressProblem(line);
  if (problem) {
    editor.set(line);
    return chat.listNote(colors.red(`✖ ${problem}`));
  }
  chat.jobs.switchView(async () => {
    try {
      await chat.api.addContact(name, line);
    } catch (err) {
      editor.set(line);
      throw err;
    }
    await chat.refresh("contacts");
    await chat.open(name);
    chat.note(colors.green(`saved ${name} to your contacts`));
  });
}

function addressProblem(text: string): string | null {
  try {
    parseHostPort(text);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
