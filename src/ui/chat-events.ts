// What the node tells the full-screen chat, and what the chat does with it:
// a message goes into its conversation (if loaded) and counts as unread
// unless it is in view; elsewhere it rings the bell once, and with the
// terminal not focused asks for a desktop notification. Marks, read counts,
// links, requests and warnings update the state; the screen follows.
import type { HistoryEntry, NodeEvent } from "../control/api.ts";
import type { ChatState } from "./chat-state.ts";
import type { Conversation } from "./conversation.ts";
import { formatEvent, formatRequestLine } from "./events.ts";

export function applyEvent(chat: ChatState, e: NodeEvent): void {
  switch (e.type) {
    case "message":
      return incoming(chat, e.entry);
    case "status": {
      const conv = chat.known(e.peer);
      const unknown: string[] = [];
      for (const id of e.ids) {
        if (!conv?.setStatus(id, e.status, e.reason)) unknown.push(id);
        chat.outgoing.marked(e.peer, id, e.status);
      }
      chat.outgoing.cameEarly(unknown, e.status);
      // Written from another terminal: fetch it, so this one shows it too.
      if (e.status === "pending" && unknown.length > 0 && conv?.loaded) void catchUp(chat, conv);
      return;
    }
    case "read":
      return chat.roster.unread.set(e.peer, e.unread);
    case "group-delivery": {
      const conv = chat.known(e.group);
      for (const id of e.ids) conv?.setDelivered(id, e.to, e.of);
      return;
    }
    case "group-fork":
      // The post shows as what it is wherever it is loaded; the warning goes where the user looks.
      chat.known(e.group)?.setForked(e.id, e.versions);
      if (chat.current?.peer === e.group) chat.current.note(formatEvent(e)!);
      else chat.listNote(formatEvent(e)!);
      return;
    case "group":
      chat.listNote(formatEvent(e)!);
      if (chat.current?.peer === e.group) chat.current.note(formatEvent(e)!);
      return chat.refreshSoon("contacts");
    case "link":
      chat.refreshSoon("status");
      if (chat.current?.peer === e.peer) chat.current.note(formatEvent(e)!);
      return;
    case "contact":
      if (e.peerId && e.how !== "new-peer") chat.requestDecided(e.peerId);
      chat.listNote(formatEvent(e)!);
      return chat.refreshSoon("contacts");
    case "request":
      chat.note(formatRequestLine(e));
      return chat.refreshSoon("requests");
    case "request-waiting":
      return chat.refreshSoon("requests");
    case "discoverable":
      chat.refreshSoon("status");
      return chat.note(formatEvent(e)!);
    case "warning":
      if (!e.peer || e.peer === chat.current?.peer || chat.mode === "list") chat.note(formatEvent(e)!);
      else chat.listNote(formatEvent(e)!);
      return;
    case "store":
    case "reach":
      return chat.note(formatEvent(e)!);
    case "file": {
      // In its conversation when that is loaded; an offer from elsewhere is said where the user is.
      const where = e.file.group ?? e.file.peer;
      const conv = where ? chat.known(where) : undefined;
      const here = conv?.loaded === true;
      if (here) conv!.fileChanged(e.file);
      if (!e.progress && e.file.direction === "in" && e.file.state === "offered" && !(here && chat.current === conv && chat.mode === "chat")) {
        chat.note(formatEvent(e)!);
        chat.alert(`p2pchat: ${where ?? "a file"}`, `offers ${e.file.name}`);
      }
      return chat.schedule();
    }
    case "stopped":
      return chat.lost(e.reason);
  }
}

function incoming(chat: ChatState, entry: HistoryEntry): void {
  const peer = entry.peer;
  chat.roster.setLast(peer, entry);
  const conv = chat.known(peer);
  const open = chat.mode === "chat" && chat.current?.peer === peer;
  if (conv?.loaded) chat.append(conv, entry);
  const seen = open && chat.focused && chat.window.offset === 0;
  if (!seen) {
    chat.roster.unread.arrived(peer);
    if (open) chat.window.cameUnseen(entry, chat.size.columns);
  }
  if (!chat.names.includes(peer)) chat.refreshSoon("contacts");
  if (!seen) chat.alert(`p2pchat: ${entry.author ? `${peer} ${entry.author}` : peer}`, entry.text);
}

/** Messages written from another terminal, at the end; scrolled up, the rows on screen stay where they are. */
async function catchUp(chat: ChatState, conv: Conversation): Promise<void> {
  const recent = await chat.api.history({ peer: conv.peer, limit: 20 });
  for (const e of recent) if (!conv.entry(e.id)) chat.append(conv, e);
  chat.schedule();
}
