// What the full-screen chat shows, read from its state: the open
// conversation or the conversations view, as the read-only view that
// chat-render.ts draws.
import type { ConversationScreen, ListScreen, Screen } from "./chat-render.ts";
import type { ChatState } from "./chat-state.ts";
import type { Conversation } from "./conversation.ts";

export function screenOf(chat: ChatState): Screen {
  const conv = chat.current;
  return chat.mode === "chat" && conv ? conversationScreen(chat, conv) : listScreen(chat);
}

/** Discoverable and not listening: the port was taken, so this run only dials out. */
const dialOnly = (chat: ChatState) => chat.roster.status.discoverable && chat.roster.status.listening === null;

/** What the conversations view shows. */
export function listScreen(chat: ChatState): ListScreen {
  const { roster, list } = chat;
  return {
    mode: "list",
    self: chat.self,
    dialOnly: dialOnly(chat),
    unread: roster.unread.others(chat.names, null),
    requests: roster.requests.length,
    editor: list.editor,
    discoverable: roster.status.discoverable,
    listening: roster.status.listening,
    asking: list.asking,
    list: roster.listData(),
    selected: list.selected,
    notes: list.notes.all,
    notesTop: list.notes.top,
  };
}

function conversationScreen(chat: ChatState, conv: Conversation): ConversationScreen {
  const { roster, window } = chat;
  return {
    mode: "chat",
    self: chat.self,
    dialOnly: dialOnly(chat),
    unread: roster.unread.others(chat.names, conv.peer),
    requests: roster.requests.length,
    editor: window.editor,
    peer: conv.peer,
    link: roster.stateOf(conv.peer)?.stateText,
    discoverable: roster.status.discoverable,
    blocks: (columns) => conv.blocks(columns),
    offset: window.offset,
    newBelow: window.newBelow,
  };
}
