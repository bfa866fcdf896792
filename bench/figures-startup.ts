// Startup: `p2pchat --version` from the compiled binary, beside a compiled
// hello-world built the same way (the runtime's own start-up cost).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { figure, type Figure, type Scale } from "./figure.ts";
import { median } from "./fixture.ts";

const ROOT = join(import.meta.dir, "..");

function timeRuns(cmd: string[], runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/bin:/bin" } });
    const ms = performance.now() - t0;
    if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString()}`);
    if (i >= 2) out.push(ms); // the first runs warm the page cache
  }
  return out;
}

export async function figureStartup(s: Scale): Promise<Figure[]> {
  const bin = process.env.P2PCHAT_BIN ?? join(ROOT, "dist", "p2pchat");
  if (!existsSync(bin)) {
    const b = Bun.spawnSync([process.execPath, join(ROOT, "build.ts")], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
    if (b.exitCode !== 0 || !existsSync(bin)) throw new Error("could not build dist/p2pchat (bun run build)");
  }
  const dir = mkdtempSync(join(tmpdir(), "p2pchat-hello-"));
  try {
    const src = join(dir, "hello.ts");
    await Bun.write(src, 'process.stdout.write("0.0.0\\n");\n');
    const hello = join(dir, "hello");
    const built = await Bun.build({ entrypoints: [src], compile: { outfile: hello, autoloadBunfig: false, autoloadDotenv: false }, minify: true, bytecode: true, splitting: true, format: "esm" });
    if (!built.success) throw new Error(`hello build failed: ${built.logs.join("\n")}`);
    const ours = median(timeRuns([bin, "--version"], s.startupRuns));
    const floor = median(timeRuns([hello], s.startupRuns));
    return [figure("startup_ms", ours, "ms", floor, "< 50")];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
