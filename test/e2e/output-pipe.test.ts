// Output of any size gets out whole: through a pipe (as `| jq` or `| wc`
// reads it), into a file, the same bytes. Bun queues what a pipe has not
// taken yet and a process that exits too soon drops the queue: more than
// 1 MiB of history, search results and contacts must survive that.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { SQL } from "bun";
import { join } from "node:path";
import { SQLITE_FILE } from "../../src/home/home.ts";
import { openStore } from "../../src/store/open.ts";
import { cliCommand, cliEnv, runCli } from "../helpers/cli.ts";
import { noPosixShell, skipped } from "../helpers/platform.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(120_000);

const ROWS = 8000;
const CONTACTS = 6000;
const MiB = 1024 * 1024;

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `args` with stdout into a pipe read by `cat` (slowly at first), and into a file; both outputs and exit codes. */
async function pipeAndFile(dir: string, args: string[]): Promise<{ piped: Uint8Array; filed: Uint8Array; codes: number[] }> {
  const cmd = cliCommand(args).map(shellQuote).join(" ");
  const piped = join(dir, "piped.out");
  const filed = join(dir, "filed.out");
  // The reader starts late, as a busy `jq` would: the writer is done long before the pipe is read.
  const script = `${cmd} | { sleep 0.5; cat > ${shellQuote(piped)}; }; a=\${PIPESTATUS[0]}; ${cmd} > ${shellQuote(filed)}; echo "$a $?"`;
  const r = Bun.spawnSync(["bash", "-c", script], { env: cliEnv(), stdout: "pipe", stderr: "pipe" });
  const codes = r.stdout.toString().trim().split(" ").map(Number);
  return { piped: await Bun.file(piped).bytes(), filed: await Bun.file(filed).bytes(), codes };
}

describe("output through a pipe is complete", () => {
  test.skipIf(noPosixShell !== null)(`history --json, search --json, contacts --json and plain history: over 1 MiB, the pipe gets the file's bytes${skipped(noPosixShell)}`, async () => {
    await using home = await tempDir();
    const init = await runCli(["init", "--name", "alice", "--home", home.path]);
    expect(init.exitCode).toBe(0);

    // Thousands of rows, written the fast way: one transaction each.
    const store = await openStore({ dialect: "sqlite", filename: join(home.path, SQLITE_FILE) });
    const t0 = Date.UTC(2024, 0, 1);
    const body = (i: number) => `needle message ${i} ${"x".repeat(80)}`;
    await store.write({
      outgoing: Array.from({ length: ROWS }, (_, i) => ({ id: Bun.randomUUIDv7("hex", t0 + i), peer: "bob", host: "127.0.0.1", port: 20001, body: body(i), created: t0 + i })),
      at: t0,
    });
    await store.close();
    const db = new SQL({ adapter: "sqlite", filename: join(home.path, SQLITE_FILE) });
    await db.begin(async (tx) => {
      const rows = Array.from({ length: CONTACTS }, (_, i) => ({ name: `friend${i}`, ip: `10.0.${i >> 8}.${i & 255}`, port: "20001", blocked: 0, legacy: 0, created_at: t0 }));
      for (let i = 0; i < rows.length; i += 500) await tx`INSERT INTO \`user\` ${tx(rows.slice(i, i + 500))}`;
    });
    await db.close();

    const h = ["--home", home.path];
    for (const args of [
      ["history", "--json", "--limit", String(ROWS), ...h],
      ["search", "needle", "--json", "--limit", String(ROWS), ...h],
      ["contacts", "--json", ...h],
      ["history", "--limit", String(ROWS), ...h],
    ]) {
      const { piped, filed, codes } = await pipeAndFile(home.path, args);
      expect({ args, codes }).toEqual({ args, codes: [0, 0] });
      expect(filed.byteLength).toBeGreaterThan(MiB);
      expect(piped.byteLength).toBe(filed.byteLength);
      expect(Buffer.from(piped).equals(Buffer.from(filed))).toBe(true);
    }
    // And what the file holds is all of it.
    const { filed } = await pipeAndFile(home.path, ["history", "--json", "--limit", String(ROWS), ...h]);
    expect(JSON.parse(new TextDecoder().decode(filed))).toHaveLength(ROWS);
  });
});
