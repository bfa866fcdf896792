// What keys do in the full-screen chat. In the list: ↑/↓ pick a row, Enter
// opens it (or the name typed; a new name's address is asked), Tab
// completes a name. In a conversation: Enter sends (Alt-Enter breaks the
// line), Esc goes back to the list, PgUp/PgDn and the wheel scroll, Ctrl-N/P,
// Alt-1..9 and Alt-A move between conversations. Everywhere: Ctrl-C clears
// what is typed, and on an empty line leaves, as a shell does. Lines are
// handled one after another, in the order typed, even when a send is slow.
import { parseHostPort } from "../domain/host-port.ts";
import { nameProblem } from "../domain/contact-name.ts";
import type { ChatApp } from "./chat-app.ts";
import { groupList, runCommand, CHAT_COMMANDS, LIST_COMMANDS, NAME_COMMANDS } from "./chat-commands.ts";
import { colors } from "./colors.ts";
import { trimEndLines } from "./format.ts";
import { Completer } from "./complete.ts";
import type { Key } from "./keys.ts";
import { picks } from "./list-view.ts";

/** Rows the wheel scrolls per notch. */
const WHEEL_ROWS = 3;

const completers = new WeakMap<ChatApp, Completer>();

function completer(app: ChatApp): Completer {
  let c = completers.get(app);
  if (!c) completers.set(app, (c = new Completer()));
  return c;
}

/** Runs `job` after the lines before it; its failure is a note, not a crash. */
function enqueue(app: ChatApp, job: () => Promise<void>, after?: () => void): void {
  app.queue = app.queue
    .then(job)
    .catch((err: unknown) => app.note(colors.red(`! ${err instanceof Error ? err.message : String(err)}`)))
    .finally(() => {
      after?.();
      app.schedule();
    });
}

/**
 * Runs `job`, which changes the view (opens a conversation, runs a command),
 * after the lines before it. Keys typed until it is done are held, then
 * applied in order to the view it leaves: `bob` Enter `hello` Enter opens
 * bob and sends hello to him, Ctrl-N Ctrl-N moves twice.
 */
export function enqueueSwitch(app: ChatApp, job: () => Promise<void>): void {
  app.switching++;
  enqueue(app, job, () => {
    if (--app.switching > 0) return;
    const held = app.held.splice(0);
    if (held.length > 0) handleKeys(app, held);
  });
}

export function handleKeys(app: ChatApp, keys: readonly Key[]): void {
  for (const key of keys) {
    if (key.kind === "focus-in" || key.kind === "focus-out") {
      app.focused = key.kind === "focus-in";
      continue;
    }
    if (key.kind === "redraw") {
      app.term.invalidate();
      continue;
    }
    if (app.switching > 0) {
      app.held.push(key);
      continue;
    }
    if (key.kind === "alt-digit") {
      const name = app.names[key.digit - 1];
      if (name) enqueueSwitch(app, () => app.open(name));
      continue;
    }
    if (key.kind === "next-unread") {
      const name = nextUnread(app);
      if (name) enqueueSwitch(app, () => app.open(name));
      continue;
    }
    if (app.mode === "chat") chatKey(app, key);
    else listKey(app, key);
  }
  app.render();
}

function nextUnread(app: ChatApp): string | undefined {
  const names = app.names;
  const from = app.mode === "chat" && app.current ? names.indexOf(app.current.peer) : -1;
  for (let k = 1; k <= names.length; k++) {
    const name = names[(from + k + names.length) % names.length]!;
    if ((app.unread.get(name) ?? 0) > 0 && name !== app.current?.peer) return name;
  }
  return undefined;
}

