// `p2pchat requests`: peers that are not contacts and connected to you. Each
// is a knock: accept it (a contact, its messages join your history), reject
// it, or block it.
import { defineCommand } from "citty";
import { imitatedName } from "../../domain/lookalike.ts";
import type { PeerRequest } from "../../control/api.ts";
import { formatHostPort } from "../../domain/host-port.ts";
import { colors } from "../../ui/colors.ts";
import { formatDateTime, printable } from "../../ui/format.ts";
import { withNode } from "../connect.ts";
import { globalArgs } from "../args/globals.ts";

const idArg = { type: "positional", description: "The request's peer id, or its first characters (WKHH6OA)", required: true } as const;

const list = defineCommand({
  meta: { name: "list", description: "Requests waiting for you: announced name (unverified), peer id, address, first seen, messages waiting" },
  args: { json: { type: "boolean", description: "Print a JSON array (blocked ids too)" }, ...globalArgs },
  async run({ args }) {
    const [all, contacts] = await withNode("requests", async (api) => [await api.requests(), (await api.contacts()).map((c) => c.name)] as const);
    const imitates = (r: PeerRequest) => imitatedName(r.name, contacts);
    if (args.json) {
      const out = all.map((r) => ({ peerId: r.peerId, name: r.name, imitates: imitates(r), address: formatHostPort(r.host, r.port), firstSeen: r.firstSeen, lastSeen: r.lastSeen, waiting: r.waiting, blocked: r.blocked }));
      process.stdout.write(JSON.stringify(out, null, 2) + "\n");
      return;
    }
    const open = all.filter((r) => !r.blocked);
    if (open.length === 0) {
      process.stdout.write(colors.dim("no requests: nobody you do not know has knocked") + "\n");
      return;
    }
    const lines = open.map((r) => formatRequest(r, imitates(r)));
    lines.push(colors.dim(`accept: p2pchat requests accept ID [--as NAME]   reject: p2pchat requests reject ID   block: p2pchat requests block ID`));
    process.stdout.write(lines.join("\n") + "\n");
  },
});

/** `imitated`: the contact whose name it announced, or one that looks the same ("cаrol" with a Cyrillic а). */
function formatRequest(r: PeerRequest, imitated: string | null): string {
  const same = imitated !== null ? colors.red(` (NOT your contact ${imitated}${imitated === r.name ? "" : ": only looks like it"})`) : "";
  const waiting = `${r.waiting} message${r.waiting === 1 ? "" : "s"} waiting`;
  return `${JSON.stringify(printable(r.name))} (unverified)${same}  ${r.peerId}  ${formatHostPort(r.host, r.port)}  first seen ${formatDateTime(r.firstSeen)}  ${waiting}`;
}

const accept = defineCommand({
  meta: { name: "accept", description: "Make the request a contact; its waiting messages appear in your history, in order" },
  args: { id: idArg, as: { type: "string", description: "The contact's name (default: the name it announced, made unique)", valueHint: "NAME" }, ...globalArgs },
  async run({ args }) {
    const r = await withNode("requests", (api) => api.acceptRequest(args.id, args.as));
    const as = r.contact.name === r.announced ? r.contact.name : `${r.contact.name} (it announced ${JSON.stringify(printable(r.announced))})`;
    const moved = r.moved > 0 ? `; ${r.moved} message${r.moved === 1 ? "" : "s"} now in your history: p2pchat history ${r.contact.name}` : "";
    process.stdout.write(`accepted ${r.contact.peerId} as ${as}${moved}\n`);
  },
});

const reject = defineCommand({
  meta: { name: "reject", description: "Drop the request and what it sent (it may knock again)" },
  args: { id: idArg, ...globalArgs },
  async run({ args }) {
    const r = await withNode("requests", (api) => api.rejectRequest(args.id));
    process.stdout.write(`rejected ${JSON.stringify(printable(r.name))} ${r.peerId}${r.waiting ? ` (${r.waiting} message${r.waiting === 1 ? "" : "s"} dropped)` : ""}\n`);
  },
});

const block = defineCommand({
  meta: { name: "block", description: "Drop the request and refuse that peer id from now on (it is not told)" },
  args: { id: idArg, ...globalArgs },
  async run({ args }) {
    const r = await withNode("requests", (api) => api.blockRequest(args.id));
    process.stdout.write(`blocked ${r.peerId}: its links are refused from now on\n`);
  },
});

export default defineCommand({
  meta: { name: "requests", description: "Peers you do not know that knocked: list, accept, reject, block" },
  args: { ...globalArgs },
  subCommands: { list, accept, reject, block },
  default: "list",
});
