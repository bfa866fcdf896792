// Search: every word and "quoted phrase", in any conversation, without case
// or accents (the node's search, as `p2pchat search`), newest first; a
// result opens its conversation.
import { fill, h } from "./dom.ts";
import { clock, dayLabel, shown } from "./text.ts";
import type { HistoryEntry } from "./types.ts";

export function renderResults(box: HTMLElement, query: string, found: readonly HistoryEntry[], open: (name: string) => void): void {
  fill(
    box,
    h("h2", {}, `“${shown(query)}”`, h("span", { class: "dim" }, ` · ${found.length === 0 ? "nothing matches" : `${found.length} found`} · Esc closes`)),
    ...found.map((e) =>
      h(
        "button",
        { type: "button", class: "result", onclick: () => open(e.peer) },
        h("span", { class: "row-top" }, h("span", { class: "row-name" }, shown(e.peer)), h("span", { class: "row-when" }, `${dayLabel(e.time)} ${clock(e.time)}`)),
        h("span", { class: "row-last" }, e.direction === "out" ? h("span", { class: "you" }, "you: ") : e.author ? h("span", { class: "you" }, `${shown(e.author)}: `) : null, shown(e.text)),
      ),
    ),
  );
}
