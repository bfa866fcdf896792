// `p2pchat nearby`: nodes heard on the LAN in the last 90 s (their beacons
// are hints: the TLS pin decides who answers at those addresses).
import { defineCommand } from "citty";
import { ControlClient } from "../../control/client.ts";
import { colors } from "../../ui/colors.ts";
import { local } from "../context.ts";
import { ExitCode } from "../exit-codes.ts";
import { globalArgs } from "../args/globals.ts";

export default defineCommand({
  meta: { name: "nearby", description: "Nodes heard on your LAN in the last 90 s: peer id, address, and which contact each is" },
  args: { json: { type: "boolean", description: "Print a JSON array" }, ...globalArgs },
  async run({ args }) {
    const l = await local();
    const api = await ControlClient.connect(l.home);
    if (!api) {
      process.stderr.write("p2pchat: no node is running for this home: LAN beacons are heard by a running, discoverable node (p2pchat serve)\n");
      throw new ExitCode(1);
    }
    try {
      const list = await api.nearby();
      if (args.json) {
        process.stdout.write(JSON.stringify(list, null, 2) + "\n");
        return;
      }
      if (list.length === 0) {
        const st = await api.status();
        const why = !st.discoverable
          ? "you are hidden, and a hidden node neither announces itself nor listens for others (p2pchat discoverable on)"
          : st.reach?.lan === "off"
            ? "LAN discovery is off for this node (--no-lan, the lan setting, or P2PCHAT_DISCOVERY=off)"
            : "nobody heard on the LAN in the last 90 s";
        process.stdout.write(colors.dim(why) + "\n");
        return;
      }
      for (const n of list) {
        const who = n.contact ? colors.bold(n.contact) : colors.yellow("not a contact") + colors.dim(` (p2pchat add ${n.peerId.split("-")[0]}... adds it)`);
        process.stdout.write(`${n.peerId}  ${n.addresses.join(" ")}  ${who}\n`);
      }
    } finally {
      await api.close();
    }
  },
});
