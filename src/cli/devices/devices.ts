// `p2pchat devices`: this identity on several computers. `devices` lists
// them; `add` prints a one-time line for a new device and waits until it has
// joined; `join LINE` (join.ts) makes this computer one; `revoke` removes one.
import { defineCommand } from "citty";
import type { NodeApi } from "../../control/api.ts";
import { formatDateTime } from "../../ui/format.ts";
import { colors } from "../../ui/colors.ts";
import { withSpinner } from "../../ui/spinner.ts";
import { connectNode, withNode } from "../connect.ts";
import { globalArgs } from "../args/globals.ts";
import { parseSeconds } from "../args/parse.ts";
import { ExitCode } from "../exit-codes.ts";
import { waitOrSay } from "../interrupt.ts";

type Listing = Awaited<ReturnType<NodeApi["devices"]>>[number];

const list = defineCommand({
  meta: { name: "list", description: "List this identity's devices: id, name, this one, last seen, linked now" },
  args: { json: { type: "boolean", description: "Print a JSON array" }, ...globalArgs },
  async run({ args }) {
    const devices = await withNode("devices", (api) => api.devices());
    if (args.json) {
      process.stdout.write(JSON.stringify(devices.map((d) => ({ id: d.id, name: d.name, self: d.self, admin: d.admin, lastSeen: d.lastSeen, linked: d.linked, revoked: d.revokedAt })), null, 2) + "\n");
      return;
    }
    process.stdout.write(devices.map(formatDevice).join("\n") + "\n");
  },
});

function formatDevice(d: Listing): string {
  const marks = [d.self ? "this device" : d.linked ? colors.green("linked") : d.lastSeen ? `last seen ${formatDateTime(d.lastSeen)}` : "never seen", d.admin ? "admin" : ""];
  if (d.revokedAt) return colors.dim(`${d.name}  ${d.id}  revoked ${formatDateTime(d.revokedAt)}`);
  return `${d.name}  ${d.id}  ${marks.filter(Boolean).join(", ")}`;
}

const add = defineCommand({
  meta: { name: "add", description: "Print a one-time line (10 minutes) that makes another computer a device of your identity (`p2pchat devices join LINE` there), and wait until it joins" },
  args: {
    name: { type: "string", description: "The new device's name (default: device N)", valueHint: "NAME" },
    admin: { type: "boolean", description: "It may add and revoke devices too: it gets a copy of the identity key" },
    wait: { type: "string", description: "Seconds to wait for it to join (default 600, the line's life); --no-wait only prints the line", valueHint: "SECONDS" },
    ...globalArgs,
  },
  async run({ args }) {
    const noWait = (args.wait as unknown) === false;
    const seconds = noWait ? 0 : parseSeconds("--wait", args.wait, 600);
    const { api } = await connectNode({ command: "devices add" });
    const joined = Promise.withResolvers<string>();
    let token = "";
    const unsubscribe = await api.subscribe((e) => {
      if (e.type === "device" && e.change === "joined" && e.id === token) joined.resolve(e.name);
    });
    try {
      const line = await api.deviceAdd({ name: args.name, admin: args.admin });
      token = line.token;
      process.stdout.write(line.text + "\n");
      process.stderr.write(
        colors.dim(`On the new computer: p2pchat devices join <line>. It admits one device until ${formatDateTime(line.expires)}; keep it secret meanwhile: whoever uses it first becomes your device.\n`),
      );
      if (seconds === 0) return;
      if (!(await api.status()).discoverable) {
        process.stderr.write(`p2pchat: you are hidden, so the new device cannot reach this one: \`p2pchat discoverable on\` first\n`);
        throw new ExitCode(1);
      }
      const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), seconds * 1000).unref());
      const stays = () => "the line still admits one device while this node runs";
      const name = await withSpinner("waiting for the new device to join", waitOrSay(Promise.race([joined.promise, timeout]), stays));
      if (name === null) {
        process.stderr.write(`p2pchat: no device joined within ${seconds} s\n`);
        throw new ExitCode(1);
      }
      process.stdout.write(`${name} joined: it is a device of your identity now (it links to your other devices when its node runs)\n`);
    } finally {
      unsubscribe();
      await api.close();
    }
  },
});

const revoke = defineCommand({
  meta: { name: "revoke", description: "Revoke a device (by name or id): your other devices and your contacts refuse it from then on" },
  args: { device: { type: "positional", description: "Its name or id (or the id's first characters), as `p2pchat devices` lists it", required: true }, ...globalArgs },
  async run({ args }) {
    const { d, linked } = await withNode("devices", async (api) => ({ d: await api.deviceRevoke(args.device), linked: (await api.status()).discoverable }));
    process.stdout.write(`revoked ${d.name} (${d.id}): refused by your devices and contacts from now on\n`);
    if (!linked) process.stderr.write(colors.dim(`The revocation reaches your devices and contacts as your node links to them (while serve, chat or send runs).\n`));
  },
});

export default defineCommand({
  meta: { name: "devices", description: "Your identity on several computers: list, add, join, revoke" },
  args: { ...globalArgs },
  subCommands: { list, add, join: () => import("./join.ts").then((m) => m.default), revoke },
  default: "list",
});
