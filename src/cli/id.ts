import { defineCommand } from "citty";
import { ControlClient } from "../control/client.ts";
import { advertisedAddress } from "../node/local.ts";
import { local } from "./context.ts";
import { globalArgs } from "./globals.ts";

export default defineCommand({
  meta: { name: "id", description: "Print NAME PEER-ID HOST:PORT, what a friend needs to add you" },
  args: { ...globalArgs },
  async run() {
    const l = await local();
    let port = l.config.port;
    if (port === 0) {
      // A config that says "any free port" (init picks one now; older homes may not have).
      const running = await listeningPort(l.home);
      if (running) port = running;
      else process.stderr.write(`p2pchat: the config says port 0: each start picks another free port, so friends cannot keep your address; set "port" in ${l.home}/config.json\n`);
    }
    process.stdout.write(`${l.config.name} ${l.identity.peerId} ${advertisedAddress(l.config, port)}\n`);
  },
});

/** The port the serve for `home` listens on, if one runs and listens. */
async function listeningPort(home: string): Promise<number | null> {
  const remote = await ControlClient.connect(home);
  if (!remote) return null;
  try {
    const listening = (await remote.status()).listening;
    return listening ? Number(listening.slice(listening.lastIndexOf(":") + 1)) || null : null;
  } finally {
    await remote.close();
  }
}
