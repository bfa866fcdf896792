// `p2pchat service install|uninstall|status`: keeps `serve` running for this
// home after logout and across reboots, through the system's own service
// manager (a systemd user unit on Linux, a launchd agent on macOS). The
// service runs this very executable (or, from source, this bun and main.ts)
// with the home and database this command was given, logging to serve.log.
import { defineCommand } from "citty";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { probeControl } from "../../control/client.ts";
import { controlPath } from "../../control/path.ts";
import { defaultHome } from "../../home/default-home.ts";
import { resolveHome } from "../../home/home.ts";
import { local } from "../context.ts";
import { UsageError } from "../exit-codes.ts";
import { globalArgs, globals } from "../args/globals.ts";
import { serviceName, type ServiceSpec } from "./service-files.ts";
import { redactUrl } from "../../home/open-local.ts";
import { serviceManager, shellQuote, type ManagerState, type ServiceManager } from "./service-manager.ts";

export const SERVE_LOG = "serve.log";

/** The manager of this home's service (each home has its own). */
function manager(home: string): ServiceManager {
  const m = serviceManager(serviceName(home, defaultHome()));
  if (!m) throw new UsageError(`p2pchat service knows systemd (Linux) and launchd (macOS); on ${process.platform}, start \`p2pchat serve\` at logon yourself (e.g. with the Task Scheduler)`);
  return m;
}

/** A compiled p2pchat runs its entry from Bun's embedded file system. */
function isCompiled(): boolean {
  return /^(\/\$bunfs\/|[A-Za-z]:[\\/]~BUN[\\/])/.test(Bun.main);
}

/** What the service runs: `serve` for `home`, with `db` when one was given, logging into the home. */
export function serviceSpec(home: string, db: string | undefined): ServiceSpec {
  const self = isCompiled() ? [process.execPath] : [process.execPath, resolve(Bun.main)];
  return {
    name: serviceName(home, defaultHome()),
    argv: [...self, "serve", "--home", home, ...(db ? ["--db", db] : []), "--log", join(home, SERVE_LOG)],
    home,
    logFile: join(home, SERVE_LOG),
    stderrFile: join(home, "serve.stderr.log"),
  };
}

const say = (line = "") => process.stdout.write(line + "\n");

const install = defineCommand({
  meta: { name: "install", description: "Write and enable a service that runs `serve` for this home (systemd user unit, launchd agent), restarted when it fails" },
  args: { ...globalArgs },
  async run() {
    const l = await local(); // a fresh home gets its identity now, not in the service's first run
    const m = manager(l.home);
    const spec = serviceSpec(l.home, globals().db ?? process.env.P2PCHAT_DB);
    mkdirSync(dirname(m.file), { recursive: true });
    // Owner-only: the command line may hold a database password.
    const tmp = `${m.file}.${process.pid}.tmp`;
    writeFileSync(tmp, m.text(spec), { mode: 0o600 });
    renameSync(tmp, m.file);
    say(`wrote ${m.file}`);
    say(`  runs ${spec.argv.map((a, i) => shellQuote(spec.argv[i - 1] === "--db" ? redactUrl(a) : a)).join(" ")}`);
    const r = m.enable();
    if (r.ok) for (const n of r.notes) say(n);
    else {
      say(`not enabled: ${r.why}`);
      say("to enable and start it, run in your login session:");
      for (const c of r.later) say(`  ${c}`);
    }
    say(`follow the log: ${m.followLog(spec)}`);
    if (m.platform === "linux") say(`  or: tail -f ${shellQuote(spec.logFile)}`);
  },
});

const uninstall = defineCommand({
  meta: { name: "uninstall", description: "Stop and remove the service (the log and the home stay)" },
  args: { ...globalArgs },
  async run() {
    const m = manager(resolveHome(globals().home));
    if (!existsSync(m.file)) {
      say(`no service installed (nothing at ${m.file})`);
      return;
    }
    const r = m.disable();
    rmSync(m.file, { force: true });
    m.forget();
    if (r.ok) for (const n of r.notes) say(n);
    else {
      say(`could not stop it: ${r.why}`);
      say("if it is still running, run in your login session:");
      for (const c of r.later) say(`  ${c}`);
    }
    say(`removed ${m.file}`);
  },
});

const status = defineCommand({
  meta: { name: "status", description: "Whether the service is installed, enabled and running" },
  args: { json: { type: "boolean", description: "Print JSON" }, ...globalArgs },
  async run({ args }) {
    const home = resolveHome(globals().home);
    const m = manager(home);
    const installed = existsSync(m.file);
    const state: ManagerState = installed
      ? m.state()
      : { enabled: "no", enabledDetail: "not installed", running: "no", runningDetail: "not installed" };
    const path = controlPath(home);
    const answering = path !== null && (await probeControl(path));
    if (args.json) {
      say(JSON.stringify({ installed, file: m.file, ...state, home, serveAnswering: answering }, null, 2));
      return;
    }
    say(`service: ${installed ? `installed, ${m.file}` : `not installed (p2pchat service install writes ${m.file})`}`);
    if (installed) {
      say(`enabled: ${state.enabled} (${state.enabledDetail})`);
      say(`running: ${state.running} (${state.runningDetail})`);
      say(`log:     ${m.followLog({ logFile: join(home, SERVE_LOG) })}`);
    }
    say(`serve:   ${answering ? "answering" : "not running"} for ${home}`);
  },
});

export default defineCommand({
  meta: { name: "service", description: "Run serve in the background as a system service: install, uninstall, status" },
  subCommands: { install, uninstall, status },
});
