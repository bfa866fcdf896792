// `p2pchat config [get KEY | set KEY VALUE] [--json]`: the home's settings
// (home/settings.ts), shown and changed, checked as they are typed. A node
// that runs follows a change at once where it can (discoverable, downloads,
// auto-accept); the rest from its next start, and it says which.
import { defineCommand } from "citty";
import { ControlClient } from "../control/client.ts";
import { loadConfig, updateConfig, type Config } from "../home/home.ts";
import { jsonValue, SETTINGS, settingFor, type Setting } from "../home/settings.ts";
import { local } from "./context.ts";
import { UsageError } from "./exit-codes.ts";
import { globalArgs } from "./args/globals.ts";
import { nearest } from "./args/nearest.ts";

const USAGE = "p2pchat config [get KEY | set KEY VALUE] [--json]";

export default defineCommand({
  meta: { name: "config", description: "Show or change this home's settings: config (all), config get KEY, config set KEY VALUE" },
  args: {
    action: { type: "positional", description: "get or set (nothing: every setting)", required: false },
    key: { type: "positional", description: `One of: ${SETTINGS.map((s) => s.key).join(", ")}`, required: false },
    value: { type: "positional", description: "The new value (set)", required: false },
    json: { type: "boolean", description: "As JSON" },
    ...globalArgs,
  },
  async run({ args }) {
    const l = await local();
    const action = args.action === undefined ? "list" : String(args.action).toLowerCase();
    if (action === "list") return list(loadConfig(l.home), Boolean(args.json));
    if (action !== "get" && action !== "set") throw new UsageError(`config takes get or set, not ${JSON.stringify(args.action)}`, USAGE);
    if (args.key === undefined) throw new UsageError(`config ${action} needs a KEY: ${SETTINGS.map((s) => s.key).join(", ")}`, USAGE);
    const setting = known(String(args.key));
    if (action === "get") {
      const value = loadConfig(l.home)[setting.field];
      process.stdout.write(args.json ? JSON.stringify(jsonValue(setting, value)) + "\n" : setting.show(value) + "\n");
      return;
    }
    if (args.value === undefined) throw new UsageError(`config set ${setting.key} needs a VALUE: ${setting.about}`, USAGE);
    const value = setting.parse(String(args.value), l.home);
    const next = updateConfig(l.home, { [setting.field]: value } as Partial<Config>);
    process.stdout.write(`${setting.key}: ${setting.show(next[setting.field])} (saved in ${l.home})\n`);
    process.stdout.write(await applyToRunningNode(l.home, setting, next) + "\n");
  },
});

function known(key: string): Setting {
  const s = settingFor(key);
  if (s) return s;
  const near = nearest(key, SETTINGS.map((x) => x.key));
  throw new UsageError(`no setting ${JSON.stringify(key)}${near ? ` (did you mean ${near}?)` : ""}; the settings are: ${SETTINGS.map((x) => x.key).join(", ")}`, USAGE);
}

function list(config: Config, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(Object.fromEntries(SETTINGS.map((s) => [s.key, jsonValue(s, config[s.field])])), null, 2) + "\n");
    return;
  }
  const width = Math.max(...SETTINGS.map((s) => s.key.length));
  for (const s of SETTINGS) process.stdout.write(`${s.key.padEnd(width)}  ${s.show(config[s.field])}  # ${s.about}\n`);
}

/** What the running node (if any) makes of the change: done now, or at its next start. */
async function applyToRunningNode(home: string, s: Setting, next: Config): Promise<string> {
  const remote = await ControlClient.connect(home);
  if (!remote) return "no node runs for this home: the next serve, chat or send starts with it";
  try {
    if (s.takes === "now") {
      if (s.field === "discoverable") await remote.setDiscoverable(next.discoverable);
      else await remote.fileSettings({ downloads: next.downloads, autoAcceptMiB: next.autoAcceptMiB });
      return "your running node uses it now";
    }
    const st = await remote.status();
    return `your running node (${st.name}) uses it from its next start: stop and start it (an installed service: \`p2pchat service uninstall\`, then \`install\`)`;
  } finally {
    await remote.close();
  }
}
