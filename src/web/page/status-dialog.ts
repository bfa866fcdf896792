// Where you stand, as `p2pchat status` says it: discoverable or hidden
// (switched here too), where the node listens and can be reached (the
// verdict's words, from reach/reach-verdict.ts), the LAN, the DHT and
// relays, and per contact why it is or is not linked.
import type { Api } from "./api.ts";
import { openDialog } from "./dialog.ts";
import { fill, h } from "./dom.ts";
import { clock, plural, shown } from "./text.ts";
import type { NodeStatus } from "./types.ts";

function table(head: string[], rows: (string | HTMLElement)[][]): HTMLElement {
  return h("table", {}, h("thead", {}, h("tr", {}, ...head.map((t) => h("th", {}, t)))), h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))));
}

export function statusDialog(api: Api, changed: () => void): void {
  openDialog("Status", (d) => {
    const show = async () => {
      const s = await api.op<NodeStatus>("status");
      const r = s.reach;
      const toggle = h("button", { type: "button", id: "discoverable-toggle", class: s.discoverable ? "" : "primary" }, s.discoverable ? "Hide" : "Become discoverable");
      toggle.addEventListener("click", () => {
        toggle.disabled = true;
        void api.op("setDiscoverable", { on: !s.discoverable }).then(
          () => {
            changed();
            void show();
          },
          (err: Error) => d.say(err.message, "bad"),
        );
      });
      fill(d.body, 
        h("p", {}, h("strong", {}, shown(s.name)), " ", h("code", { class: "id" }, s.peerId)),
        h(
          "p",
          { class: s.discoverable ? "ok" : "warn" },
          s.discoverable ? `discoverable, ${s.listening ? `listening on ${s.listening}` : "dialing out only (not listening)"}` : "hidden: not listening, not dialing; what you write waits as pending",
          " ",
          toggle,
        ),
        ...(r?.verdict?.lines ?? []).map((l, i) => h("p", { class: i === 0 ? "" : "dim" }, shown(l))),
        s.addresses.length > 0 ? h("p", { class: "dim" }, `addresses: ${s.addresses.join(", ")}`) : null,
        r ? h("p", { class: "dim" }, `LAN beacons ${r.lan}${r.lan === "on" ? ` (${plural(r.nearby, "node")} nearby)` : ""} · DHT ${r.dht}${r.dhtNote ? ` (${shown(r.dhtNote)})` : ""}`) : null,
        ...(r?.relays ?? []).map((x) => h("p", { class: "dim" }, `relay ${shown(x.uri)}: ${x.state}${x.note ? ` (${shown(x.note)})` : ""}`)),
        h("h3", {}, `Contacts (${plural(s.links.length, "link")} up)`),
        s.contacts.length === 0
          ? h("p", { class: "dim" }, "no contacts yet")
          : table(
              ["", "link", "waiting", "last error"],
              s.contacts.map((c) => [
                shown(c.name),
                h("span", { class: c.state === "linked" ? "ok" : c.state === "identity changed" ? "bad" : "" }, shown(c.stateText)),
                c.pending > 0 ? String(c.pending) : "",
                c.state !== "linked" && c.lastError ? `${shown(c.lastError)}${c.lastErrorAt ? ` (${clock(c.lastErrorAt)})` : ""}` : "",
              ]),
            ),
        s.requests > 0 ? h("p", { class: "warn" }, `${plural(s.requests, "request")} waiting for you (in the list)`) : null,
        h("p", { class: "dim" }, `database: ${shown(s.database)}`),
      );
    };
    show().catch((err: Error) => d.say(err.message, "bad"));
  });
}
