// The settings a user may change in an existing home (`p2pchat config`): one
// entry per key, with what it means, how a typed value is checked and how it
// is shown. config.json holds them; `init` writes the first values and never
// overwrites, flags hold for one run only, and an installed service runs with
// the config: this table is how a home's port, host or name change later.
import { validateDisplayName } from "../domain/contact-name.ts";
import { parseHost, parseHostPort, parseListenPort } from "../domain/host-port.ts";
import { NodeError } from "../domain/node-error.ts";
import { parseRelayUri } from "../reach/relay/uri.ts";
import { FILE_DEFAULTS, WEB_DEFAULT, type Config } from "./home.ts";
import { redactUrl, storeTarget } from "./open-local.ts";

/** How soon a running node follows a change. */
export type Takes = "next-start" | "now";

export interface Setting {
  /** As the user types it: `port`, `auto-accept`. */
  key: string;
  field: keyof Config;
  about: string;
  /** A value as typed, checked; throws BAD_CONFIG (exit 2) saying what it must be. */
  parse(text: string, home: string): Config[keyof Config];
  show(value: unknown): string;
  takes: Takes;
}

const bad = (key: string, text: string, want: string) => new NodeError("BAD_SETTING", `${key} ${JSON.stringify(text)}: ${want}`);

/** A parser's own words for what is wrong (they name the value already: keep only the why), else what it must be. */
function checked<T>(key: string, text: string, want: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^.*?: (?=[^:]*$)/, "") : "";
    throw bad(key, text, why || want);
  }
}

const onOff = (key: string) => (text: string) => {
  const t = text.trim().toLowerCase();
  if (["on", "true", "yes", "1"].includes(t)) return true;
  if (["off", "false", "no", "0"].includes(t)) return false;
  throw bad(key, text, "on or off");
};

const showOnOff = (v: unknown) => (v ? "on" : "off");
const showList = (v: unknown) => ((v as string[]).length > 0 ? (v as string[]).join(",") : "(none)");
const splitList = (text: string) =>
  text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function whole(key: string, min: number, unit = "") {
  return (text: string) => {
    const n = Number(text.trim());
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > 1_000_000) throw bad(key, text, `a whole number from ${min}${unit}`);
    return n;
  };
}

export const SETTINGS: readonly Setting[] = [
  {
    key: "name",
    field: "name",
    about: 'the name your node shows and announces to peers; words apart by single spaces ("José Ñandú": your contacts type it José-Ñandú)',
    parse: (t) => checked("name", t, "a name", () => validateDisplayName(t)),
    show: String,
    takes: "next-start",
  },
  { key: "host", field: "host", about: "the address to listen on (0.0.0.0: every interface)", parse: (t) => checked("host", t, "an IP address", () => parseHost(t)), show: String, takes: "next-start" },
  { key: "port", field: "port", about: "the port to listen on", parse: (t) => checked("port", t, "a port from 1 to 65535", () => parseListenPort(t)), show: String, takes: "next-start" },
  {
    key: "db",
    field: "db",
    about: "the database (mysql://USER:PASSWORD@HOST:PORT/DATABASE; sqlite: the file in the home)",
    parse: (t, home) => {
      const s = t.trim();
      if (s === "" || s.toLowerCase() === "sqlite") return null;
      storeTarget(home, s); // BAD_DB_URL (exit 2) says what is wrong with it
      return s;
    },
    show: (v) => (v === null ? "sqlite (the file in the home)" : redactUrl(String(v))),
    takes: "next-start",
  },
  { key: "discoverable", field: "discoverable", about: "listen and dial (off: hidden, messages wait)", parse: onOff("discoverable"), show: showOnOff, takes: "now" },
  { key: "lan", field: "lan", about: "LAN beacons: find and be found on this network", parse: onOff("lan"), show: showOnOff, takes: "next-start" },
  { key: "upnp", field: "upnp", about: "ask the router to forward the port (UPnP, NAT-PMP)", parse: onOff("upnp"), show: showOnOff, takes: "next-start" },
  { key: "dht", field: "dht", about: "publish and look up addresses on the mainline DHT", parse: onOff("dht"), show: showOnOff, takes: "next-start" },
  {
    key: "dht-bootstrap",
    field: "dhtBootstrap",
    about: "DHT nodes to start from (HOST:PORT,...; none: the public routers)",
    parse: (t) => splitList(t).map((hp) => checked("dht-bootstrap", hp, "HOST:PORT", () => parseHostPort(hp)) && hp),
    show: showList,
    takes: "next-start",
  },
  {
    key: "relays",
    field: "relays",
    about: "relays to stay joined to (relay://HOST:PORT/?id=ID,...)",
    parse: (t) => splitList(t).map((u) => checked("relays", u, "relay://HOST:PORT/?id=ID", () => parseRelayUri(u)) && u),
    show: showList,
    takes: "next-start",
  },
  { key: "relay-for-contacts", field: "relayForContacts", about: "relay for your contacts while the internet reaches you", parse: onOff("relay-for-contacts"), show: showOnOff, takes: "next-start" },
  { key: "relay-for-contacts-sessions", field: "relayForContactsSessions", about: "sessions relayed for contacts at once", parse: whole("relay-for-contacts-sessions", 1), show: String, takes: "next-start" },
  { key: "relay-for-contacts-rate", field: "relayForContactsRate", about: "KiB/s each such session may carry (0: no limit)", parse: whole("relay-for-contacts-rate", 0, " (KiB/s; 0: no limit)"), show: String, takes: "next-start" },
  {
    key: "web",
    field: "web",
    about: `where the page is served (HOST:PORT, default ${WEB_DEFAULT}; off: not at all)`,
    parse: (t) => {
      const s = t.trim();
      if (s.toLowerCase() === "off") return "off";
      const hp = checked("web", t, "HOST:PORT or off", () => parseHostPort(s));
      return `${hp.host.includes(":") ? `[${hp.host}]` : hp.host}:${hp.port}`;
    },
    show: String,
    takes: "next-start",
  },
  {
    key: "downloads",
    field: "downloads",
    about: "the folder received files go to (none: the default)",
    parse: (t) => (t.trim() === "" || t.trim().toLowerCase() === "default" ? FILE_DEFAULTS.downloads : t.trim()),
    show: (v) => (v === null ? "(the default)" : String(v)),
    takes: "now",
  },
  {
    key: "auto-accept",
    field: "autoAcceptMiB",
    about: "MiB a day a contact may send without asking (0: always ask)",
    parse: (t) => {
      const n = Number(t.trim());
      if (!/^\d+(\.\d+)?$/.test(t.trim()) || !Number.isFinite(n)) throw bad("auto-accept", t, "a number of MiB from 0 (0: always ask)");
      return n;
    },
    show: String,
    takes: "now",
  },
];

/** A value as a script reads it (--json): as stored, but never a password. */
export function jsonValue(s: Setting, value: unknown): unknown {
  return s.field === "db" && typeof value === "string" ? redactUrl(value) : (value ?? null);
}

export function settingFor(key: string): Setting | undefined {
  return SETTINGS.find((s) => s.key === key.trim().toLowerCase());
}
