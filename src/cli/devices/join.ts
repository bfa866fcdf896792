// `p2pchat devices join LINE`: makes this computer's home a device of the
// identity the line (from `devices add`) names: its own key, the identity's
// proof, the same peer id.
import { defineCommand } from "citty";
import { resolveHome } from "../../home/home.ts";
import { joinDevice } from "../../node/devices/join-device.ts";
import { colors } from "../../ui/colors.ts";
import { globalArgs, globals } from "../args/globals.ts";

export default defineCommand({
  meta: { name: "join", description: "Make this computer a device of your identity, with the line `p2pchat devices add` printed on another" },
  args: {
    line: { type: "positional", description: "The whole line, starting with p2pchat-device:", required: true },
    name: { type: "string", description: "This device's name (default: the one the line gives)", valueHint: "NAME" },
    port: { type: "string", description: "Port to listen on (default 20001)", valueHint: "N" },
    ...globalArgs,
  },
  async run({ args }) {
    const home = resolveHome(globals().home);
    const j = await joinDevice({ line: args.line, home, name: args.name, port: args.port, db: globals().db });
    if (j.tightened) process.stderr.write(`p2pchat: ${j.tightened}\n`);
    process.stdout.write(`joined ${j.config.name}'s identity as device ${j.name}${j.admin ? " (admin)" : ""}: peer id ${j.identity.peerId}, this device ${j.identity.deviceId}\n`);
    process.stderr.write(colors.dim(`Home ${home}: its own key; \`p2pchat serve\` links it to your other devices (${j.devices.map((d) => d.name).join(", ")}).\n`));
  },
});
