// The full-screen chat's frame, from its state: in a conversation, the
// title, the window of messages at the scroll position, the status line and
// the input; in the list, the title, the conversations and requests, the
// status line and the question. Drawing the bottom of a conversation, with
// the terminal focused, is what marks its messages read.
import type { ChatApp } from "./chat-app.ts";
import { colors } from "./colors.ts";
import { composeRows } from "./compose.ts";
import type { Conversation } from "./conversation.ts";
import { viewWindow } from "./layout.ts";
import { listLayout, picks, type ContactState, type ListData } from "./list-view.ts";
import { statusRow, titleRow } from "./status-line.ts";

export const QUESTION = "Who do you want to talk to? ";

/** Draws the whole screen from the state. */
export function renderApp(app: ChatApp): void {
  const columns = app.term.columns;
  const height = app.term.rows;
  const maxInput = Math.max(1, Math.min(8, Math.floor(height / 3)));
  if (app.mode === "chat" && app.current) {
    const conv = app.current;
    const prompt = `${conv.peer}> `;
    const input = composeRows(prompt, app.chatEditor.beforeCursor, app.chatEditor.line.slice(app.chatEditor.beforeCursor.length), columns, maxInput);
    const area = height - 2 - input.rows.length;
    const blocks = conv.blocks(columns);
    const win = viewWindow(blocks.length, (i) => blocks[i]!, area, conv.offset);
    if (win.offset === 0) app.newBelow = 0;
    if (win.top && conv.hasMore) {
      // Scrolled past what is loaded: the offset asked for stays (PgUp pressed 50 times goes 50 pages up) while older pages come.
      void conv.loadOlder(app.api).then(
        () => app.schedule(),
        (err: unknown) => {
          conv.hasMore = false; // not asked again at every frame
          app.note(colors.red(`! older messages: ${err instanceof Error ? err.message : String(err)}`));
        },
      );
    } else conv.offset = win.offset;
    const state = stateOf(app, conv.peer);
    const title = titleRow(`${conv.peer}${state ? ` · ${state.stateText}` : ""}${app.status.discoverable ? "" : " · you are hidden"}`, columns);
    const status = statusRow(statusInfo(app, conv.peer, win.offset), columns);
    app.term.draw([title, ...win.rows, status, ...input.rows], { row: height - input.rows.length + input.cursorRow, col: input.cursorCol });
    markSeen(app, conv, win.offset);
    return;
  }
  const prompt = app.asking ? `${app.asking}'s address› ` : QUESTION + colors.dim("› ");
  const input = composeRows(prompt, app.listEditor.beforeCursor, app.listEditor.line.slice(app.listEditor.beforeCursor.length), columns, maxInput, app.asking ? colors.dim("192.168.1.20:20001") : "");
  const area = height - 2 - input.rows.length;
  const data = listData(app);
  app.selected = Math.max(0, Math.min(app.selected, picks(data).length - 1));
  const where = app.status.discoverable ? `discoverable${app.status.listening ? `, listening on ${app.status.listening}` : ""}` : "hidden: not listening, not dialing";
  const title = titleRow(`p2pchat · ${app.self} · ${where}`, columns);
  const status = statusRow(statusInfo(app, null, 0), columns);
  const list = listLayout(data, app.selected, columns, area, app.listNotes, app.notesTop);
  app.notesShown = { top: list.notesTop, page: list.notesPage };
  app.term.draw([title, ...list.rows, status, ...input.rows], { row: height - input.rows.length + input.cursorRow, col: input.cursorCol });
}

export function listData(app: ChatApp): ListData {
  const states = new Map<string, ContactState>(app.status.contacts.map((c) => [c.name, c]));
  const conversations = app.names.map((name) => ({ name, unread: app.unread.get(name) ?? 0, last: app.lasts.get(name) ?? null }));
  return { conversations, states, requests: app.requests, contacts: app.contacts };
}

function stateOf(app: ChatApp, name: string): ContactState | undefined {
  return app.status.contacts.find((c) => c.name === name);
}

function statusInfo(app: ChatApp, current: string | null, offset: number) {
  const unread = app.names.filter((n) => n !== current && (app.unread.get(n) ?? 0) > 0).map((name) => ({ name, unread: app.unread.get(name)! }));
  const hint = current ? "Esc: all conversations · /help" : "↑/↓ Enter · Tab completes · /help";
  return { self: app.self, current, unread, requests: app.requests.length, below: offset, newBelow: app.newBelow, hint };
}

/** What is on screen at the bottom of the open conversation, with the terminal focused, is read. */
function markSeen(app: ChatApp, conv: Conversation, offset: number): void {
  if (offset !== 0 || !app.focused) return;
  const last = conv.lastIncoming();
  if (!last || app.markedUpTo.get(conv.peer) === last.id) return;
  app.markedUpTo.set(conv.peer, last.id);
  app.unread.set(conv.peer, 0);
  // A contact's mark and a group's ('#alias') are kept in the database: counts survive a restart.
  app.api.markRead(conv.peer, last.id).then(
    (n) => {
      app.unread.set(conv.peer, n);
      app.schedule();
    },
    () => app.markedUpTo.delete(conv.peer),
  );
}
