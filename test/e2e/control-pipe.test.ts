// Windows: the control socket is a named pipe (src/control/pipe-name.ts).
// Bun sets no security descriptor on it, so it has Windows' default one:
// this checks what that lets other users do (write nothing), that the name
// is random and kept in the home, and that a name left by a crash is not
// opened. Linux and macOS have the unix socket (control-socket.test.ts).
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PIPE_FILE } from "../../src/control/pipe-name.ts";
import { noNamedPipes, skipped } from "../helpers/platform.ts";
import { makeUser } from "../helpers/serve.ts";

setDefaultTimeout(60_000);

const PIPE_RE = /^\\\\\.\\pipe\\p2pchat-[0-9a-f]{32}$/;
const pipeOf = (home: string) => readFileSync(join(home, PIPE_FILE), "utf8").trim();

/** Accounts that may hold full control of a pipe we made: us, SYSTEM, administrators, and the owner placeholders. */
const OURS = ["S-1-5-18", "S-1-5-32-544", "S-1-3-0", "S-1-3-4"];
/** Rights that let a client send a request, add a pipe instance of its own, or change who may. */
const WRITE_RIGHTS = 0x2 | 0x4 | 0x40000 | 0x80000 | 0x10000000 | 0x40000000;

interface Ace {
  sid: string;
  type: string;
  rights: number;
}

/** The pipe's access rules as Windows reports them (PowerShell, .NET's PipeSecurity), and our own SID. */
async function pipeAcl(pipe: string): Promise<{ me: string; aces: Ace[] }> {
  const name = pipe.slice("\\\\.\\pipe\\".length);
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `$c = New-Object System.IO.Pipes.NamedPipeClientStream('.', '${name}', [System.IO.Pipes.PipeDirection]::In)`,
    "$c.Connect(10000)",
    "'me ' + [System.Security.Principal.WindowsIdentity]::GetCurrent().User.Value",
    "foreach ($r in $c.GetAccessControl().GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier])) { 'ace ' + $r.IdentityReference.Value + ' ' + $r.AccessControlType + ' ' + [int]$r.PipeAccessRights }",
    "$c.Dispose()",
  ].join("; ");
  const r = Bun.spawnSync(["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script], { stdout: "pipe", stderr: "pipe" });
  const out = r.stdout.toString().trim().split(/\r?\n/);
  if (r.exitCode !== 0) throw new Error(`powershell exited ${r.exitCode}: ${r.stderr.toString()}`);
  const me = out.find((l) => l.startsWith("me "))?.slice(3) ?? "";
  const aces = out.filter((l) => l.startsWith("ace ")).map((l) => {
    const [, sid, type, rights] = l.split(" ");
    return { sid: sid!, type: type!, rights: Number(rights) };
  });
  return { me, aces };
}

describe.skipIf(noNamedPipes !== null)(`the control pipe on Windows${skipped(noNamedPipes)}`, () => {
  test("each serve names a new random pipe in its home; commands attach through it; a clean stop takes the name back", async () => {
    await using alice = await makeUser("alice");
    const first = await alice.serve();
    const name = pipeOf(alice.home);
    expect(name).toMatch(PIPE_RE);
    const status = await alice.cli(["status", "--json"]);
    expect([status.exitCode, JSON.parse(status.stdout).running]).toEqual([0, true]);
    expect(await first.stop()).toBe(0);
    expect(existsSync(join(alice.home, PIPE_FILE))).toBe(false);
    const second = await alice.serve();
    expect(pipeOf(alice.home)).toMatch(PIPE_RE);
    expect(pipeOf(alice.home)).not.toBe(name);
    expect(await second.stop()).toBe(0);
  });

  test("no one but the user, SYSTEM and administrators may write to it (Windows' default descriptor: read-only for the rest)", async () => {
    await using alice = await makeUser("alice");
    const serve = await alice.serve();
    const { me, aces } = await pipeAcl(pipeOf(alice.home));
    expect(me).toMatch(/^S-1-5-/);
    // Someone can send requests: us (or the administrators we belong to). Said first, so a parse that found nothing fails here.
    expect(aces.some((a) => a.type === "Allow" && [me, ...OURS].includes(a.sid) && (a.rights & 0x2) !== 0)).toBe(true);
    const othersWriting = aces.filter((a) => a.type === "Allow" && ![me, ...OURS].includes(a.sid) && (a.rights & WRITE_RIGHTS) !== 0);
    expect(othersWriting).toEqual([]);
    expect(await serve.stop()).toBe(0);
  });

  test("a name left by a crash is not opened: its node is gone, so no command talks to whatever answers there now", async () => {
    await using alice = await makeUser("alice");
    const serve = await alice.serve();
    serve.proc.kill("SIGKILL"); // TerminateProcess: nothing cleaned up
    await serve.proc.exited;
    expect(pipeOf(alice.home)).toMatch(PIPE_RE); // still named
    const status = await alice.cli(["status", "--json"]);
    expect([status.exitCode, JSON.parse(status.stdout).running]).toEqual([0, false]);
  });
});
