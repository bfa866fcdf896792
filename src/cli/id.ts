import { defineCommand } from "citty";
import { ControlClient } from "../control/client.ts";
import { advertisedAddress } from "../home/open-local.ts";
import { addressScope } from "../reach/net/addresses.ts";
import { local } from "./context.ts";
import { globalArgs } from "./args/globals.ts";
import { handleFor } from "../domain/contact-name.ts";

export default defineCommand({
  meta: { name: "id", description: "Print NAME PEER-ID HOST:PORT, what a friend needs to add you" },
  args: { ...globalArgs },
  async run() {
    const l = await local();
    // A running node knows where it listens (its port may not be the
    // config's) and its public mapped address: the address it gives is the
    // one its invites lead with.
    let address = (await runningAddresses(l.home))?.[0];
    if (!address) {
      let port = l.config.port;
      if (port === 0) {
        // A config that says "any free port" (init picks one now; older homes may not have).
        process.stderr.write(`p2pchat: the config says port 0: each start picks another free port, so friends cannot keep your address; set "port" in ${l.home}/config.json\n`);
      }
      address = advertisedAddress(l.config, port);
      const host = address.slice(0, address.lastIndexOf(":")).replace(/^\[|\]$/g, "");
      if (addressScope(host) === "loopback" && addressScope(l.config.host) !== "loopback") {
        process.stderr.write(`p2pchat: this machine has no network address yet: ${address} reaches you only from this machine\n`);
      }
    }
    // The line a friend pastes into `contacts add`: the name as a contact's (no spaces).
    process.stdout.write(`${handleFor(l.config.name)} ${l.identity.peerId} ${address}\n`);
  },
});

/** Where the node running for `home` can be reached, best first; null when none runs, [] when it does not listen. */
async function runningAddresses(home: string): Promise<string[] | null> {
  const remote = await ControlClient.connect(home);
  if (!remote) return null;
  try {
    return (await remote.status()).addresses ?? [];
  } finally {
    await remote.close();
  }
}
