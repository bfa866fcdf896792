// Runs a built p2pchat executable on the machine it was built for, as a new
// user would, before anyone downloads it: --version, init, two homes on
// loopback that exchange a message through `send`, history --json, and the
// chat page one of them serves (a login link, the page's script). Exits 0
// when all of it works, else 1 naming the step. Release runs it on each
// platform's own runner (.github/workflows/release.yml), CI on the
// executable it builds (.ci/run, ci.yml).
//
//   bun scripts/smoke.ts dist/p2pchat [--version X.Y.Z]
//
// Nothing leaves the machine: both nodes listen on 127.0.0.1 and run with
// P2PCHAT_DISCOVERY=off. The homes are under a folder with a space and an é,
// as a user's often are.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const STEP_MS = 60_000;

class SmokeError extends Error {}

interface Ran {
  stdout: string;
  stderr: string;
  exitCode: number;
}

function usage(): never {
  console.error("usage: bun scripts/smoke.ts PATH-TO-P2PCHAT [--version X.Y.Z]");
  process.exit(2);
}

const args = process.argv.slice(2);
const bin = args[0] ? resolve(args[0]) : usage();
const at = args.indexOf("--version");
const wantVersion = at >= 0 ? (args[at + 1]?.replace(/^v/, "") ?? usage()) : null;

const base = mkdtempSync(join(tmpdir(), "p2pchat-smoke-"));
const root = join(base, "smoke é home");
const env: Record<string, string> = { ...(process.env as Record<string, string>), NO_COLOR: "1", P2PCHAT_DISCOVERY: "off" };
for (const k of Object.keys(env)) if (k.startsWith("P2PCHAT_") && k !== "P2PCHAT_DISCOVERY") delete env[k];

function say(line: string): void {
  console.log(`smoke: ${line}`);
}

