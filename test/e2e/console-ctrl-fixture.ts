// Windows only: runs a command in a console of its own and presses Ctrl-C or
// Ctrl-Break there once the command prints its ready line, as a person at
// that console would. Prints one JSON line: the command's exit code and
// what it wrote. A console of its own, because a console event reaches
// every process attached to the console: the test runner's must not get it.
//
//   bun console-ctrl-fixture.ts c|break COMMAND...
import { dlopen, FFIType } from "bun:ffi";

const [key, ...argv] = process.argv.slice(2);
if ((key !== "c" && key !== "break") || argv.length === 0) throw new Error("usage: console-ctrl-fixture.ts c|break COMMAND...");

const CTRL_C_EVENT = 0;
const CTRL_BREAK_EVENT = 1;
const k32 = dlopen("kernel32.dll", {
  FreeConsole: { args: [], returns: FFIType.i32 },
  AllocConsole: { args: [], returns: FFIType.i32 },
  SetConsoleCtrlHandler: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  GenerateConsoleCtrlEvent: { args: [FFIType.u32, FFIType.u32], returns: FFIType.i32 },
  GetLastError: { args: [], returns: FFIType.u32 },
});
const check = (what: string, ok: number) => {
  if (!ok) throw new Error(`${what} failed: Windows error ${k32.symbols.GetLastError()}`);
};

k32.symbols.FreeConsole();
check("AllocConsole", k32.symbols.AllocConsole());
// Whether Ctrl-C is ignored is inherited: make sure the command starts with it heard.
check("SetConsoleCtrlHandler", k32.symbols.SetConsoleCtrlHandler(null, 0));
// This process is on the console too and hears the same event: it stays to report.
process.on("SIGINT", () => {});
process.on("SIGBREAK", () => {});

const proc = Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
let out = "";
let err = "";
const ready = Promise.withResolvers<void>();
void (async () => {
  const dec = new TextDecoder();
  for await (const chunk of proc.stdout) {
    out += dec.decode(chunk, { stream: true });
    if (/^ready: /m.test(out)) ready.resolve();
  }
  ready.reject(new Error(`the command ended before its ready line: ${out}`));
})();
void (async () => {
  const dec = new TextDecoder();
  for await (const chunk of proc.stderr) err += dec.decode(chunk, { stream: true });
})();

await ready.promise;
check("GenerateConsoleCtrlEvent", k32.symbols.GenerateConsoleCtrlEvent(key === "c" ? CTRL_C_EVENT : CTRL_BREAK_EVENT, 0));
const exitCode = await Promise.race([proc.exited, Bun.sleep(30_000).then(() => null)]);
if (exitCode === null) proc.kill("SIGKILL");
await proc.exited;
console.log(JSON.stringify({ exitCode, stdout: out, stderr: err }));
