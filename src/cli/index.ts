// The command tree and the runner: dispatch, --help, unknown commands and
// flags (exit 2), and one-line errors (stack traces only with --debug).
//
// One file per command, in rooms by what it is about: messages/ (send, chat,
// cancel, history, search, and waiting for delivery), contacts/ (contacts,
// groups, invites, requests, nearby), serve/ (the node in the foreground and
// what it reads and logs), service/ (keeping serve running through systemd
// or launchd), web/ (the page: the command that opens it, and serving it
// beside a node). args/ parses what every command takes. Here: the runner,
// exit codes (errors.ts), how a command reaches its home and node
// (context.ts, connect.ts), the home's small commands and the network tools
// (lookup, relay).
import { defineCommand, renderUsage, runCommand, type ArgsDef, type CommandDef } from "citty";
import { setDebug } from "../log.ts";
import { NodeError } from "../domain/node-error.ts";
import { isInitialized, resolveHome } from "../home/home.ts";
import { PromptError } from "../ui/prompt.ts";
import { errColors, stdoutColor, stripAnsi } from "../ui/colors.ts";
import { VERSION, versionLine } from "../version.ts";
import { ExitCode, exitCodeFor, UsageError } from "./exit-codes.ts";
import { extractGlobals, MissingValue } from "./args/globals.ts";
import { checkArgs } from "./args/check-args.ts";
import { nearest } from "./args/nearest.ts";

const lazy = <T,>(load: () => Promise<{ default: T }>) => () => load().then((m) => m.default);

export const root = defineCommand({
  meta: { name: "p2pchat", version: VERSION, description: "Peer-to-peer chat: no server, TLS between peers, your messages in your own database" },
  subCommands: {
    init: lazy(() => import("./init.ts")),
    id: lazy(() => import("./id.ts")),
    serve: lazy(() => import("./serve/serve.ts")),
    chat: lazy(() => import("./messages/chat.ts")),
    send: lazy(() => import("./messages/send.ts")),
    files: lazy(() => import("./messages/files.ts")),
    config: lazy(() => import("./config.ts")),
    status: lazy(() => import("./status.ts")),
    discoverable: lazy(() => import("./discoverable.ts")),
    contacts: lazy(() => import("./contacts/contacts.ts")),
    group: lazy(() => import("./contacts/group.ts")),
    requests: lazy(() => import("./contacts/requests.ts")),
    invite: lazy(() => import("./contacts/invite.ts")),
    add: lazy(() => import("./contacts/add.ts")),
    nearby: lazy(() => import("./contacts/nearby.ts")),
    devices: lazy(() => import("./devices/devices.ts")),
    cancel: lazy(() => import("./messages/cancel.ts")),
    history: lazy(() => import("./messages/history.ts")),
    search: lazy(() => import("./messages/search.ts")),
    db: lazy(() => import("./db.ts")),
    service: lazy(() => import("./service/service.ts")),
    lookup: lazy(() => import("./lookup.ts")),
    relay: lazy(() => import("./relay.ts")),
    web: lazy(() => import("./web/web.ts")),
    // Answered by runCli itself (it needs the whole tree); here to be listed.
    help: defineCommand({
      meta: { name: "help", description: "Show how to use p2pchat or one of its commands: p2pchat help [COMMAND...]" },
      args: { command: { type: "positional", description: "A command, e.g. contacts add", required: false } },
    }),
  },
});

type AnyCommand = CommandDef<ArgsDef>;

interface Resolved {
  cmd: AnyCommand;
  path: string[];
  args: string[];
}

const resolve = async <T,>(v: unknown): Promise<T> => (typeof v === "function" ? await (v as () => T)() : await (v as T));

/**
 * Walks subcommands the way citty does: the first positional names the next
 * one. For help (`forHelp`), a command named without a subcommand is itself
 * the answer (its usage lists them), not its default subcommand.
 */
async function resolveCommand(cmd: AnyCommand, args: string[], forHelp = false, path: string[] = []): Promise<Resolved> {
  const subs = await resolve<Record<string, unknown> | undefined>(cmd.subCommands);
  if (!subs || Object.keys(subs).length === 0) return { cmd, path, args };
  const argDefs = await resolve<ArgsDef>(cmd.args ?? {});
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") return { cmd, path, args };
    if (!a.startsWith("-")) break;
    const name = a.replace(/^--?/, "").split("=")[0]!;
    if (!a.includes("=") && (argDefs[name]?.type === "string" || argDefs[name]?.type === "enum")) i++;
  }
  const name = args[i];
  if (name === undefined) {
    const def = await resolve<string | undefined>(cmd.default);
    if (def && subs[def] && !forHelp) return resolveCommand(await resolve<AnyCommand>(subs[def]), args, forHelp, [...path, def]);
    return { cmd, path, args };
  }
  const sub = subs[name];
  if (!sub) {
    const where = ["p2pchat", ...path].join(" ");
    const near = nearest(name, Object.keys(subs));
    const hint = near ? `: did you mean ${near}?` : ` (one of: ${Object.keys(subs).join(", ")})`;
    throw new UsageError(`unknown command ${JSON.stringify(name)} for \`${where}\`${hint}`, where);
  }
  return resolveCommand(await resolve<AnyCommand>(sub), [...args.slice(0, i), ...args.slice(i + 1)], forHelp, [...path, name]);
}

