// install.sh as a user runs it (`curl … | sh`), against a release folder
// served by Bun.serve on 127.0.0.1: the executables are small scripts that
// print a version (the real dist/p2pchat too, when one is built). A fake
// `uname` on PATH plays the machine; PATH holds only the tools it names, so
// the script's fallbacks (wget, shasum) and refusals are exercised for real.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { isWindows, skipped } from "../helpers/platform.ts";
import { tempDir, type TempDir } from "../helpers/tmp.ts";

setDefaultTimeout(30_000);

const ROOT = join(import.meta.dir, "..", "..");
const SCRIPT = readFileSync(join(ROOT, "install.sh"));
const NAMES = ["p2pchat-linux-x64", "p2pchat-linux-arm64", "p2pchat-darwin-x64", "p2pchat-darwin-arm64", "p2pchat-windows-x64.exe"];
/** What install.sh runs besides the downloader and the checksum tool. */
const BASE_TOOLS = ["sh", "mktemp", "rm", "mkdir", "cp", "chmod", "mv", "awk", "basename"];
const ALL_TOOLS = [...BASE_TOOLS, "curl", "sha256sum"];
/** The tests run the script with exactly these on PATH, and wget and shasum in place of the last two. */
const missingTools = [...ALL_TOOLS, "wget", "shasum"].filter((t) => !Bun.which(t));
const noInstallSh = isWindows
  ? "install.sh is for Linux and macOS: Windows users download the .exe"
  : missingTools.length > 0
    ? `the install.sh tests need ${missingTools.join(", ")} on PATH, which this machine lacks`
    : null;

