// A file in a conversation, as the terminal's chat draws it (ui/file-rows.ts)
// in the page's way: 📎 its name and size, where it stands (offered, a bar
// while it moves, ✓✓ delivered, saved, rejected, failed or cancelled and
// why), and what the user may do now: take or refuse an offer, cancel one on
// its way, download one received whole. A name is text (shown()), whoever
// chose it. Drawn again in place as the node's file events come.
import { formatSize } from "../../domain/file-transfer.ts";
import { fill, h } from "./dom.ts";
import { clock, shown } from "./text.ts";
import type { FileInfo } from "./types.ts";

export interface FileActions {
  accept(f: FileInfo): void;
  reject(f: FileInfo): void;
  cancel(f: FileInfo): void;
}

/** A file the browser is still handing to the node (before the node makes a transfer of it). */
export interface Sending {
  key: string;
  name: string;
  size: number;
  sent: number;
  abort(): void;
}

const MOVING = new Set(["sending", "receiving", "paused"]);

/** A paperclip drawn as lines (an emoji needs a font the system may not have). */
export function clipIcon(): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  for (const [k, v] of Object.entries({ viewBox: "0 0 24 24", width: "1em", height: "1em", fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round", class: "file-icon", "aria-hidden": "true" })) svg.setAttribute(k, v);
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48");
  svg.append(path);
  return svg;
}

/** Where it stands, in words, and the tone of them. */
function stateOf(f: FileInfo): { text: string; tone: string } {
  const their = f.direction === "in";
  switch (f.state) {
    case "done":
      if (!their) return { text: f.group ? "✓ shared: members fetch it from you" : "✓✓ delivered", tone: "delivered" };
      return { text: `✓ saved${f.path ? ` as ${shown(f.path)}` : ""}`, tone: "delivered" };
    case "offered":
      return their ? { text: f.request ? "offered by someone not in your contacts" : "offered: take it?", tone: "pending" } : { text: "… waiting for them to accept", tone: "pending" };
    case "cancelled":
      // "bob rejected it", "you cancelled it": the node's words say who.
      return { text: `✗ ${f.error ? shown(f.error) : "cancelled"}`, tone: "bad" };
    case "failed":
      return { text: `✗ failed${f.error ? `: ${shown(f.error)}` : ""}`, tone: "bad" };
    case "paused":
      return { text: `paused at ${formatSize(f.bytes)}: waiting for the link`, tone: "pending" };
    default:
      return { text: `${f.direction === "out" ? "sending" : "receiving"} ${percent(f.bytes, f.size)}%${f.rate ? ` · ${formatSize(f.rate)}/s` : ""}`, tone: "sent" };
  }
}

const percent = (n: number, of: number) => (of === 0 ? 100 : Math.floor((100 * n) / of));

function bar(value: number, max: number): HTMLElement {
  const b = h("progress", { class: "bar", max: String(Math.max(1, max)), value: String(Math.min(value, max)) });
  b.setAttribute("aria-label", "progress");
  return b;
}

/** The bubble's inside for `f`: name, size, state, bar, buttons. */
function fileBody(f: FileInfo, group: boolean, act: FileActions): (HTMLElement | null)[] {
  const st = stateOf(f);
  const name = shown(f.name);
  const downloadable = f.direction === "in" && f.state === "done";
  const title = downloadable ? h("a", { class: "file-name", href: `/api/download/${encodeURIComponent(f.id)}`, download: name }, name) : h("span", { class: "file-name" }, name);
  const buttons: HTMLElement[] = [];
  if (f.direction === "in" && f.state === "offered") {
    buttons.push(h("button", { type: "button", class: "primary", "data-act": "accept", onclick: () => act.accept(f) }, "Accept"));
    buttons.push(h("button", { type: "button", "data-act": "reject", onclick: () => act.reject(f) }, "Reject"));
  } else if (MOVING.has(f.state) || (f.direction === "out" && f.state === "offered" && !f.group)) {
    buttons.push(h("button", { type: "button", class: "danger", "data-act": "cancel", onclick: () => act.cancel(f) }, "Cancel"));
  }
  if (downloadable) buttons.push(h("a", { class: "button", href: `/api/download/${encodeURIComponent(f.id)}`, download: name, "data-act": "download" }, "Download"));
  return [
    group && f.direction === "in" ? h("div", { class: "author" }, shown(f.peer ?? "")) : null,
    h("div", { class: "file-line" }, clipIcon(), title, h("span", { class: "file-size" }, formatSize(f.size))),
    MOVING.has(f.state) ? bar(f.bytes, f.size) : null,
    buttons.length > 0 ? h("div", { class: "file-actions" }, ...buttons) : null,
    h("div", { class: "meta" }, h("span", { class: "time" }, clock(f.created)), h("span", { class: `mark file-state ${st.tone}` }, st.text)),
  ];
}

/** A file's row in the conversation. */
export function fileEl(f: FileInfo, group: boolean, act: FileActions): HTMLElement {
  return h("div", { class: `msg file ${f.direction}`, "data-file": f.id, "data-state": f.state }, h("div", { class: "bubble" }, ...fileBody(f, group, act)));
}

/** The file's row drawn again where it stands; false when it is not shown. */
export function updateFile(box: HTMLElement, f: FileInfo, group: boolean, act: FileActions): boolean {
  const el = box.querySelector<HTMLElement>(`[data-file="${CSS.escape(f.id)}"]`);
  if (!el) return false;
  el.dataset.state = f.state;
  fill(el.querySelector(".bubble")!, ...fileBody(f, group, act));
  return true;
}

/** A file still on its way from the browser to the node: its name, a bar, and the way to stop it. */
export function sendingEl(u: Sending): HTMLElement {
  return h(
    "div",
    { class: "msg file out sending", "data-upload": u.key },
    h(
      "div",
      { class: "bubble" },
      h("div", { class: "file-line" }, clipIcon(), h("span", { class: "file-name" }, shown(u.name)), h("span", { class: "file-size" }, formatSize(u.size))),
      bar(u.sent, u.size),
      h("div", { class: "file-actions" }, h("button", { type: "button", class: "danger", onclick: () => u.abort() }, "Cancel")),
      h("div", { class: "meta" }, h("span", { class: "mark file-state pending" }, `handing it to your node… ${percent(u.sent, u.size)}%`)),
    ),
  );
}

/** The browser's progress on `u`, in place. */
export function updateSending(box: HTMLElement, u: Sending): void {
  const el = box.querySelector(`[data-upload="${CSS.escape(u.key)}"]`);
  if (!el) return;
  const b = el.querySelector("progress");
  if (b) b.value = Math.min(u.sent, u.size);
  const m = el.querySelector(".file-state");
  if (m) m.textContent = u.sent >= u.size ? "your node is reading it…" : `handing it to your node… ${percent(u.sent, u.size)}%`;
}