async function printUsage(r: Resolved): Promise<void> {
  const parent = r.path.length > 0 ? { meta: { name: ["p2pchat", ...r.path.slice(0, -1)].join(" "), version: VERSION } } : undefined;
  const text = await renderUsage(r.cmd, parent);
  process.stdout.write((stdoutColor ? text : stripAnsi(text)) + "\n");
}

/** Runs the CLI and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  let debug = argv.includes("--debug");
  // Everything this process creates is private to the user: the database
  // and its -wal/-shm, config, key, socket (SQLite has no mode option).
  if (process.platform !== "win32") process.umask(0o077);
  try {
    const { globals, rest } = extractGlobals(argv);
    debug = globals.debug;
    setDebug(debug);
    const helpAt = rest.findIndex((a) => a === "--help" || a === "-h");
    const dashdash = rest.indexOf("--");
    const wantsHelp = helpAt >= 0 && (dashdash < 0 || helpAt < dashdash);
    if (rest.length === 1 && (rest[0] === "--version" || rest[0] === "-v")) {
      process.stdout.write(`${versionLine()}\n`);
      return 0;
    }
    // `p2pchat help contacts add` is `p2pchat contacts add --help`.
    if (rest[0] === "help") {
      const words = rest.slice(1).filter((a) => a !== "--help" && a !== "-h");
      const resolved = await resolveCommand(root, words, true);
      if (resolved.args.length > 0) throw new UsageError(`unknown command ${JSON.stringify(resolved.args[0])} for \`${["p2pchat", ...resolved.path].join(" ")}\``, "p2pchat help");
      await printUsage(resolved);
      return 0;
    }
    // `p2pchat` alone on a terminal, for someone who has an identity: their conversations.
    if (rest.length === 0 && process.stdin.isTTY && process.stdout.isTTY && isInitialized(resolveHome(globals.home))) rest.push("chat");
    const resolved = await resolveCommand(root, wantsHelp ? rest.filter((_, i) => i !== helpAt) : rest, wantsHelp);
    if (wantsHelp || (resolved.path.length === 0 && rest.length === 0)) {
      await printUsage(resolved);
      return 0;
    }
    if (resolved.path.length === 0) {
      throw new UsageError(`unknown option ${JSON.stringify(rest[0])}`, "p2pchat");
    }
    await checkArgs(resolved.cmd, resolved.args, ["p2pchat", ...resolved.path].join(" "));
    await runCommand(resolved.cmd, { rawArgs: resolved.args });
    return 0;
  } catch (err) {
    return report(err, debug);
  }
}

function report(err: unknown, debug: boolean): number {
  const code = exitCodeFor(err);
  if (err instanceof ExitCode) return err.code;
  // Ctrl-C at a question: the person knows, the question stays on screen as it was.
  if (err instanceof PromptError && err.code === "INTERRUPTED") return code;
  if (err instanceof PromptError) {
    process.stderr.write(`p2pchat: ${err.message}\n`);
    return code;
  }
  const red = errColors.red;
  if (err instanceof MissingValue) {
    process.stderr.write(`p2pchat: ${err.message}\n`);
    return 2;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`p2pchat: ${err.message}${err.helpFor ? ` (see \`${err.helpFor} --help\`)` : ""}\n`);
    return code;
  }
  // citty's own argument errors (a missing positional, a bad enum value).
  if (err instanceof Error && err.name === "CLIError") {
    process.stderr.write(`p2pchat: ${stripAnsi(err.message)}\n`);
    return 2;
  }
  const message = (err instanceof Error ? err.message : String(err)).split("\n")[0];
  const expected = err instanceof NodeError;
  const hint = !expected && !debug ? " (run again with --debug for details)" : "";
  process.stderr.write(`p2pchat: ${red("error:")} ${message}${hint}\n`);
  if (debug && err instanceof Error) process.stderr.write(`${err.stack ?? ""}\n${err.cause instanceof Error ? `cause: ${err.cause.stack}\n` : ""}`);
  return code;
}
