// What the node tells the full-screen chat, and what the chat does with it:
// a message goes into its conversation (if loaded) and counts as unread
// unless it is in view; elsewhere it rings the bell once, and with the
// terminal not focused asks for a desktop notification. Marks, read counts,
// links, requests and warnings update the state; the screen follows.
import type { HistoryEntry, NodeEvent } from "../control/api.ts";
import type { ChatApp } from "./chat-app.ts";
import type { Conversation } from "./conversation.ts";
import { formatEvent, formatRequestLine } from "./events.ts";
import { BELL, notification } from "./notify.ts";

export function applyEvent(app: ChatApp, e: NodeEvent): void {
  switch (e.type) {
    case "message":
      return incoming(app, e.entry);
    case "status": {
      const conv = app.convs.get(e.peer);
      const unknown: string[] = [];
      for (const id of e.ids) {
        if (!conv?.setStatus(id, e.status, e.reason)) {
          app.early.set(id, e.status);
          unknown.push(id);
        }
        if (e.status === "delivered" || e.status === "cancelled" || e.status === "failed") {
          const mine = app.undelivered.get(e.peer);
          const i = mine?.indexOf(id) ?? -1;
          if (i >= 0) mine!.splice(i, 1);
        }
      }
      if (app.early.size > 10_000) app.early.clear();
      // Written from another terminal: fetch it, so this one shows it too.
      if (e.status === "pending" && unknown.length > 0 && conv?.loaded) void catchUp(app, conv);
      return;
    }
    case "read":
      app.unread.set(e.peer, e.unread);
      return;
    case "group-delivery": {
      const conv = app.convs.get(e.group);
      for (const id of e.ids) conv?.setDelivered(id, e.to, e.of);
      return;
    }
    case "group-fork": {
      // The post shows as what it is wherever it is loaded; the warning goes where the user looks.
      const entry = app.convs.get(e.group)?.entry(e.id);
      if (entry) {
        entry.forked = true;
        entry.versions = e.versions;
      }
      if (app.current?.peer === e.group) app.current.note(formatEvent(e)!);
      else app.listNote(formatEvent(e)!);
      return;
    }
    case "group":
      app.listNote(formatEvent(e)!);
      if (app.current?.peer === e.group) app.current.note(formatEvent(e)!);
      void app.refresh("contacts").then(() => app.schedule());
      return;
    case "link":
      void app.refresh("status").then(() => app.schedule());
      if (app.current?.peer === e.peer) app.current.note(formatEvent(e)!);
      return;
    case "contact":
      app.listNote(formatEvent(e)!);
      void app.refresh("contacts").then(() => app.schedule());
      return;
    case "request":
      app.note(formatRequestLine(e));
      void app.refresh("requests").then(() => app.schedule());
      return;
    case "discoverable":
      void app.refresh("status").then(() => app.schedule());
      return app.note(formatEvent(e)!);
    case "warning":
      if (!e.peer || e.peer === app.current?.peer || app.mode === "list") app.note(formatEvent(e)!);
      else app.listNote(formatEvent(e)!);
      return;
    case "store":
    case "reach":
      return app.note(formatEvent(e)!);
    case "stopped":
      app.end = "lost";
      app.lostReason = e.reason;
      return app.finish();
  }
}

function incoming(app: ChatApp, entry: HistoryEntry): void {
  const peer = entry.peer;
  app.lasts.set(peer, entry);
  const conv = app.convs.get(peer);
  const open = app.mode === "chat" && app.current?.peer === peer;
  if (conv?.loaded) app.appendKeepingView(conv, entry);
  const seen = open && app.focused && conv!.offset === 0;
  if (!seen) {
    app.unread.set(peer, (app.unread.get(peer) ?? 0) + 1);
    if (open && !conv!.markerBefore) conv!.markerBefore = entry.id;
    if (open) app.newBelow++;
  }
  if (!app.names.includes(peer)) void app.refresh("contacts").then(() => app.schedule());
  if (app.opts.quiet || seen) return;
  app.term.write(BELL);
  if (!app.focused) app.term.write(notification(`p2pchat: ${entry.author ? `${peer} ${entry.author}` : peer}`, entry.text));
}

/** A message at the end; scrolled up, the rows on screen stay where they are. */
async function catchUp(app: ChatApp, conv: Conversation): Promise<void> {
  const recent = await app.api.history({ peer: conv.peer, limit: 20 });
  for (const e of recent) if (!conv.entry(e.id)) app.appendKeepingView(conv, e);
  app.schedule();
}
