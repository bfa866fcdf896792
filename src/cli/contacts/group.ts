import { defineCommand } from "citty";
import type { GroupInfo, GroupMemberInfo } from "../../control/api.ts";
import { colors } from "../../ui/colors.ts";
import { formatTable } from "../../ui/table.ts";
import { markVariadic } from "../args/check-args.ts";
import { withNode } from "../connect.ts";
import { UsageError } from "../exit-codes.ts";
import { globalArgs } from "../args/globals.ts";

/** `--with a b`, `--with a --with b`, `--with a,b`: every contact named after --with. */
export function withContacts(rawArgs: readonly string[]): string[] {
  const out: string[] = [];
  let taking = false;
  for (const a of rawArgs) {
    if (a === "--with") {
      taking = true;
      continue;
    }
    if (a.startsWith("--with=")) {
      out.push(...a.slice(7).split(","));
      taking = true;
      continue;
    }
    if (a.startsWith("-")) {
      taking = false;
      continue;
    }
    if (taking) out.push(...a.split(","));
  }
  return out.map((s) => s.trim()).filter(Boolean);
}

const create = markVariadic(
  defineCommand({
    meta: { name: "create", description: "Create a group you keep the member list of: NAME [--with CONTACT...]" },
    args: {
      name: { type: "positional", description: "1 to 40 characters, no spaces: '#NAME' names it in send, chat, history", required: true },
      with: { type: "string", description: "Contacts to add (several after one --with, or --with again, or a,b)", valueHint: "CONTACT" },
      ...globalArgs,
    },
    async run({ args, rawArgs }) {
      const name = args.name.replace(/^#/, "");
      const members = withContacts(rawArgs);
      const extra = args._.slice(1).filter((w) => !members.includes(String(w)));
      if (extra.length > 0) throw new UsageError(`unexpected ${JSON.stringify(extra[0])}: members go after --with`, "p2pchat group create");
      const g = await withNode("group", (api) => api.groupCreate(name, members));
      const others = members.length > 0 ? ` with ${members.join(", ")}` : " (just you: add members with `p2pchat group add`)";
      const total = g.members + g.waiting.length;
      const waiting = g.waiting.length > 0 ? `; ${g.waiting.join(", ")} ${g.waiting.length === 1 ? "joins" : "join"} once ${g.waiting.length === 1 ? "its node links" : "their nodes link"} with yours (${g.waiting.length === 1 ? "its group key is" : "their group keys are"} not known yet)` : "";
      process.stdout.write(`created ${g.name}${others}: ${total} member${total === 1 ? "" : "s"}${waiting}\n`);
    },
  }),
);

const add = defineCommand({
  meta: { name: "add", description: "Add a contact to a group you created, or add back one you removed (one who left cannot be)" },
  args: {
    group: { type: "positional", description: "#NAME", required: true },
    contact: { type: "positional", description: "Contact name", required: true },
    ...globalArgs,
  },
  async run({ args }) {
    const m = await withNode("group", (api) => api.groupAdd(args.group, args.contact));
    if (m.state === "waiting") return void process.stdout.write(`${m.name} joins ${hash(args.group)} once its node links with yours (its group key is not known yet); it then gets what was written there\n`);
    process.stdout.write(`added ${m.name} to ${hash(args.group)}: it gets what was written there, from whichever member is online\n`);
  },
});

const remove = defineCommand({
  meta: { name: "remove", description: "Remove a member from a group you created: it is sent nothing written from now on" },
  args: {
    group: { type: "positional", description: "#NAME", required: true },
    member: { type: "positional", description: "Contact or member name", required: true },
    ...globalArgs,
  },
  async run({ args }) {
    const m = await withNode("group", (api) => api.groupRemove(args.group, args.member));
    if (m.state === "waiting") return void process.stdout.write(`${m.name} will not join ${hash(args.group)}: its waiting add is withdrawn\n`);
    process.stdout.write(`removed ${m.name} from ${hash(args.group)}: nothing written from now on reaches them, and what they write is refused\n`);
  },
});

const leave = defineCommand({
  meta: { name: "leave", description: "Leave a group: the members are told, and you get nothing more from it (its history stays)" },
  args: { group: { type: "positional", description: "#NAME", required: true }, ...globalArgs },
  async run({ args }) {
    const g = await withNode("group", (api) => api.groupLeave(args.group));
    process.stdout.write(`left ${g.name}: its history stays with you\n`);
  },
});

const list = defineCommand({
  meta: { name: "list", description: "Your groups: name, members, creator, your place in it" },
  args: { json: { type: "boolean", description: "Print a JSON array" }, ...globalArgs },
  async run({ args }) {
    const groups = await withNode("group", (api) => api.groups());
    if (args.json) return void process.stdout.write(JSON.stringify(groups, null, 2) + "\n");
    process.stdout.write(formatGroups(groups) + "\n");
  },
});

const members = defineCommand({
  meta: { name: "members", description: "A group's members, in the order they were added, and who left or was removed" },
  args: { group: { type: "positional", description: "#NAME", required: true }, json: { type: "boolean", description: "Print a JSON array" }, ...globalArgs },
  async run({ args }) {
    const list = await withNode("group", (api) => api.groupMembers(args.group));
    if (args.json) return void process.stdout.write(JSON.stringify(list, null, 2) + "\n");
    process.stdout.write(formatMembers(list) + "\n");
  },
});

export default defineCommand({
  meta: { name: "group", description: "Group chat: create, add, remove, leave, list, members ('#NAME' in send, chat, history, search)" },
  args: { ...globalArgs },
  subCommands: { create, add, remove, leave, list, members },
  default: "list",
});

const hash = (name: string) => (name.startsWith("#") ? name : `#${name}`);

export function formatGroups(list: readonly GroupInfo[]): string {
  if (list.length === 0) return colors.dim("no groups yet: create one with `p2pchat group create NAME --with CONTACT...`");
  return formatTable(
    ["GROUP", "MEMBERS", "CREATOR", "YOU"],
    list.map((g) => [g.name + (g.title !== g.name.slice(1) ? ` (${g.title})` : ""), String(g.members), g.creator, g.role]),
  );
}

export function formatMembers(list: readonly GroupMemberInfo[]): string {
  return formatTable(
    ["NAME", "ROLE", "STATE", "MESSAGES", "PEER ID"],
    list.map((m) => [m.name + (m.you ? " (you)" : ""), m.role, m.state === "waiting" ? "waiting for its key" : m.forked ? `${m.state}, ⚠ forked` : m.state, String(m.messages), m.peerId]),
  );
}
