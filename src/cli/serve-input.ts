// What `serve` reads on stdin: `@name text`, the original program's
// `<ip> <port> <text>`, and a few slash commands.
import type { NodeApi } from "../control/api.ts";
import { formatStatus } from "../ui/status.ts";
import { parseHost, parsePort } from "../node/address.ts";
import { checkMessage } from "./message-input.ts";

export const SERVE_HELP = [
  "@NAME TEXT             send TEXT to the contact NAME (@#GROUP TEXT: to a group)",
  "<ip> <port> <text>     the original program's form: replies on a legacy peer's connection from there,",
  "                       else sends to the contact at that address",
  "/status                discoverable, links, pending messages",
  "/discoverable on|off   show yourself to peers or hide",
  "/help                  this text",
  "Ctrl-C                 stop (nothing is lost: pending messages wait for the next run)",
].join("\n");

/** Runs one line; returns what to print, if anything. */
export async function runCommandLine(api: NodeApi, raw: string, opts: { echo: boolean } = { echo: true }): Promise<string | null> {
  const line = raw.trim();
  if (!line) return null;
  if (line === "/help") return SERVE_HELP;
  if (line === "/status") return formatStatus(await api.status(), true);
  const disc = /^\/discoverable\s+(on|off)$/.exec(line);
  if (disc) {
    await api.setDiscoverable(disc[1] === "on");
    return null;
  }
  const at = /^@(\S+)\s+([\s\S]+)$/.exec(line);
  if (at) {
    const r = await api.send(at[1]!, checkMessage(at[2]!));
    return opts.echo ? `(queued for ${r.peer})` : null;
  }
  const orig = /^(\S+)\s+(\d{1,5})\s+([\s\S]+)$/.exec(line);
  if (orig) {
    const r = await api.sendTo(parseHost(orig[1]!), parsePort(orig[2]!), checkMessage(orig[3]!));
    return opts.echo ? `(queued for ${r.peer})` : null;
  }
  return "not understood: write @NAME TEXT, or /help";
}
