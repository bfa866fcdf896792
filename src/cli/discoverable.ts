import { defineCommand } from "citty";
import { ControlClient } from "../control/client.ts";
import { updateConfig } from "../home/home.ts";
import { local } from "./context.ts";
import { UsageError } from "./exit-codes.ts";
import { globalArgs } from "./args/globals.ts";

export default defineCommand({
  meta: { name: "discoverable", description: "Show yourself to peers (on) or hide (off); a running serve switches at once" },
  args: { state: { type: "positional", description: "on or off", required: true }, ...globalArgs },
  async run({ args }) {
    const state = String(args.state).toLowerCase();
    if (state !== "on" && state !== "off") throw new UsageError(`discoverable takes on or off, not ${JSON.stringify(args.state)}`, "p2pchat discoverable");
    const on = state === "on";
    const l = await local();
    const remote = await ControlClient.connect(l.home);
    if (remote) {
      try {
        await remote.setDiscoverable(on);
      } finally {
        await remote.close();
      }
      process.stdout.write(on ? "discoverable: pending messages are on their way both ways\n" : "hidden: not listening, not dialing; messages wait as pending\n");
      return;
    }
    updateConfig(l.home, { discoverable: on });
    process.stdout.write(`${on ? "discoverable" : "hidden"}: saved; no serve is running, the next serve or chat starts ${on ? "discoverable" : "hidden"}\n`);
  },
});
