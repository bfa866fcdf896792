import { defineCommand } from "citty";
import { advertisedAddress } from "../node/local.ts";
import { local } from "./context.ts";
import { globalArgs } from "./globals.ts";

export default defineCommand({
  meta: { name: "id", description: "Print NAME PEER-ID HOST:PORT, what a friend needs to add you" },
  args: { ...globalArgs },
  async run() {
    const l = await local();
    process.stdout.write(`${l.config.name} ${l.identity.peerId} ${advertisedAddress(l.config)}\n`);
  },
});
