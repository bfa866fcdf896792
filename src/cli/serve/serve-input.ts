// What `serve` reads on stdin: `@name text`, the original program's
// `<ip> <port> <text>`, and a few slash commands.
import type { NodeApi, SendResult } from "../../control/api.ts";
import type { SendMarks } from "../../ui/serve-marks.ts";
import { formatStatus } from "../../ui/status.ts";
import { parseHost, parsePort } from "../../domain/host-port.ts";
import { checkMessage } from "../messages/message-input.ts";

export const SERVE_HELP = [
  "@NAME TEXT             send TEXT to the contact NAME (@#GROUP TEXT: to a group)",
  "<ip> <port> <text>     the original program's form: replies on a legacy peer's connection from there,",
  "                       else sends to the contact at that address",
  "/status                discoverable, links, pending messages",
  "/discoverable on|off   show yourself to peers or hide",
  "/help                  this text",
  "/quit, Ctrl-C          stop (nothing is lost: pending messages wait for the next run)",
].join("\n");

export interface CommandLineOptions {
  /** A person types (a terminal): each message gets a line with its mark. */
  echo: boolean;
  /** Follows what was sent, to print its delivered mark when it comes. */
  marks?: SendMarks;
}

/** Runs one line; returns what to print, if anything. */
export async function runCommandLine(api: NodeApi, raw: string, opts: CommandLineOptions = { echo: true }): Promise<string | null> {
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
    const text = checkMessage(at[2]!);
    const r = await api.send(at[1]!, text);
    return opts.echo ? sentLine(r, text, opts) : null;
  }
  const orig = /^(\S+)\s+(\d{1,5})\s+([\s\S]+)$/.exec(line);
  if (orig) {
    const text = checkMessage(orig[3]!);
    const r = await api.sendTo(parseHost(orig[1]!), parsePort(orig[2]!), text);
    return opts.echo ? sentLine(r, text, opts) : null;
  }
  return "not understood: write @NAME TEXT, or /help";
}

function sentLine(r: SendResult, text: string, opts: CommandLineOptions): string {
  return opts.marks ? opts.marks.follow(r, text) : `(queued for ${r.peer})`;
}
