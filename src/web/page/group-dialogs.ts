// Groups: make one with some contacts, and a group's members (its creator
// adds and removes them; anyone may leave). Every message in a group is
// signed by its author; the node keeps them in step.
import type { Api } from "./api.ts";
import { field, openDialog } from "./dialog.ts";
import { fill, h } from "./dom.ts";
import type { PageState } from "./state.ts";
import { shown } from "./text.ts";
import type { GroupMemberInfo } from "./types.ts";

export function newGroupDialog(api: Api, s: PageState, made: (name: string) => void): void {
  openDialog("New group", (d) => {
    const name = h("input", { id: "group-name", type: "text", required: true, autofocus: true, placeholder: "club", autocomplete: "off" });
    const boxes = s.contacts.filter((c) => c.peerId && !c.blocked).map((c) => h("input", { type: "checkbox", value: c.name }));
    const go = h("button", { type: "submit", class: "primary" }, "Create");
    d.body.append(
      h(
        "form",
        {
          onsubmit: (ev) => {
            ev.preventDefault();
            const members = boxes.filter((b) => b.checked).map((b) => b.value);
            void api.op<{ name: string }>("groupCreate", { name: name.value.trim(), members }).then(
              (g) => {
                d.close();
                made(g.name);
              },
              (err: Error) => d.say(err.message, "bad"),
            );
          },
        },
        field("Name", name),
        h("fieldset", {}, h("legend", {}, "With"), ...(boxes.length > 0 ? boxes.map((b) => h("label", { class: "check" }, b, ` ${shown(b.value)}`)) : [h("p", { class: "dim" }, "no contacts to add yet: you can add them later")])),
        h("div", { class: "dialog-actions" }, go),
      ),
    );
  });
}

export function membersDialog(api: Api, s: PageState, group: string, changed: () => void): void {
  openDialog(`Members of ${shown(group)}`, (d) => {
    const show = async () => {
      const members = await api.op<GroupMemberInfo[]>("groupMembers", { group });
      const creator = s.group(group)?.role === "creator";
      const act = (label: string, fn: () => Promise<unknown>, cls = "") =>
        h("button", { type: "button", class: cls, onclick: () => void fn().then(() => (changed(), show()), (err: Error) => d.say(err.message, "bad")) }, label);
      const inGroup = new Set(members.filter((m) => m.state !== "removed" && m.state !== "left").map((m) => m.name));
      const addable = s.contacts.filter((c) => c.peerId && !inGroup.has(c.name));
      const pick = h("select", {}, ...addable.map((c) => h("option", { value: c.name }, shown(c.name))));
      fill(d.body, 
        h(
          "ul",
          { class: "members" },
          ...members.map((m) =>
            h(
              "li",
              {},
              h("span", {}, shown(m.name), m.you ? " (you)" : "", m.role === "creator" ? " · creator" : ""),
              h("span", { class: m.state === "member" ? "dim" : "warn" }, m.state === "waiting" ? "waiting: a member once their node links with yours" : m.state),
              creator && !m.you && m.state !== "removed" && m.state !== "left" ? act("Remove", () => api.op("groupRemove", { group, member: m.name }), "danger") : null,
            ),
          ),
        ),
        creator && addable.length > 0 ? h("div", { class: "row-form" }, pick, act("Add", () => api.op("groupAdd", { group, contact: pick.value }), "primary")) : null,
        h("div", { class: "dialog-actions" }, act("Leave the group", () => api.op("groupLeave", { group }), "danger")),
      );
    };
    show().catch((err: Error) => d.say(err.message, "bad"));
  });
}
