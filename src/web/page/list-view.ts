// The conversations, as the terminal's list shows them: one row per contact
// and per group with its unread count, its link state, when and what was
// said last; then requests, people who are not contacts yet, with the name
// they announced in quotes, unverified, and said plainly when it imitates a
// contact's. Draws from the state; changes nothing.
import { h, fill } from "./dom.ts";
import type { ContactState, PageState, Request, Row } from "./state.ts";
import { plural, shortWhen, shown } from "./text.ts";

export interface ListActions {
  open(name: string): void;
  accept(r: Request): void;
  reject(r: Request): void;
  block(r: Request): void;
}

/** A link state in a word or two, and its tone. */
export function stateWord(s: ContactState | undefined, blocked: boolean, now = Date.now()): { text: string; tone: string } {
  if (blocked) return { text: "blocked", tone: "warn" };
  if (!s) return { text: "", tone: "" };
  switch (s.state) {
    case "linked":
      return { text: "linked", tone: "ok" };
    case "waiting":
      return { text: s.nextRetryAt ? `retry ${Math.max(1, Math.ceil((s.nextRetryAt - now) / 1000))} s` : "waiting", tone: "" };
    case "identity changed":
      return { text: "identity changed", tone: "bad" };
    case "idle":
      return { text: "offline", tone: "dim" };
    default:
      return { text: s.state, tone: "" };
  }
}

function row(r: Row, open: boolean, act: ListActions): HTMLElement {
  const word = r.group ? { text: "group", tone: "dim" } : stateWord(r.state, r.blocked);
  const preview = r.last
    ? [r.last.direction === "out" ? h("span", { class: "you" }, "you: ") : null, shown(r.last.text.split("\n")[0] ?? "")]
    : [h("span", { class: "dim" }, "no messages yet")];
  return h(
    "button",
    { class: `row${open ? " open" : ""}${r.unread > 0 ? " unread" : ""}`, type: "button", "data-name": r.name, "aria-current": open ? "true" : undefined, onclick: () => act.open(r.name) },
    h(
      "span",
      { class: "row-top" },
      h("span", { class: "row-name" }, shown(r.name)),
      r.unread > 0 ? h("span", { class: "badge", "aria-label": `${plural(r.unread, "unread message")}` }, String(r.unread)) : null,
      word.text ? h("span", { class: `chip ${word.tone}` }, word.text) : null,
      h("span", { class: "row-when" }, r.last ? shortWhen(r.last.time) : ""),
    ),
    h("span", { class: "row-last" }, ...preview),
  );
}

function request(r: Request, act: ListActions): HTMLElement {
  return h(
    "div",
    { class: "request", "data-peer": r.peerId },
    h(
      "div",
      { class: "request-who" },
      h("span", { class: "row-name" }, `“${shown(r.name)}”`),
      h("span", { class: "dim" }, " (unverified)"),
      r.imitates !== null ? h("span", { class: "chip bad" }, `NOT your contact ${shown(r.imitates)}`) : null,
    ),
    h("div", { class: "request-id dim" }, r.peerId.split("-")[0] ?? "", r.waiting > 0 ? ` · ${plural(r.waiting, "message")} waiting` : ""),
    h(
      "div",
      { class: "request-actions" },
      h("button", { type: "button", class: "primary", onclick: () => act.accept(r) }, "Accept"),
      h("button", { type: "button", onclick: () => act.reject(r) }, "Reject"),
      h("button", { type: "button", class: "danger", onclick: () => act.block(r) }, "Block"),
    ),
  );
}

export function renderList(list: HTMLElement, requests: HTMLElement, s: PageState, act: ListActions): void {
  const rows = s.rows();
  fill(
    list,
    ...(rows.length > 0 ? rows.map((r) => row(r, r.name === s.open, act)) : [h("p", { class: "dim pad" }, "No contacts yet: make an invite for a friend, or add one from theirs.")]),
  );
  requests.hidden = s.requests.length === 0;
  fill(requests, h("h3", {}, "Requests", h("span", { class: "dim" }, " · not your contacts yet")), ...s.requests.map((r) => request(r, act)));
}
