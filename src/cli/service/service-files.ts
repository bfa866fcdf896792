// The text of the files `p2pchat service install` writes: a systemd user unit
// (Linux) and a launchd agent (macOS). Pure functions: no file is touched here.
//
// systemd splits ExecStart= on spaces, unquotes "…" with C escapes, expands
// $VAR and %-specifiers (so a literal `$` is `$$` and `%` is `%%`); other
// settings take the rest of the line as one value but still expand `%`.
// launchd reads a plist: XML, escaped as XML.

import { createHash } from "node:crypto";

/**
 * One service per home: the default home's is `p2pchat`, another home's
 * `p2pchat-` and 8 hex digits of its path, so installing for a second home
 * never replaces the first's.
 */
export function serviceName(home: string, defaultHome: string): string {
  return home === defaultHome ? "p2pchat" : `p2pchat-${createHash("sha256").update(home).digest("hex").slice(0, 8)}`;
}

export interface ServiceSpec {
  /** The unit's name (systemd) and the agent's label (launchd): serviceName(). */
  name: string;
  /** The command line: the executable (absolute), then its arguments. */
  argv: readonly string[];
  /** The home the node serves; also the working folder. */
  home: string;
  /** serve's own log (--log). */
  logFile: string;
  /** launchd only: where stderr goes (what serve says before its log is open). */
  stderrFile: string;
}

/** Refuses text no unit or plist line can hold (a newline would end the setting). */
function checkText(what: string, s: string): string {
  if (/[\x00-\x1f\x7f]/.test(s)) throw new Error(`cannot write a service for ${what} ${JSON.stringify(s)}: it holds a control character`);
  return s;
}

/** One ExecStart word: bare when plain, else double-quoted with C escapes; `$` and `%` escaped either way. */
export function systemdWord(arg: string): string {
  checkText("the argument", arg);
  const escaped = arg.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (arg !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** A whole-line setting's value (Description=, WorkingDirectory=): only `%` is special. */
function systemdValue(what: string, s: string): string {
  return checkText(what, s).replace(/%/g, "%%");
}

export function systemdUnit(spec: ServiceSpec): string {
  const [exe] = spec.argv;
  if (!exe?.startsWith("/")) throw new Error(`the service's executable must be an absolute path, not ${JSON.stringify(exe)}`);
  return [
    "# Written by `p2pchat service install`; `p2pchat service uninstall` removes it.",
    `# serve logs to ${checkText("the log", spec.logFile)} (rotated) and to the journal: journalctl --user -u ${spec.name} -f`,
    "[Unit]",
    `Description=p2pchat node for ${systemdValue("the home", spec.home)}`,
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${spec.argv.map(systemdWord).join(" ")}`,
    `WorkingDirectory=${systemdValue("the home", spec.home)}`,
    "Restart=on-failure",
    "RestartSec=5",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

export function xmlEscape(s: string): string {
  return checkText("the value", s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function launchdPlist(spec: ServiceSpec): string {
  const str = (s: string) => `<string>${xmlEscape(s)}</string>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    "<!-- Written by `p2pchat service install`; `p2pchat service uninstall` removes it. -->",
    '<plist version="1.0">',
    "<dict>",
    `  <key>Label</key>${str(spec.name)}`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...spec.argv.map((a) => `    ${str(a)}`),
    "  </array>",
    `  <key>WorkingDirectory</key>${str(spec.home)}`,
    "  <key>RunAtLoad</key><true/>",
    // Restarted when it fails, as systemd's Restart=on-failure; a clean stop stays stopped.
    "  <key>KeepAlive</key>",
    "  <dict><key>SuccessfulExit</key><false/></dict>",
    "  <key>ThrottleInterval</key><integer>5</integer>",
    "  <key>ProcessType</key><string>Background</string>",
    // serve writes its own rotated log; launchd's files catch what comes before it opens.
    `  <key>StandardOutPath</key>${str("/dev/null")}`,
    `  <key>StandardErrorPath</key>${str(spec.stderrFile)}`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}
