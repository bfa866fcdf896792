// Where `p2pchat service` puts its file on each system, and how it asks the
// system's service manager (systemd's user manager, launchd) to enable,
// disable or describe it. A manager that cannot be reached (no user session,
// over ssh without one, in a container) is reported in its own words, with
// the commands to run later: the file is written all the same.
import { existsSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { launchdPlist, systemdUnit, type ServiceSpec } from "./service-files.ts";

export type ServicePlatform = "linux" | "darwin";

export type Tristate = "yes" | "no" | "unknown";

/** Each with the manager's own word for it ("disabled", "failed", "state = running"), or why it could not be asked. */
export interface ManagerState {
  enabled: Tristate;
  enabledDetail: string;
  running: Tristate;
  runningDetail: string;
}

/** What enabling or disabling did: done, or why not and what to run later. */
export type Outcome = { ok: true; notes: string[] } | { ok: false; why: string; later: string[] };

export interface ServiceManager {
  readonly platform: ServicePlatform;
  /** The file `install` writes. */
  readonly file: string;
  text(spec: ServiceSpec): string;
  /** The command to watch the service's output. */
  followLog(spec: Pick<ServiceSpec, "logFile">): string;
  enable(): Outcome;
  disable(): Outcome;
  /** After the file is removed: let the manager forget it. */
  forget(): void;
  state(): ManagerState;
}

/** The platform's manager. P2PCHAT_SERVICE_PLATFORM=linux|darwin picks one (the tests write a plist on Linux). */
export function serviceManager(name: string): ServiceManager | null {
  const forced = process.env.P2PCHAT_SERVICE_PLATFORM;
  const platform = forced === "linux" || forced === "darwin" ? forced : process.platform;
  if (platform === "linux") return new Systemd(name);
  if (platform === "darwin") return new Launchd(name);
  return null;
}

/** A word for a POSIX shell: bare when plain, else single-quoted. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

interface Ran {
  ok: boolean;
  out: string;
  /** Why it failed: the first line of stderr, or that the tool is not installed. */
  err: string;
}

function run(argv: string[]): Ran {
  if (!Bun.which(argv[0]!)) return { ok: false, out: "", err: `no ${argv[0]} on PATH` };
  const r = Bun.spawnSync(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const err = r.stderr.toString().trim().split("\n")[0] ?? "";
  return { ok: r.exitCode === 0, out: r.stdout.toString().trim(), err: err || `${argv.join(" ")} exited with ${r.exitCode}` };
}

class Systemd implements ServiceManager {
  readonly platform = "linux";
  readonly file: string;
  private readonly unit: string;

  constructor(private readonly name: string) {
    this.unit = `${name}.service`;
    this.file = join(process.env.XDG_CONFIG_HOME || join(homedir(), ".config"), "systemd", "user", this.unit);
  }

  text(spec: ServiceSpec): string {
    return systemdUnit(spec);
  }

  followLog(): string {
    return `journalctl --user -u ${this.name} -f`;
  }

  enable(): Outcome {
    const later = ["systemctl --user daemon-reload", `systemctl --user enable --now ${this.name}`];
    for (const step of [["daemon-reload"], ["enable", this.unit], ["restart", this.unit]]) {
      const r = run(["systemctl", "--user", ...step]);
      if (!r.ok) return { ok: false, why: `systemd's user manager: ${r.err}`, later };
    }
    const notes = [`enabled and started: systemctl --user status ${this.name}`];
    const user = safeUser();
    // Without lingering, systemd stops user services at logout and starts them only at login.
    if (user && !existsSync(`/var/lib/systemd/linger/${user}`)) notes.push(`to keep it running after you log out, and start it at boot: loginctl enable-linger ${shellQuote(user)}`);
    return { ok: true, notes };
  }

  disable(): Outcome {
    const r = run(["systemctl", "--user", "disable", "--now", this.unit]);
    if (!r.ok) return { ok: false, why: `systemd's user manager: ${r.err}`, later: [`systemctl --user disable --now ${this.name}`] };
    return { ok: true, notes: ["stopped and disabled"] };
  }

  forget(): void {
    run(["systemctl", "--user", "daemon-reload"]);
  }

  state(): ManagerState {
    // They answer on stdout, exit 0 or not; nothing there means they could not tell. is-enabled
    // reads the unit files and answers without a user manager; is-active needs one.
    const ask = (verb: string, yes: string): [Tristate, string] => {
      const r = run(["systemctl", "--user", verb, this.unit]);
      return r.out ? [r.out === yes ? "yes" : "no", `systemd: ${r.out}`] : ["unknown", `systemd's user manager: ${r.err}`];
    };
    const [enabled, enabledDetail] = ask("is-enabled", "enabled");
    const [running, runningDetail] = ask("is-active", "active");
    return { enabled, enabledDetail, running, runningDetail };
  }
}

class Launchd implements ServiceManager {
  readonly platform = "darwin";
  readonly file: string;
  private readonly domain = `gui/${process.getuid?.() ?? 0}`;
  private readonly target: string;

  constructor(name: string) {
    this.file = join(homedir(), "Library", "LaunchAgents", `${name}.plist`);
    this.target = `${this.domain}/${name}`;
  }

  text(spec: ServiceSpec): string {
    return launchdPlist(spec);
  }

  followLog(spec: Pick<ServiceSpec, "logFile">): string {
    return `tail -f ${shellQuote(spec.logFile)}`;
  }

  enable(): Outcome {
    run(["launchctl", "bootout", this.target]); // an older copy, if loaded; not loaded is fine
    const r = run(["launchctl", "bootstrap", this.domain, this.file]);
    if (!r.ok) return { ok: false, why: `launchctl: ${r.err}`, later: [`launchctl bootstrap ${this.domain} ${shellQuote(this.file)}`] };
    return { ok: true, notes: [`loaded and started: launchctl print ${this.target}`] };
  }

  disable(): Outcome {
    const r = run(["launchctl", "bootout", this.target]);
    if (!r.ok && this.state().enabled !== "no") return { ok: false, why: `launchctl: ${r.err}`, later: [`launchctl bootout ${this.target}`] };
    return { ok: true, notes: ["stopped and unloaded"] };
  }

  forget(): void {
    // bootout already did
  }

  state(): ManagerState {
    if (!Bun.which("launchctl")) return { enabled: "unknown", enabledDetail: "launchctl is not installed", running: "unknown", runningDetail: "launchctl is not installed" };
    const r = run(["launchctl", "print", this.target]);
    if (!r.ok) return { enabled: "no", enabledDetail: "launchd: not loaded", running: "no", runningDetail: "launchd: not loaded" };
    const state = /^\s*state = (.+)$/m.exec(r.out)?.[1]?.trim() ?? "?";
    return { enabled: "yes", enabledDetail: "launchd: loaded", running: state === "running" ? "yes" : "no", runningDetail: `launchd: state = ${state}` };
  }
}

function safeUser(): string {
  try {
    const name = userInfo().username;
    return name && name !== "unknown" ? name : (process.env.USER ?? "");
  } catch {
    return process.env.USER ?? "";
  }
}