const sha256 = (b: string | Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
const fakeExe = (name: string) => `#!/bin/sh\necho "p2pchat 9.9.9 (fake ${name})"\n`;

interface Setup extends AsyncDisposable {
  dir: string;
  url: string;
  /** The paths the server was asked for. */
  asked: string[];
  /** Runs install.sh from stdin with this machine's uname and only `tools` on PATH. */
  install(o: { os?: string; arch?: string; tools?: string[]; pathFirst?: string; env?: Record<string, string> }): Promise<{ stdout: string; stderr: string; exitCode: number }>;
}

/** A release folder (NAMES and SHA256SUMS, `edit` may change it) behind a local HTTP server, and a HOME with a space in it. */
async function setup(edit: (files: Map<string, string | Uint8Array>) => void = () => {}): Promise<Setup> {
  const tmp: TempDir = await tempDir("p2pchat-install-");
  const files = new Map<string, string | Uint8Array>(NAMES.map((n) => [n, fakeExe(n)]));
  files.set("SHA256SUMS", NAMES.map((n) => `${sha256(files.get(n)!)}  ${n}\n`).join(""));
  edit(files);
  const asked: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      asked.push(path);
      const body = path.startsWith("/rel/") ? files.get(path.slice(5)) : undefined;
      return body === undefined ? new Response("not found", { status: 404 }) : new Response(body);
    },
  });
  const home = join(tmp.path, "my home");
  mkdirSync(home);
  const url = `http://127.0.0.1:${server.port}/rel`;
  return {
    dir: tmp.path,
    url,
    asked,
    async install({ os = "Linux", arch = "x86_64", tools = ALL_TOOLS, pathFirst, env = {} }) {
      const bin = join(tmp.path, `path-${crypto.randomUUID()}`);
      mkdirSync(bin);
      for (const t of tools) symlinkSync(Bun.which(t)!, join(bin, t));
      writeFileSync(join(bin, "uname"), `#!/bin/sh\ncase "$1" in -m) echo '${arch}' ;; *) echo '${os}' ;; esac\n`, { mode: 0o755 });
      const proc = Bun.spawn([Bun.which("sh")!], {
        stdin: SCRIPT,
        env: { PATH: pathFirst ? `${pathFirst}:${bin}` : bin, HOME: home, SHELL: "/bin/bash", P2PCHAT_BASE_URL: url, ...env },
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      return { stdout, stderr, exitCode };
    },
    async [Symbol.asyncDispose]() {
      await server.stop(true);
      await tmp[Symbol.asyncDispose]();
    },
  };
}

const run = (file: string) => {
  const r = Bun.spawnSync([file, "--version"], { stdout: "pipe" });
  return { out: r.stdout.toString(), code: r.exitCode };
};

describe.skipIf(noInstallSh !== null)(`install.sh${skipped(noInstallSh)}`, () => {
  test("installs this machine's executable into ~/.local/bin, checked, runnable; says how to put it on PATH", async () => {
    await using s = await setup();
    const r = await s.install({});
    const dir = join(s.dir, "my home", ".local", "bin");
    const target = join(dir, "p2pchat");
    expect({ stderr: r.stderr, exitCode: r.exitCode }).toEqual({ stderr: "", exitCode: 0 });
    expect(r.stdout.split("\n")).toEqual([
      `downloading p2pchat-linux-x64 from ${s.url}`,
      `installed ${target}: p2pchat 9.9.9 (fake p2pchat-linux-x64)`,
      "",
      `${dir} is not on your PATH. To add it:`,
      `  echo 'export PATH="${dir}:$PATH"' >> "${s.dir}/my home/.bashrc" && . "${s.dir}/my home/.bashrc"`,
      `or run it as ${target}`,
      "",
    ]);
    expect(statSync(target).mode & 0o777).toBe(0o755);
    expect(run(target)).toEqual({ out: "p2pchat 9.9.9 (fake p2pchat-linux-x64)\n", code: 0 });
    expect(readdirSync(dir)).toEqual(["p2pchat"]); // no temporary file left
    expect(s.asked).toEqual(["/rel/p2pchat-linux-x64", "/rel/SHA256SUMS"]);
  });

  test("P2PCHAT_INSTALL_DIR (already on PATH, a space in it); a second run replaces the first", async () => {
    await using s = await setup();
    const dir = join(s.dir, "opt bin");
    const once = await s.install({ arch: "aarch64", env: { P2PCHAT_INSTALL_DIR: dir } });
    expect(once.exitCode).toBe(0);
    expect(run(join(dir, "p2pchat")).out).toBe("p2pchat 9.9.9 (fake p2pchat-linux-arm64)\n");
    // on PATH: no advice about PATH
    const again = await s.install({ arch: "x86_64", pathFirst: dir, env: { P2PCHAT_INSTALL_DIR: dir } });
    expect(again.stdout).toBe(`downloading p2pchat-linux-x64 from ${s.url}\ninstalled ${dir}/p2pchat: p2pchat 9.9.9 (fake p2pchat-linux-x64)\nrun \`p2pchat serve\` to start your node; \`p2pchat service install\` keeps it running.\n`);
    expect(run(join(dir, "p2pchat")).out).toBe("p2pchat 9.9.9 (fake p2pchat-linux-x64)\n");
  });

  test.each([
    ["Linux", "x86_64", "p2pchat-linux-x64"],
    ["Linux", "amd64", "p2pchat-linux-x64"],
    ["Linux", "aarch64", "p2pchat-linux-arm64"],
    ["Darwin", "arm64", "p2pchat-darwin-arm64"],
    ["Darwin", "x86_64", "p2pchat-darwin-x64"],
  ])("%s %s gets %s", async (os, arch, name) => {
    await using s = await setup();
    const r = await s.install({ os, arch });
    expect(r.exitCode).toBe(0);
    expect(run(join(s.dir, "my home", ".local", "bin", "p2pchat")).out).toBe(`p2pchat 9.9.9 (fake ${name})\n`);
  });

  test("wget and shasum when there is no curl or sha256sum", async () => {
    await using s = await setup();
    const r = await s.install({ os: "Darwin", arch: "arm64", tools: [...BASE_TOOLS, "wget", "shasum"] });
    expect({ stderr: r.stderr, exitCode: r.exitCode }).toEqual({ stderr: "", exitCode: 0 });
    expect(r.stdout).toContain(`"${s.dir}/my home/.bash_profile"`); // bash on macOS reads .bash_profile
    expect(run(join(s.dir, "my home", ".local", "bin", "p2pchat")).out).toBe("p2pchat 9.9.9 (fake p2pchat-darwin-arm64)\n");
  });

  test("a checksum mismatch: refused with both sums, exit 1, nothing installed, nothing left behind", async () => {
    await using s = await setup((files) => files.set("p2pchat-linux-x64", fakeExe("tampered")));
    const r = await s.install({ env: { TMPDIR: s.dir } });
    const good = sha256(fakeExe("p2pchat-linux-x64"));
    const bad = sha256(fakeExe("tampered"));
    expect(r).toEqual({
      stdout: `downloading p2pchat-linux-x64 from ${s.url}\n`,
      stderr: `p2pchat install: checksum mismatch for p2pchat-linux-x64: SHA256SUMS says ${good}, the download is ${bad}. Nothing installed.\n`,
      exitCode: 1,
    });
    expect(existsSync(join(s.dir, "my home", ".local"))).toBe(false);
    expect(readdirSync(s.dir).filter((f) => f.startsWith("tmp"))).toEqual([]); // its temporary folder is gone
  });

  test("a download that does not run here (another libc, say) replaces nothing: the p2pchat already installed stays", async () => {
    const broken = "#!/bin/sh\necho 'cannot execute: required file not found' >&2\nexit 126\n";
    await using s = await setup();
    expect((await s.install({})).exitCode).toBe(0);
    const target = join(s.dir, "my home", ".local", "bin", "p2pchat");
    const before = readFileSync(target, "utf8");
    await using t = await setup((files) => {
      files.set("p2pchat-linux-x64", broken);
      files.set("SHA256SUMS", NAMES.map((n) => `${sha256(n === "p2pchat-linux-x64" ? broken : files.get(n)!)}  ${n}\n`).join(""));
    });
    const r = await t.install({ env: { HOME: join(s.dir, "my home") } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe("p2pchat install: p2pchat-linux-x64 does not run on this machine: cannot execute: required file not found. Nothing installed (your p2pchat is unchanged).\n");
    expect(readFileSync(target, "utf8")).toBe(before);
    expect(run(target).out).toBe("p2pchat 9.9.9 (fake p2pchat-linux-x64)\n");
    expect(readdirSync(join(s.dir, "my home", ".local", "bin"))).toEqual(["p2pchat"]); // no partial file left
  });

  test("refusals: no line in SHA256SUMS, a missing file, no checksum tool, no downloader", async () => {
    await using s = await setup((files) => {
      files.set("SHA256SUMS", `${sha256("x")}  p2pchat-linux-x64\n`);
      files.delete("p2pchat-darwin-x64");
    });
    const noLine = await s.install({ os: "Linux", arch: "aarch64" });
    expect([noLine.exitCode, noLine.stderr]).toEqual([1, "p2pchat install: SHA256SUMS has no line for p2pchat-linux-arm64: nothing installed.\n"]);
    const missing = await s.install({ os: "Darwin", arch: "x86_64" });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toEndWith(`404\np2pchat install: could not download ${s.url}/p2pchat-darwin-x64\n`); // curl's word, then ours
    const noSum = await s.install({ tools: [...BASE_TOOLS, "curl"] });
    expect([noSum.exitCode, noSum.stderr]).toEqual([1, "p2pchat install: cannot check the download: neither sha256sum nor shasum is installed. Nothing installed.\n"]);
    const noFetch = await s.install({ tools: [...BASE_TOOLS, "sha256sum"] });
    expect([noFetch.exitCode, noFetch.stderr]).toEqual([1, "p2pchat install: neither curl nor wget is installed: install one of them and run this again.\n"]);
    expect(existsSync(join(s.dir, "my home", ".local"))).toBe(false);
    expect(s.asked).toEqual(["/rel/p2pchat-linux-arm64", "/rel/SHA256SUMS", "/rel/p2pchat-darwin-x64"]);
  });

  test("an unknown platform: a clear message, exit 1, nothing downloaded; Windows is told to download the .exe", async () => {
    await using s = await setup();
    const bsd = await s.install({ os: "FreeBSD", arch: "amd64" });
    expect(bsd).toEqual({ stdout: "", stderr: "p2pchat install: there is no p2pchat build for FreeBSD (amd64): there are builds for Linux and macOS (x64, arm64) and Windows (x64).\n", exitCode: 1 });
    const riscv = await s.install({ os: "Linux", arch: "riscv64" });
    expect(riscv).toEqual({ stdout: "", stderr: "p2pchat install: there is no p2pchat build for riscv64 on linux: there are builds for x64 (x86_64, amd64) and arm64 (aarch64).\n", exitCode: 1 });
    const win = await s.install({ os: "MINGW64_NT-10.0-19045", arch: "x86_64" });
    expect(win.exitCode).toBe(1);
    expect(win.stderr).toContain(`On Windows, download p2pchat-windows-x64.exe from ${s.url}/p2pchat-windows-x64.exe`);
    expect(s.asked).toEqual([]);
    expect(existsSync(join(s.dir, "my home", ".local"))).toBe(false);
  });

  test("without P2PCHAT_BASE_URL: the latest release on GitHub, or P2PCHAT_VERSION's", async () => {
    // A curl stand-in records the URL and fails, as offline: nothing leaves this machine.
    await using s = await setup();
    const offline = join(s.dir, "offline");
    mkdirSync(offline);
    writeFileSync(join(offline, "curl"), `#!/bin/sh\nfor a; do url="$a"; done\necho "curl: (6) Could not resolve host for $url" >&2\nexit 6\n`, { mode: 0o755 });
    const o = { tools: [...BASE_TOOLS, "sha256sum"], pathFirst: offline };
    const latest = await s.install({ ...o, env: { P2PCHAT_BASE_URL: "", P2PCHAT_REPO: "someone/p2pchat" } });
    expect(latest.stderr).toEndWith("p2pchat install: could not download https://github.com/someone/p2pchat/releases/latest/download/p2pchat-linux-x64\n");
    const pinned = await s.install({ ...o, env: { P2PCHAT_BASE_URL: "", P2PCHAT_VERSION: "0.2.0" } });
    expect(pinned.stderr).toEndWith("p2pchat install: could not download https://github.com/p2pchat/p2pchat/releases/download/v0.2.0/p2pchat-linux-x64\n");
  });

  const REAL = process.env.P2PCHAT_BIN ?? join(ROOT, "dist", "p2pchat");
  test.skipIf(!existsSync(REAL) || process.platform !== "linux" || process.arch !== "x64")("the real executable (dist/p2pchat) installs and runs", async () => {
    const bytes = new Uint8Array(await Bun.file(REAL).arrayBuffer());
    await using s = await setup((files) => {
      files.set("p2pchat-linux-x64", bytes);
      files.set("SHA256SUMS", `${sha256(bytes)}  p2pchat-linux-x64\n`);
    });
    const r = await s.install({});
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`: p2pchat ${pkg.version} (`);
  });
});
