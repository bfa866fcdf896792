import { defineCommand } from "citty";
import { parseHost, parseListenPort } from "../domain/host-port.ts";
import { initHome, resolveHome, updateConfig } from "../home/home.ts";
import { advertisedAddress, redactUrl, storeTarget } from "../home/open-local.ts";
import { globalArgs, globals } from "./args/globals.ts";
import { handleFor } from "../domain/contact-name.ts";

export default defineCommand({
  meta: { name: "init", description: "Create this user's identity: key, self-signed certificate, config (never overwrites one)" },
  args: {
    name: {
      type: "string",
      description: 'Your name as peers see it, words apart by single spaces ("José Ñandú"; contacts type it José-Ñandú; default: your OS user name)',
      valueHint: "NAME",
    },
    host: { type: "string", description: "Address to listen on (default 0.0.0.0, every interface)", valueHint: "ADDR" },
    port: { type: "string", description: "Port to listen on (default 20001; 0 picks a free one now, kept from then on)", valueHint: "N" },
    ...globalArgs,
  },
  async run({ args }) {
    const home = resolveHome(globals().home);
    const db = globals().db;
    if (db) storeTarget(home, db); // refuse a bad URL before making anything
    // Port 0 means "any free one": pick it now and keep it, so the address
    // we print (and friends save) still works after a restart.
    let port: number | string | undefined = args.port;
    const picked = port !== undefined && parseListenPort(port) === 0;
    if (picked) port = freePort(args.host !== undefined ? parseHost(args.host) : "0.0.0.0");
    let { config, identity, tightened } = await initHome(home, { name: args.name, host: args.host, port });
    if (tightened) process.stderr.write(`p2pchat: ${tightened}\n`);
    if (db) {
      config = updateConfig(home, { db });
      process.stderr.write(`p2pchat: database ${redactUrl(db)} saved in ${home}'s config: every command of this home uses it (P2PCHAT_DB or --db override it)\n`);
    }
    // The id line (as `p2pchat id`): the name as a contact's, so it pastes into `contacts add`.
    process.stdout.write(`${handleFor(config.name)} ${identity.peerId} ${advertisedAddress(config)}\n`);
    process.stderr.write(`p2pchat: identity created in ${home}\n`);
    if (handleFor(config.name) !== config.name) {
      process.stderr.write(`p2pchat: peers see the name "${config.name}"; a name in commands has no spaces, so your contacts type ${handleFor(config.name)}\n`);
    }
    if (picked) process.stderr.write(`p2pchat: port ${config.port} was free and is yours from now on (saved in the config)\n`);
  },
});

/** A port free on `host` now: bound and released. */
function freePort(host: string): number {
  const probe = (hostname: string) => Bun.listen({ hostname, port: 0, socket: { data() {} } });
  let server: ReturnType<typeof probe>;
  try {
    server = probe(host);
  } catch {
    server = probe("0.0.0.0"); // an address this machine does not have (yet): any interface decides
  }
  const port = server.port;
  server.stop(true);
  return port;
}
