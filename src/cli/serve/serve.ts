import { defineCommand } from "citty";
import { LocalApi } from "../../control/local.ts";
import { formatHostPort, parseHost, parseListenPort } from "../../domain/host-port.ts";
import { advertisedAddress } from "../../home/open-local.ts";
import { logger } from "../../log.ts";
import { onStopSignals } from "../../signals.ts";
import { formatEvent } from "../../ui/events.ts";
import { SendMarks } from "../../ui/serve-marks.ts";
import { hostNode } from "../connect.ts";
import { local } from "../context.ts";
import { globalArgs } from "../args/globals.ts";
import { reachArgs, reachOptions } from "../args/reach-args.ts";
import { webArgs, webChoice } from "../args/web-args.ts";
import { pageLine } from "../web/web-face.ts";
import { linkKnobs } from "./link-knobs.ts";
import { logOutputTo } from "./log-file.ts";
import { runCommandLine } from "./serve-input.ts";
import { inputLines } from "../../transport/lines.ts";
import { lineText, MAX_LINE_BYTES } from "../messages/message-input.ts";
import { handleFor } from "../../domain/contact-name.ts";

export default defineCommand({
  meta: { name: "serve", description: "Run your node in the foreground until Ctrl-C: receive, deliver, keep links" },
  args: {
    port: { type: "string", description: "Port to listen on (default: the config's, 20001; 0 picks a free one)", valueHint: "N" },
    host: { type: "string", description: "Address to listen on (default: the config's, 0.0.0.0)", valueHint: "ADDR" },
    hidden: { type: "boolean", description: "Start hidden: no listening, no dialing; messages wait as pending" },
    "contacts-only": { type: "boolean", description: "Refuse peers that are not in your contacts" },
    "legacy-port": { type: "string", description: "Also accept the original program's plaintext connections on this port (unencrypted, unauthenticated)", valueHint: "N" },
    log: { type: "string", description: "Also write what serve prints to FILE, timestamped (owner-only; rotated at 10 MiB, 3 kept)", valueHint: "FILE" },
    ...reachArgs,
    ...webArgs,
    ...globalArgs,
  },
  async run({ args, rawArgs }) {
    if (args.log) logOutputTo(args.log);
    const port = args.port !== undefined ? parseListenPort(args.port) : undefined;
    const host = args.host !== undefined ? parseHost(args.host) : undefined;
    const legacyPort = args["legacy-port"] !== undefined ? parseListenPort(args["legacy-port"]) : undefined;
    const l = await local();
    const page = webChoice(args as { web?: string | boolean }, l.config);
    const { node, control, web } = await hostNode(l, {
      host,
      port,
      discoverable: args.hidden ? false : l.config.discoverable,
      contactsOnly: args["contacts-only"],
      legacyPort,
      command: "serve",
      reach: reachOptions(args, l.config, rawArgs),
      limits: linkKnobs(process.env),
    }, page);
    // A person types at a terminal: each message gets its pending line, then its delivered line.
    const echo = Boolean(process.stdin.isTTY);
    const marks = echo ? new SendMarks((line) => process.stdout.write(line + "\n")) : undefined;
    node.on((e) => {
      const line = formatEvent(e);
      if (line) process.stdout.write(line + "\n");
      marks?.onEvent(e);
    });
    const api = new LocalApi(node, { ownsNode: false });

    const done = Promise.withResolvers<void>();
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.debug(`${signal}: shutting down`);
      const why = `the \`p2pchat serve\` that ran this node (pid ${process.pid}) stopped`;
      control.stop(why);
      web?.stop(why);
      await node.stop();
      process.stderr.write("p2pchat: stopped\n");
      done.resolve();
    };
    onStopSignals((signal) => void shutdown(signal));
    // Signals are handled before the ready line: whoever waits for it may stop us at once.
    const listening = node.listening;
    const where = listening ? `listening on ${formatHostPort(listening.host, listening.port)} (peers dial ${node.addresses()[0]})` : "hidden (not listening)";
    process.stdout.write(`ready: ${node.name} ${node.peerId} ${where}\n`);
    const legacy = (await node.status()).legacyListening;
    if (legacy) process.stdout.write(`legacy: accepting the original program's plaintext connections on ${legacy}: UNENCRYPTED, UNAUTHENTICATED\n`);
    if (web) process.stdout.write(pageLine(web) + "\n");
    // Where you stand, once the port mapping's first try (and the relays'
    // first join) are over, then the line to give a friend: what `p2pchat
    // id` prints, ready to paste, with the address the invite leads with.
    const firstLines = node.reach.settled().then(() => {
      if (stopping) return;
      const friendAt = node.listening ? node.addresses()[0] : advertisedAddress({ ...l.config, host: host ?? l.config.host }, port ?? l.config.port);
      for (const line of node.reach.verdict().lines) process.stdout.write(line + "\n");
      process.stdout.write(`a friend adds you with: p2pchat contacts add ${handleFor(node.name)} ${node.peerId} ${friendAt}\n`);
      process.stdout.write(`or with a one-line invite, which adds them on your side too: p2pchat invite\n`);
    });
    void (async () => {
      for await (const input of inputLines(Bun.stdin.stream(), MAX_LINE_BYTES)) {
        if (stopping) break;
        let line: string;
        try {
          line = lineText(input);
        } catch (err) {
          process.stderr.write(`p2pchat: error: ${(err as Error).message}\n`);
          continue;
        }
        // A way to stop that needs no signal: Windows has no SIGTERM, and a
        // program that drives serve through its stdin may not own its console.
        if (line.trim() === "/quit") {
          void shutdown("/quit");
          break;
        }
        // Messages are stored in the order they were typed without waiting
        // for each commit (a pasted or piped batch goes in one transaction);
        // commands run one at a time.
        const run = runCommandLine(api, line, { echo, marks }).then(
          (out) => out && process.stdout.write(out + "\n"),
          (err: Error) => process.stderr.write(`p2pchat: error: ${err.message}\n`),
        );
        if (line.startsWith("/")) await run;
      }
    })();
    await done.promise;
    await firstLines;
  },
});
