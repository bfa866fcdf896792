// Ctrl-K: jump to a conversation by typing part of its name; ↑/↓ pick,
// Enter opens, Esc leaves.
import { openDialog } from "./dialog.ts";
import { fill, h } from "./dom.ts";
import type { PageState } from "./state.ts";
import { shown } from "./text.ts";

export function switcher(s: PageState, open: (name: string) => void): void {
  openDialog("Go to", (d) => {
    const input = h("input", { id: "switch-input", type: "text", autofocus: true, placeholder: "a name", autocomplete: "off", "aria-label": "Conversation" });
    const list = h("ul", { class: "switch-list", role: "listbox" });
    let picked = 0;
    let names: string[] = [];
    const draw = () => {
      const q = input.value.trim().toLowerCase();
      // Unread first, then by name, as the eye looks for them.
      names = s
        .rows()
        .filter((r) => r.name.toLowerCase().includes(q))
        .sort((a, b) => Number(b.unread > 0) - Number(a.unread > 0))
        .map((r) => r.name);
      picked = Math.min(picked, Math.max(0, names.length - 1));
      fill(
        list,
        ...names.map((n, i) =>
          h("li", { role: "option", "aria-selected": i === picked ? "true" : "false", class: i === picked ? "picked" : "", onclick: () => go(n) }, shown(n), s.unreadOf(n) > 0 ? h("span", { class: "badge" }, String(s.unreadOf(n))) : null),
        ),
        names.length === 0 ? h("li", { class: "dim" }, "no conversation by that name") : null,
      );
    };
    const go = (name: string) => {
      d.close();
      open(name);
    };
    input.addEventListener("input", () => ((picked = 0), draw()));
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") picked = Math.min(picked + 1, names.length - 1);
      else if (e.key === "ArrowUp") picked = Math.max(picked - 1, 0);
      else if (e.key === "Enter" && names[picked] !== undefined) return void (e.preventDefault(), go(names[picked]!));
      else return;
      e.preventDefault();
      draw();
    });
    d.body.append(input, list);
    draw();
  });
}
