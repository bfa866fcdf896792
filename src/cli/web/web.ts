// `p2pchat web`: the page of the node running for this home, opened in the
// browser with a login link (one use, two minutes); `--json` gives scripts
// the link and the API key. `--password` sets the password the page asks
// for when it listens beyond this machine.
import { defineCommand } from "citty";
import { ControlClient } from "../../control/client.ts";
import { NodeError } from "../../domain/node-error.ts";
import { updateConfig } from "../../home/home.ts";
import { isAlive } from "../../home/home-lock.ts";
import { askSecret } from "../../ui/prompt.ts";
import { textLines } from "../../transport/lines.ts";
import { API_KEY_HEADER } from "../../web/guard.ts";
import { readApiKey, readWebPlace } from "../../web/web-home.ts";
import { local } from "../context.ts";
import { UsageError } from "../exit-codes.ts";
import { globalArgs } from "../args/globals.ts";

/** A password shorter than this is refused: the page may be reachable from a network. */
const MIN_PASSWORD = 8;

export default defineCommand({
  meta: { name: "web", description: "Open your node's chat page in the browser, signed in (a one-time login link)" },
  args: {
    open: { type: "boolean", description: "Open the link in the default browser; --no-open only prints it", default: true },
    json: { type: "boolean", description: 'Print {"url": LOGIN-LINK, "apiKey": KEY} for scripts (the key goes in an X-API-Key header)' },
    password: { type: "boolean", description: "Set the page's password (asked; piped, the first line of input), needed to serve it beyond this machine; --no-password removes it" },
    ...globalArgs,
  },
  async run({ args, rawArgs }) {
    const l = await local();
    if (rawArgs.includes("--no-password")) {
      updateConfig(l.home, { webPassword: undefined });
      process.stdout.write("the page has no password now: it is served on this machine only (a running node keeps its address until it restarts)\n");
      return;
    }
    if (args.password) {
      const password = await readPassword();
      updateConfig(l.home, { webPassword: await Bun.password.hash(password) });
      process.stdout.write("password set: the page asks for it when opened without a login link (serve --web ADDRESS:PORT to serve it beyond this machine)\n");
      return;
    }
    const url = await loginLink(l.home);
    const apiKey = readApiKey(l.home);
    if (args.json) process.stdout.write(JSON.stringify({ url, apiKey }) + "\n");
    else process.stdout.write(`${url}\n(the link opens the page signed in, once, within 2 minutes)\n`);
    if (args.open) openBrowser(url);
  },
});

/** A fresh login link from the running node's page, or why there is none. */
async function loginLink(home: string): Promise<string> {
  const place = readWebPlace(home);
  const key = readApiKey(home);
  if (!place || !key || !isAlive(place.pid)) {
    const remote = await ControlClient.connect(home);
    if (!remote) throw new NodeError("NOT_RUNNING", `no node is running for ${home}: start one with \`p2pchat serve\` (it serves the page), then run \`p2pchat web\` again`);
    await remote.close();
    throw new NodeError("NOT_RUNNING", `the node running for ${home} serves no page (it was started with --no-web, or config.json says "web": "off"): restart it with --web 127.0.0.1:20080`);
  }
  let res: Response;
  try {
    res = await fetch(`${place.origin}/api/login-link`, { method: "POST", headers: { [API_KEY_HEADER]: key } });
  } catch (err) {
    throw new NodeError("NOT_RUNNING", `the page at ${place.origin} does not answer (${(err as Error).message}): is the node still running?`, { cause: err });
  }
  const body = (await res.json().catch(() => null)) as { url?: unknown; error?: { message?: unknown } } | null;
  if (!res.ok || typeof body?.url !== "string") {
    throw new NodeError("CONTROL_FAILED", `the page at ${place.origin} refused a login link: ${String(body?.error?.message ?? res.status)}`);
  }
  return body.url;
}

/** The new password: asked twice on a terminal, else the first line of input. */
async function readPassword(): Promise<string> {
  const check = (p: string) => (p.length < MIN_PASSWORD ? `at least ${MIN_PASSWORD} characters` : null);
  if (process.stdin.isTTY && process.stdout.isTTY) {
    const first = await askSecret("New password for the page", { validate: check });
    await askSecret("The same again", { validate: (p) => (p === first ? null : "not the same: type it again") });
    return first;
  }
  for await (const line of textLines(Bun.stdin.stream(), 4096)) {
    const text = line.replace(/\r$/, "");
    const problem = check(text);
    if (problem) throw new UsageError(`the password must have ${problem}`, "p2pchat web");
    return text;
  }
  throw new UsageError("no password given: type it at a terminal, or pipe it in as the first line", "p2pchat web");
}

/** Opens `url` in the default browser; says so when it cannot (the link is printed above either way). */
function openBrowser(url: string): void {
  // Windows' `start` takes a first quoted argument as the window's title: an empty one, then the link.
  const cmd = process.platform === "darwin" ? ["open", url] : process.platform === "win32" ? ["cmd", "/c", "start", "", url] : ["xdg-open", url];
  try {
    const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    proc.unref();
  } catch (err) {
    process.stderr.write(`p2pchat: could not open a browser (${cmd[0]}: ${(err as Error).message}): open the link above yourself\n`);
  }
}
