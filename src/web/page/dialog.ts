// One dialog at a time, on the browser's own <dialog> (Esc closes it, focus
// stays inside while it is open). Each dialog fills it with its own parts.
import { byId, fill, h } from "./dom.ts";

export interface Dialog {
  body: HTMLElement;
  /** Where a dialog says what went wrong (or right). */
  say(text: string, tone?: "bad" | "ok" | ""): void;
  close(): void;
}

export function openDialog(title: string, build: (d: Dialog) => void): Dialog {
  const el = byId<HTMLDialogElement>("dialog");
  if (el.open) el.close();
  const body = h("div", { class: "dialog-body" });
  const note = h("p", { class: "dialog-note", role: "status" });
  const d: Dialog = {
    body,
    say(text, tone = "") {
      note.className = `dialog-note ${tone}`;
      note.textContent = text;
    },
    close: () => el.close(),
  };
  fill(
    el,
    h("header", { class: "dialog-head" }, h("h2", {}, title), h("button", { type: "button", class: "close", "aria-label": "Close", onclick: () => el.close() }, "×")),
    body,
    note,
  );
  build(d);
  el.showModal();
  // The dialog's own field, not its first button, takes the keys.
  body.querySelector<HTMLElement>("[autofocus]")?.focus();
  return d;
}

/** A labelled field: `label` above `input`. */
export function field(label: string, input: HTMLElement): HTMLElement {
  return h("label", { class: "field" }, h("span", {}, label), input);
}