/** Runs the executable to its end (at most STEP_MS); fails the step unless it exits `expect`. */
async function p2pchat(step: string, argv: string[], expect = 0): Promise<Ran> {
  const proc = Bun.spawn([bin, ...argv], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: STEP_MS, killSignal: "SIGKILL" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (exitCode !== expect) throw new SmokeError(`${step}: \`p2pchat ${argv.join(" ")}\` exited ${exitCode}, not ${expect}\n${stdout}${stderr}`);
  return { stdout, stderr, exitCode };
}

/** A running `serve`: its output so far, a wait for a line of it, and a clean stop through its stdin. */
function serve(home: string) {
  const proc = Bun.spawn([bin, "serve", "--home", home], { env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  let out = "";
  let err = "";
  const seen = new Set<() => void>();
  const pump = async (s: ReadableStream<Uint8Array>, add: (t: string) => void) => {
    const dec = new TextDecoder();
    for await (const chunk of s) {
      add(dec.decode(chunk, { stream: true }));
      for (const f of seen) f();
    }
  };
  void pump(proc.stdout, (t) => (out += t));
  void pump(proc.stderr, (t) => (err += t));
  return {
    waitFor(step: string, re: RegExp): Promise<string> {
      return new Promise((ok, fail) => {
        const check = () => {
          const line = out.split("\n").find((l) => re.test(l));
          if (line !== undefined) done(() => ok(line));
          else if (proc.exitCode !== null) done(() => fail(new SmokeError(`${step}: serve exited ${proc.exitCode}\n${out}${err}`)));
        };
        const timer = setTimeout(() => done(() => fail(new SmokeError(`${step}: no line matching ${re} in ${STEP_MS / 1000} s\n${out}${err}`))), STEP_MS);
        const done = (f: () => void) => {
          seen.delete(check);
          clearTimeout(timer);
          f();
        };
        seen.add(check);
        check();
      });
    },
    /** /quit works the same on every system (Windows has no SIGTERM). */
    async stop(): Promise<number> {
      proc.stdin.write("/quit\n");
      await proc.stdin.flush();
      const code = await Promise.race([proc.exited, Bun.sleep(STEP_MS).then(() => null)]);
      if (code === null) proc.kill("SIGKILL");
      return code ?? -1;
    },
    kill(): void {
      if (proc.exitCode === null) proc.kill("SIGKILL");
    },
  };
}

/** The chat page the executable carries: serve says where it is, `web` gives a login link that opens a session, the page's script comes. */
async function smokePage(running: ReturnType<typeof serve>, home: string): Promise<void> {
  const line = await running.waitFor("the page", /^web: http:\/\/127\.0\.0\.1:\d+\/ /);
  const { url } = JSON.parse((await p2pchat("web --json", ["web", "--json", "--no-open", "--home", home])).stdout) as { url: string };
  const login = await fetch(url, { redirect: "manual" });
  const cookie = login.headers.get("set-cookie")?.split(";")[0];
  if (login.status !== 303 || !cookie) throw new SmokeError(`web: the login link answered ${login.status} without a session`);
  const page = await fetch(new URL("/", url), { headers: { cookie } });
  const script = await fetch(new URL("/app.js", url));
  const js = await script.text();
  if (page.status !== 200 || script.status !== 200 || !js.includes("/api/events")) throw new SmokeError(`web: the page answered ${page.status}, its script ${script.status} (${js.length} bytes)`);
  say(`${line.split(" ")[1]}: the page and its script (${js.length} bytes) served, a login link opened a session`);
}

async function main(): Promise<void> {
  say(`${bin} on ${process.platform}-${process.arch}`);
  const version = (await p2pchat("--version", ["--version"])).stdout.trim();
  const m = /^p2pchat (\S+) \((?:commit [0-9a-f]{12}(?:-dirty)?|dev), built \S+\)$/.exec(version);
  if (!m) throw new SmokeError(`--version: printed ${JSON.stringify(version)}, not "p2pchat VERSION (commit ..., built ...)"`);
  if (wantVersion && m[1] !== wantVersion) throw new SmokeError(`--version: says ${m[1]}, the release is ${wantVersion}`);
  say(version);

  const homes = { alice: join(root, "alice"), bob: join(root, "bob") };
  const ids: Record<string, { peerId: string; address: string }> = {};
  for (const [name, home] of Object.entries(homes)) {
    // --port 0: a free port, kept in the config (a runner may have anything on 20001).
    const r = await p2pchat(`init ${name}`, ["init", "--home", home, "--name", name, "--host", "127.0.0.1", "--port", "0"]);
    const [printed, peerId, address] = r.stdout.trim().split(" ");
    if (printed !== name || !peerId || !address) throw new SmokeError(`init ${name}: printed ${JSON.stringify(r.stdout)}, not "NAME PEER-ID HOST:PORT"`);
    ids[name] = { peerId, address };
  }
  say(`init: alice ${ids.alice!.address}, bob ${ids.bob!.address}`);
  await p2pchat("contacts add", ["contacts", "add", "bob", ids.bob!.address, "--id", ids.bob!.peerId, "--home", homes.alice]);
  await p2pchat("contacts add", ["contacts", "add", "alice", ids.alice!.address, "--id", ids.alice!.peerId, "--home", homes.bob]);

  const bob = serve(homes.bob);
  try {
    await bob.waitFor("serve", /^ready: bob /);
    const text = `smoke test on ${process.platform}-${process.arch}: déjà vu`;
    // send exits 0 once bob's node has stored the message.
    await p2pchat("send", ["send", "bob", text, "--home", homes.alice]);
    await bob.waitFor("serve prints it", new RegExp(`alice: ${text}$`));
    say("send: delivered");
    const got = JSON.parse((await p2pchat("history --json", ["history", "alice", "--json", "--home", homes.bob])).stdout) as { direction: string; text: string }[];
    const sent = JSON.parse((await p2pchat("history --json", ["history", "bob", "--json", "--home", homes.alice])).stdout) as { status: string; text: string }[];
    if (got.length !== 1 || got[0]!.direction !== "in" || got[0]!.text !== text) throw new SmokeError(`history --json: bob has ${JSON.stringify(got)}`);
    if (sent.length !== 1 || sent[0]!.status !== "delivered" || sent[0]!.text !== text) throw new SmokeError(`history --json: alice has ${JSON.stringify(sent)}`);
    say("history --json: received once, delivered once");
    await smokePage(bob, homes.bob);
    const code = await bob.stop();
    if (code !== 0) throw new SmokeError(`serve: /quit made it exit ${code}, not 0`);
  } finally {
    bob.kill();
  }
  say("ok");
}

try {
  await main();
} catch (err) {
  console.error(`smoke: FAILED at ${err instanceof SmokeError ? err.message : (err as Error).stack}`);
  process.exitCode = 1;
} finally {
  try {
    rmSync(base, { recursive: true, force: true });
  } catch {
    // a Windows file still held by a process that is exiting: the temp folder is the runner's
  }
}
