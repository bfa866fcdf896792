import { defineCommand } from "citty";
import { formatHostPort } from "../node/address.ts";
import { formatContacts } from "../ui/format.ts";
import { withContacts } from "./connect.ts";
import { globalArgs } from "./globals.ts";

const list = defineCommand({
  meta: { name: "list", description: "List contacts: name, address, peer id (or not pinned yet), blocked" },
  args: { json: { type: "boolean", description: "Print a JSON array" }, ...globalArgs },
  async run({ args }) {
    const contacts = await withContacts((s) => s.contacts());
    if (args.json) {
      const out = contacts.map((c) => ({ name: c.name, host: c.host, port: c.port, address: formatHostPort(c.host, c.port), peerId: c.peerId, blocked: c.blocked, legacy: c.legacy }));
      process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    } else {
      process.stdout.write(formatContacts(contacts) + "\n");
    }
  },
});

const add = defineCommand({
  meta: { name: "add", description: "Add a contact by name and address; its peer id is pinned now (--id) or on first contact" },
  args: {
    name: { type: "positional", description: "1 to 40 characters, no spaces", required: true },
    address: { type: "positional", description: "HOST:PORT: IPv4, [IPv6] or a host name, then the port", required: true },
    id: { type: "string", description: "The peer id they gave you (from `p2pchat id`)", valueHint: "PEER-ID" },
    legacy: { type: "boolean", description: "They run the original plaintext program (unencrypted, unauthenticated)" },
    ...globalArgs,
  },
  async run({ args }) {
    const c = await withContacts((s) => s.addContact(args.name, args.address, { id: args.id, legacy: args.legacy }));
    const pin = c.peerId ? `pinned to ${c.peerId}` : "peer id not pinned yet: it will be on first contact";
    process.stdout.write(`added ${c.name} at ${formatHostPort(c.host, c.port)}, ${pin}\n`);
  },
});

const rm = defineCommand({
  meta: { name: "rm", description: "Remove a contact (its messages stay in the history)" },
  args: { name: { type: "positional", description: "Contact name", required: true }, ...globalArgs },
  async run({ args }) {
    await withContacts((s) => s.removeContact(args.name));
    process.stdout.write(`removed ${args.name}\n`);
  },
});

function blockCommand(blocked: boolean) {
  const verb = blocked ? "block" : "unblock";
  return defineCommand({
    meta: {
      name: verb,
      description: blocked ? "Refuse this peer's links and hold your messages to it" : "Accept this peer again and release what you held for it",
    },
    args: { name: { type: "positional", description: "Contact name", required: true }, ...globalArgs },
    async run({ args }) {
      await withContacts((s) => s.setBlocked(args.name, blocked));
      process.stdout.write(`${verb}ed ${args.name}\n`);
    },
  });
}

const pin = defineCommand({
  meta: { name: "pin", description: "Pin a contact to a peer id deliberately (after its identity changed)" },
  args: {
    name: { type: "positional", description: "Contact name", required: true },
    id: { type: "positional", description: "The peer id to trust from now on", required: true },
    ...globalArgs,
  },
  async run({ args }) {
    const c = await withContacts((s) => s.pinContact(args.name, args.id));
    process.stdout.write(`pinned ${c.name} to ${c.peerId}\n`);
  },
});

const block = blockCommand(true);
const unblock = blockCommand(false);

export default defineCommand({
  meta: { name: "contacts", description: "The address book: list, add, rm, pin, block, unblock" },
  args: { ...globalArgs },
  subCommands: { list, add, rm, pin, block, unblock },
  default: "list",
});
