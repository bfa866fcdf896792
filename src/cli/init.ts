import { defineCommand } from "citty";
import { initHome, resolveHome, updateConfig } from "../node/home.ts";
import { advertisedAddress, resolveStoreTarget } from "../node/local.ts";
import { globalArgs, globals } from "./globals.ts";

export default defineCommand({
  meta: { name: "init", description: "Create this user's identity: key, self-signed certificate, config (never overwrites one)" },
  args: {
    name: { type: "string", description: "Display name announced to peers (default: your OS user name)", valueHint: "NAME" },
    host: { type: "string", description: "Address to listen on (default 0.0.0.0, every interface)", valueHint: "ADDR" },
    port: { type: "string", description: "Port to listen on (default 20001; 0 picks a free one)", valueHint: "N" },
    ...globalArgs,
  },
  async run({ args }) {
    const home = resolveHome(globals().home);
    let { config, identity, tightened } = await initHome(home, { name: args.name, host: args.host, port: args.port });
    if (tightened) process.stderr.write(`p2pchat: ${tightened}\n`);
    const db = globals().db;
    if (db) {
      resolveStoreTarget(home, config, db); // refuse a bad URL before saving it
      config = updateConfig(home, { db });
    }
    process.stdout.write(`${config.name} ${identity.peerId} ${advertisedAddress(config)}\n`);
    process.stderr.write(`p2pchat: identity created in ${home}\n`);
  },
});