function chatKey(app: ChatApp, key: Key): void {
  const editor = app.chatEditor;
  const conv = app.current!;
  const page = Math.max(1, app.term.rows - 4);
  switch (key.kind) {
    case "interrupt":
      if (editor.line !== "") editor.set("");
      else app.finish();
      return;
    case "escape":
      return app.showList();
    case "page-up":
    case "wheel-up":
      conv.offset += key.kind === "page-up" ? page : WHEEL_ROWS;
      return;
    case "page-down":
    case "wheel-down":
      conv.offset = Math.max(0, conv.offset - (key.kind === "page-down" ? page : WHEEL_ROWS));
      return;
    case "next":
    case "prev": {
      const names = app.names;
      if (names.length === 0) return;
      const at = names.indexOf(conv.peer);
      const name = names[(at + (key.kind === "next" ? 1 : -1) + names.length) % names.length]!;
      if (name !== conv.peer) enqueueSwitch(app, () => app.open(name));
      return;
    }
    case "tab": {
      const line = completer(app).complete({ line: editor.line, names: app.names, commands: CHAT_COMMANDS, nameCommands: NAME_COMMANDS, bareNames: false });
      if (line !== null) editor.set(line);
      return;
    }
  }
  const r = editor.apply(key);
  if (r.kind === "eof") return app.finish();
  if (r.kind !== "submit") return;
  // A paste that ends in a newline: that newline is not part of the message.
  const line = trimEndLines(r.line);
  if (!line.trim()) return;
  conv.offset = 0;
  // A line that starts with / is a command, unless it is //, or a message of several lines.
  if (line.startsWith("/") && !line.startsWith("//") && !line.includes("\n")) {
    enqueueSwitch(app, () => runCommand(app, line));
    return;
  }
  const text = line.startsWith("//") ? line.slice(1) : line;
  const peer = conv.peer;
  enqueue(app, async () => {
    let r: Awaited<ReturnType<typeof app.api.send>>;
    try {
      r = await app.api.send(peer, text);
    } catch (err) {
      // Not stored, so not sent: give the line back to be sent again or copied.
      if (app.current === conv && editor.line === "") editor.set(line);
      throw new Error(`not sent: ${err instanceof Error ? err.message : String(err)}`);
    }
    app.appendKeepingView(conv, { id: r.id, direction: "out", peer, text, status: r.status, time: Date.now() });
    app.lasts.set(peer, conv.entry(r.id) ?? null);
    app.wroteTo.add(peer);
    let mine = app.undelivered.get(peer);
    if (!mine) app.undelivered.set(peer, (mine = []));
    if (conv.entry(r.id)?.status !== "delivered") mine.push(r.id);
  });
}

function listKey(app: ChatApp, key: Key): void {
  const editor = app.listEditor;
  const rows = picks(app.listData());
  switch (key.kind) {
    case "interrupt":
      if (editor.line !== "" || app.asking) {
        editor.set("");
        app.asking = null;
        app.clearNotes();
      } else app.finish();
      return;
    case "escape":
      editor.set("");
      app.asking = null;
      app.clearNotes();
      return;
    case "up":
    case "prev":
      app.selected = Math.max(0, app.selected - 1);
      return;
    case "down":
    case "next":
      app.selected = Math.min(rows.length - 1, app.selected + 1);
      return;
    case "page-up":
    case "page-down": {
      // Notes too long for the screen (/help, /status) page; else the selection moves.
      const { top, page } = app.notesShown;
      if (page > 0) app.notesTop = Math.max(0, top + (key.kind === "page-up" ? -page : page));
      else app.selected = Math.max(0, Math.min(rows.length - 1, app.selected + (key.kind === "page-up" ? -10 : 10)));
      return;
    }
    case "wheel-up":
      app.selected = Math.max(0, app.selected - 1);
      return;
    case "wheel-down":
      app.selected = Math.min(rows.length - 1, app.selected + 1);
      return;
    case "newline":
      return;
    case "tab": {
      if (app.asking) return;
      const line = completer(app).complete({ line: editor.line, names: app.names, commands: LIST_COMMANDS, nameCommands: NAME_COMMANDS, bareNames: true });
      if (line !== null) editor.set(line);
      return;
    }
  }
  const r = editor.apply(key);
  if (r.kind === "eof") return app.finish();
  if (r.kind !== "submit") return;
  const line = r.line.trim();
  // What the notes said answered the last thing done; this is the next.
  app.clearNotes();
  if (app.asking) {
    const name = app.asking;
    // Refused here, the question stays with what was typed (Enter on the example is refused too).
    const problem = addressProblem(line);
    if (problem) {
      editor.set(line);
      return app.listNote(colors.red(`✖ ${problem}`));
    }
    enqueueSwitch(app, async () => {
      try {
        await app.api.addContact(name, line);
      } catch (err) {
        editor.set(line);
        throw err;
      }
      await app.refresh("contacts");
      await app.open(name);
      app.note(colors.green(`saved ${name} to your contacts`));
    });
    return;
  }
  if (line.startsWith("/")) return enqueueSwitch(app, () => runCommand(app, line));
  if (line) {
    if (app.names.includes(line)) return enqueueSwitch(app, () => app.open(line));
    // A group is made with `p2pchat group create`, never by its address.
    if (line.startsWith("#")) return app.listNote(colors.red(`! you are in no group ${line}${groupList(app)}`));
    const problem = nameProblem(line);
    if (problem) return app.listNote(colors.red(`! ${problem}`));
    return app.ask(line);
  }
  const pick = rows[app.selected];
  if (pick?.kind === "contact") return enqueueSwitch(app, () => app.open(pick.name));
  if (pick?.kind === "request") {
    app.listNote(`${colors.yellow(`request from ${JSON.stringify(pick.request.name)}`)}: /accept [NAME] makes it a contact (its ${pick.request.waiting} waiting messages then show), /reject drops it, /block refuses it from now on`);
  }
}

function addressProblem(text: string): string | null {
  try {
    parseHostPort(text);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
