// `p2pchat add INVITE [--name NAME]`: adds the person who gave you the
// invite: pins their id, saves their addresses, and dials them with the
// token, so their node adds you at once.
import { defineCommand } from "citty";
import { formatHostPort } from "../node/address.ts";
import { isInvite } from "../protocol/invite.ts";
import { parsePeerId } from "../protocol/peer-id.ts";
import { withNode } from "./connect.ts";
import { globalArgs } from "./globals.ts";

export default defineCommand({
  meta: { name: "add", description: "Add someone from the invite line they gave you (`p2pchat invite`), or a node nearby by its peer id" },
  args: {
    invite: { type: "positional", description: "The whole line, starting with p2pchat: (or the peer id of a node `p2pchat nearby` lists)", required: true },
    name: { type: "string", description: "Your name for them (default: theirs)", valueHint: "NAME" },
    ...globalArgs,
  },
  async run({ args }) {
    const byId = !isInvite(args.invite) && parsePeerId(args.invite).ok;
    const r = await withNode("add", (api) => (byId ? api.addNearby(args.invite, args.name) : api.addInvite(args.invite, args.name)));
    process.stdout.write(describeAdded(r) + "\n");
  },
});

export function describeAdded(r: { contact: { name: string; peerId: string | null; host: string; port: number; addresses: unknown[] }; renamed: boolean; known: boolean }): string {
  const c = r.contact;
  if (r.known) return `${c.name} (${c.peerId}) is already your contact: their addresses are updated`;
  const n = c.addresses.length;
  const renamed = r.renamed ? " (their name was taken in your contacts)" : "";
  return `added ${c.name}${renamed}, pinned to ${c.peerId}, at ${formatHostPort(c.host, c.port)}${n > 1 ? ` and ${n - 1} more address${n > 2 ? "es" : ""}` : ""}: say hello with \`p2pchat chat ${c.name}\``;
}
