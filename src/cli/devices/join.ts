// `p2pchat devices join LINE`: makes this computer's home a device of the
// identity the line (from `devices add`) names: its own key, the identity's
// proof, the same peer id.
import { defineCommand } from "citty";
import { resolveHome } from "../../home/home.ts";
import { joinDevice } from "../../node/devices/join-device.ts";
import { colors } from "../../ui/colors.ts";
import { globalArgs, globals } from "../args/globals.ts";
import { catchUpAfterJoin } from "./join-sync.ts";

export default defineCommand({
  meta: { name: "join", description: "Make this computer a device of your identity, with the line `p2pchat devices add` printed on another" },
  args: {
    line: { type: "positional", description: "The whole line, starting with p2pchat-device:", required: true },
    name: { type: "string", description: "This device's name (default: the one the line gives)", valueHint: "NAME" },
    port: { type: "string", description: "Port to listen on (default 20001)", valueHint: "N" },
    sync: { type: "boolean", description: "Catch up from your other devices now (--no-sync: at the next `p2pchat serve`)", default: true },
    ...globalArgs,
  },
  async run({ args }) {
    const home = resolveHome(globals().home);
    const j = await joinDevice({ line: args.line, home, name: args.name, port: args.port, db: globals().db });
    if (j.tightened) process.stderr.write(`p2pchat: ${j.tightened}\n`);
    process.stdout.write(`joined ${j.config.name}'s identity as device ${j.name}${j.admin ? " (admin)" : ""}: peer id ${j.identity.peerId}, this device ${j.identity.deviceId}\n`);
    if (!args.sync) {
      process.stderr.write(colors.dim(`Home ${home}: its own key; \`p2pchat serve\` links it to your other devices (${j.devices.map((d) => d.name).join(", ")}) and catches up.\n`));
      return;
    }
    const tty = process.stderr.isTTY === true;
    const done = await catchUpAfterJoin({
      home,
      db: globals().db,
      // On a terminal one line, rewritten; elsewhere a line each time it moves.
      say: (line, final) => process.stderr.write(tty ? `\r\x1b[K${line}${final ? "\n" : ""}` : `${line}\n`),
    });
    if (!done.linked) {
      process.stdout.write(`none of your other devices (${j.devices.map((d) => d.name).join(", ")}) answered: \`p2pchat serve\` here catches up once one runs\n`);
      return;
    }
    process.stdout.write(`synced: ${done.entries.toLocaleString("en")} entries from your other devices (contacts, requests, history, read marks) in ${(done.ms / 1000).toFixed(1)} s\n`);
  },
});
