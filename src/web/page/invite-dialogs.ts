// Invites, both ways: make one for a friend (its line to copy and its QR
// code, drawn here from the matrix the node sends), or paste a friend's to
// add them (their node adds you at once when the invite is still good).
import type { Api } from "./api.ts";
import { field, openDialog } from "./dialog.ts";
import { h } from "./dom.ts";
import { shown } from "./text.ts";

const DAY = 86_400_000;

/** Draws a QR matrix on a canvas: dark on white whatever the theme, with the quiet zone readers need. */
export function drawQr(canvas: HTMLCanvasElement, m: { size: number; rows: string[] }): void {
  const quiet = 4;
  const scale = Math.max(3, Math.floor(400 / (m.size + 2 * quiet)));
  const side = (m.size + 2 * quiet) * scale;
  canvas.width = side;
  canvas.height = side;
  const g = canvas.getContext("2d");
  if (!g) return;
  g.fillStyle = "#fff";
  g.fillRect(0, 0, side, side);
  g.fillStyle = "#000";
  m.rows.forEach((row, r) => {
    for (let c = 0; c < row.length; c++) if (row[c] === "1") g.fillRect((c + quiet) * scale, (r + quiet) * scale, scale, scale);
  });
  canvas.dataset.drawn = "true";
}

export function inviteDialog(api: Api): void {
  openDialog("Invite someone", (d) => {
    const uses = h("select", { id: "invite-uses" }, h("option", { value: "1" }, "once"), h("option", { value: "5" }, "5 times"), h("option", { value: "20" }, "20 times"));
    const days = h("select", { id: "invite-days" }, h("option", { value: "1" }, "1 day"), h("option", { value: "7", selected: true }, "7 days"), h("option", { value: "30" }, "30 days"));
    const out = h("div", { class: "invite-out", hidden: true });
    const make = h("button", { type: "submit", class: "primary", id: "invite-make" }, "Make invite");
    const form = h(
      "form",
      {
        class: "row-form",
        onsubmit: (ev) => {
          ev.preventDefault();
          make.disabled = true;
          void (async () => {
            try {
              const r = await api.op<{ text: string; verdict?: { lines: string[] } }>("createInvite", { opts: { uses: Number(uses.value), expiresMs: Number(days.value) * DAY } });
              showInvite(api, out, r.text, r.verdict?.lines ?? []);
              d.say("");
            } catch (err) {
              d.say((err as Error).message, "bad");
            } finally {
              make.disabled = false;
            }
          })();
        },
      },
      field("Works", uses),
      field("For", days),
      make,
    );
    d.body.append(
      h("p", { class: "dim" }, "One line for a friend: they paste it into Add (or run p2pchat add LINE), and you are in each other's contacts. Whoever reads it can at most become a request once it is used up or expired."),
      form,
      out,
    );
  });
}

function showInvite(api: Api, out: HTMLElement, text: string, lines: string[]): void {
  const area = h("textarea", { id: "invite-text", readonly: true, rows: "3", spellcheck: "false" });
  area.value = text;
  const copy = h("button", { type: "button", id: "invite-copy" }, "Copy");
  copy.addEventListener("click", () => {
    area.select();
    const done = () => (copy.textContent = "Copied");
    navigator.clipboard?.writeText(text).then(done, () => document.execCommand("copy") && done());
  });
  const canvas = h("canvas", { id: "invite-qr", class: "qr", "aria-label": "The invite as a QR code" });
  out.hidden = false;
  out.replaceChildren(area, h("div", { class: "invite-tools" }, copy), canvas, ...lines.map((l) => h("p", { class: "dim" }, shown(l))));
  void api.post<{ size: number; rows: string[] }>("/api/qr", { text }).then((m) => drawQr(canvas, m));
}

export function addDialog(api: Api, added: (name: string) => void): void {
  openDialog("Add someone", (d) => {
    const line = h("textarea", { id: "add-invite", rows: "4", autofocus: true, placeholder: "p2pchat:…", spellcheck: "false", required: true });
    const name = h("input", { id: "add-name", type: "text", placeholder: "as they call themselves", autocomplete: "off" });
    const go = h("button", { type: "submit", class: "primary" }, "Add");
    d.body.append(
      h("p", { class: "dim" }, "Paste the invite a friend gave you. Your node dials theirs with it, and theirs adds you at once."),
      h(
        "form",
        {
          onsubmit: (ev) => {
            ev.preventDefault();
            go.disabled = true;
            void (async () => {
              try {
                const r = await api.op<{ contact: { name: string }; renamed: boolean; known: boolean; taken?: string }>("addInvite", { text: line.value.trim(), name: name.value.trim() || undefined });
                const as = r.contact.name;
                // Said taken only when it is, and whose it is.
                const renamed = r.renamed && r.taken ? ` (their name is like your contact ${shown(r.taken)}'s: rename later with contacts set)` : "";
                d.say(r.known ? `${shown(as)} was a contact already: their invite's addresses were added` : `added ${shown(as)}${renamed}`, "ok");
                added(as);
              } catch (err) {
                d.say((err as Error).message, "bad");
              } finally {
                go.disabled = false;
              }
            })();
          },
        },
        field("Invite", line),
        field("Name (optional)", name),
        h("div", { class: "dialog-actions" }, go),
      ),
    );
  });
}
