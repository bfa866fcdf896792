// One conversation: who it is with and how the link stands (and what stands
// in the way), then its messages from the database, a line per day and one
// above what is new since it was last read, each of ours with its mark, and
// the files sent either way in their places (file-view.ts). Older messages
// load as the top comes into view. Reads the state; a mark that changes is
// changed in place, not redrawn.
import { fill, h } from "./dom.ts";
import { fileEl, type FileActions } from "./file-view.ts";
import { markOf } from "./marks.ts";
import type { PageState } from "./state.ts";
import { clock, dayLabel, plural, shown, trimEndLines } from "./text.ts";
import type { FileInfo, HistoryEntry } from "./types.ts";

export interface ConversationActions {
  /** Block or unblock a contact. */
  setBlocked(name: string, blocked: boolean): void;
  /** A group's members (and adding, removing, leaving). */
  members(group: string): void;
}

/** Who the conversation is with, in a line: the link, and what stands in the way of delivery. */
export function renderHead(title: HTMLElement, line: HTMLElement, actions: HTMLElement, s: PageState, act: ConversationActions): void {
  const name = s.open;
  if (!name) return;
  fill(title, shown(name));
  const group = s.group(name);
  if (group) {
    const named = group.title !== name.slice(1) ? ` (“${shown(group.title)}”)` : "";
    fill(line, `group${named}: ${plural(group.members, "member")}, created by ${shown(group.creator)} · every message is signed by its author`);
    fill(actions, h("button", { type: "button", onclick: () => act.members(name) }, "Members"));
    return;
  }
  const contact = s.contact(name);
  const state = s.stateOf(name);
  const parts: (string | HTMLElement)[] = [];
  if (contact?.blocked) parts.push(h("span", { class: "warn" }, "blocked: nothing goes either way until you unblock"));
  else if (state?.state === "identity changed") parts.push(h("span", { class: "bad" }, `identity changed, nothing is delivered: ${shown(state.stateText)}`));
  else if (s.status && !s.status.discoverable) parts.push(h("span", { class: "warn" }, "you are hidden: what you write waits as pending (Status turns you discoverable)"));
  else if (state) {
    parts.push(h("span", { class: state.state === "linked" ? "ok" : "" }, shown(state.stateText)));
    if (state.state !== "linked" && state.lastError) parts.push(h("span", { class: "dim" }, ` · last error: ${shown(state.lastError)}`));
  }
  if (state && state.pending > 0) parts.push(h("span", { class: "dim" }, ` · ${plural(state.pending, "message")} waiting`));
  if (contact?.legacy) parts.push(h("span", { class: "bad" }, " · plaintext legacy peer: UNENCRYPTED, UNAUTHENTICATED"));
  parts.push(h("span", { class: "dim id" }, ` · ${contact?.peerId ?? "not pinned yet"}`));
  fill(line, ...parts);
  const blocked = contact?.blocked ?? false;
  fill(actions, h("button", { type: "button", class: blocked ? "" : "danger", onclick: () => act.setBlocked(name, !blocked) }, blocked ? "Unblock" : "Block"));
}

function entryEl(e: HistoryEntry, group: boolean): HTMLElement {
  const text = e.forked
    ? `⚠ ${shown(e.author ?? e.peer)} sent different messages to different members${e.versions && e.versions.length > 1 ? `: ${e.versions.map((v) => `“${shown(v)}”`).join(" / ")}` : ""}`
    : shown(trimEndLines(e.text));
  if (e.event) return h("div", { class: "msg event", "data-id": e.id }, h("span", {}, text), h("span", { class: "time" }, clock(e.time)));
  const mark = e.direction === "out" ? markOf(e) : null;
  return h(
    "div",
    { class: `msg ${e.direction}${e.forked ? " forked" : ""}`, "data-id": e.id },
    h(
      "div",
      { class: "bubble" },
      group && e.direction === "in" ? h("div", { class: "author" }, shown(e.author ?? e.peer)) : null,
      h("p", { class: "text" }, text),
      h("div", { class: "meta" }, h("span", { class: "time" }, clock(e.time)), mark ? h("span", { class: `mark ${mark.tone}` }, mark.text) : null),
    ),
  );
}

const dayOf = (ms: number) => new Date(ms).toDateString();

/** The messages loaded so far and the files among them, with day lines, and the "new" line above the `unread` newest that came in. */
export function renderMessages(box: HTMLElement, s: PageState, unread: number, act: FileActions): void {
  const name = s.open;
  const group = name?.startsWith("#") ?? false;
  const nodes: HTMLElement[] = [];
  const files = s.files;
  if (s.more) nodes.push(h("div", { class: "more dim", id: "more" }, "loading older messages…"));
  else if (s.entries.length === 0 && files.length === 0) nodes.push(h("p", { class: "dim pad" }, "No messages yet. Say hello, or drop a file here."));
  let newAt: string | null = null;
  if (unread > 0) {
    const incoming = s.entries.filter((e) => e.direction === "in" && !e.event);
    newAt = incoming[Math.max(0, incoming.length - unread)]?.id ?? null;
  }
  let day = "";
  const dayLine = (time: number) => {
    if (dayOf(time) === day) return;
    day = dayOf(time);
    nodes.push(h("div", { class: "day" }, h("span", {}, dayLabel(time))));
  };
  // Messages in the node's order; each file before the first message after it.
  let next = 0;
  const filesUpTo = (time: number) => {
    for (; next < files.length && files[next]!.created <= time; next++) {
      dayLine(files[next]!.created);
      nodes.push(fileEl(files[next]!, group, act));
    }
  };
  for (const e of s.entries) {
    filesUpTo(e.time);
    dayLine(e.time);
    if (e.id === newAt) nodes.push(h("div", { class: "new-line" }, h("span", {}, "new")));
    nodes.push(entryEl(e, group));
  }
  filesUpTo(Infinity);
  fill(box, ...nodes);
}

/** One more message at the bottom (a day line first when the day changed). */
export function appendMessage(box: HTMLElement, e: HistoryEntry, previousTime: number | undefined, group: boolean): void {
  appendRow(box, entryEl(e, group), e.time, previousTime);
  // Files the browser is still sending stay below what comes in.
  for (const up of box.querySelectorAll(":scope > [data-upload]")) box.append(up);
}

/** A file new to the conversation, at the bottom. */
export function appendFile(box: HTMLElement, f: FileInfo, previousTime: number | undefined, group: boolean, act: FileActions): HTMLElement {
  return appendRow(box, fileEl(f, group, act), f.created, previousTime);
}

function appendRow(box: HTMLElement, el: HTMLElement, time: number, previousTime: number | undefined): HTMLElement {
  box.querySelector(":scope > p.pad")?.remove();
  if (previousTime === undefined || dayOf(previousTime) !== dayOf(time)) box.append(h("div", { class: "day" }, h("span", {}, dayLabel(time))));
  box.append(el);
  return el;
}

/** A message's mark, changed where it stands. */
export function updateMark(box: HTMLElement, e: HistoryEntry): void {
  const el = box.querySelector(`[data-id="${CSS.escape(e.id)}"] .mark`);
  if (!el) return;
  const mark = markOf(e);
  el.className = `mark ${mark.tone}`;
  el.textContent = mark.text;
}
