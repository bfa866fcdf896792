// Builds p2pchat as one executable.
//   bun run build            dist/p2pchat for this machine
//   bun run build --all      dist/p2pchat-<os>-<arch>[.exe] for every platform, and SHA256SUMS
//   bun run build --outfile PATH   this machine's, elsewhere (the binary tests use it)
// The SQL migrations and the version from package.json are bundled in, with
// the commit (git) and the build date (now, or $SOURCE_DATE_EPOCH) for
// `--version`, and the web page's scripts, bundled for the browser; the
// binary ignores a bunfig.toml or .env in the folder it runs from.
import { mkdir, readdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import pkg from "./package.json" with { type: "json" };
import { gitCommit } from "./src/version.ts";
import { bundlePage } from "./src/web/page-bundle.ts";

interface Target {
  /** Bun's --target. */
  bun: Bun.Build.CompileTarget;
  os: "linux" | "darwin" | "windows";
  arch: "x64" | "arm64";
}

const TARGETS: Target[] = [
  { bun: "bun-linux-x64", os: "linux", arch: "x64" },
  { bun: "bun-linux-arm64", os: "linux", arch: "arm64" },
  { bun: "bun-darwin-x64", os: "darwin", arch: "x64" },
  { bun: "bun-darwin-arm64", os: "darwin", arch: "arm64" },
  { bun: "bun-windows-x64", os: "windows", arch: "x64" },
];

const ROOT = import.meta.dir;
const DIST = join(ROOT, "dist");
const ENTRY = join(ROOT, "src", "main.ts");
/** Started as Workers (by the SQLite store, by file downloads): a compiled binary must carry them as entrypoints. */
const WORKERS = [join(ROOT, "src", "store", "checkpoint-worker.ts"), join(ROOT, "src", "node", "files", "file-worker.ts")];

/**
 * What src/version.ts reads as P2PCHAT_COMMIT and P2PCHAT_BUILT, and
 * src/web/page-assets.ts as P2PCHAT_PAGE_SCRIPTS (the page's scripts, built
 * for the browser once here): the same for every target of one run.
 */
async function stamp(): Promise<Record<string, string>> {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  const date = Number.isInteger(epoch) && epoch > 0 ? new Date(epoch * 1000) : new Date();
  return {
    P2PCHAT_COMMIT: JSON.stringify(gitCommit(ROOT) ?? "dev"),
    P2PCHAT_BUILT: JSON.stringify(date.toISOString().replace(/\.\d+Z$/, "Z")),
    P2PCHAT_PAGE_SCRIPTS: JSON.stringify(JSON.stringify(await bundlePage({ minify: true }))),
  };
}

async function compile(outfile: string, define: Record<string, string>, target?: Bun.Build.CompileTarget): Promise<void> {
  const result = await Bun.build({
    entrypoints: [ENTRY, ...WORKERS],
    define,
    // main.ts awaits at top level: bytecode needs ESM for that.
    format: "esm",
    minify: true,
    bytecode: true,
    // `--version` loads only the small entry chunk; the CLI is a chunk of its
    // own, loaded by main.ts's dynamic import (median 54 -> 35 ms here).
    splitting: true,
    sourcemap: "none",
    compile: {
      outfile,
      ...(target ? { target } : {}),
      // A user's bunfig.toml or .env must not change what the binary does.
      autoloadBunfig: false,
      autoloadDotenv: false,
      autoloadTsconfig: false,
      autoloadPackageJson: false,
    },
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`build of ${basename(outfile)} failed`);
  }
}

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(await Bun.file(path).arrayBuffer());
  return hasher.digest("hex");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const all = args.includes("--all");
  const at = args.indexOf("--outfile");
  const outfile = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && !outfile) throw new Error("--outfile needs a path");
  await mkdir(DIST, { recursive: true });
  const define = await stamp();
  if (!all) {
    const out = outfile ?? join(DIST, process.platform === "win32" ? "p2pchat.exe" : "p2pchat");
    const t0 = performance.now();
    await compile(out, define);
    console.log(`${out} (p2pchat ${pkg.version}, ${sizeOf(await Bun.file(out).size)}, ${Math.round(performance.now() - t0)} ms)`);
    return;
  }
  // A clean set: no binary from an older version left to be summed.
  for (const f of await readdir(DIST)) if (f.startsWith("p2pchat-") || f === "SHA256SUMS") await rm(join(DIST, f));
  const sums: string[] = [];
  for (const t of TARGETS) {
    const name = `p2pchat-${t.os}-${t.arch}${t.os === "windows" ? ".exe" : ""}`;
    const out = join(DIST, name);
    await compile(out, define, t.bun);
    sums.push(`${await sha256(out)}  ${name}`);
    console.log(`${out} (${sizeOf(await Bun.file(out).size)})`);
  }
  await Bun.write(join(DIST, "SHA256SUMS"), sums.join("\n") + "\n");
  console.log(`${join(DIST, "SHA256SUMS")} (${sums.length} executables, p2pchat ${pkg.version})`);
}

function sizeOf(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

await main();
