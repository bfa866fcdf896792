// A packet capture on loopback for one port (tcpdump, as root): what a
// relay on that port sends and receives, raw, to search for plaintext.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "./tmp.ts";

export const TCPDUMP = process.getuid?.() === 0 ? Bun.which("tcpdump") : null;

export interface Capture extends AsyncDisposable {
  /** Stops the capture; the pcap file's bytes (headers and payloads). */
  stop(): Promise<Buffer>;
}

export async function capture(port: number): Promise<Capture> {
  if (!TCPDUMP) throw new Error("tcpdump needs to be installed and run as root");
  const dir = await tempDir("p2pchat-capture-");
  const file = join(dir.path, "relay.pcap");
  const proc = Bun.spawn([TCPDUMP, "-i", "lo", "-n", "-U", "--immediate-mode", "-s", "0", "-w", file, `tcp port ${port}`], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  // tcpdump says "listening on lo" once packets are being captured; --immediate-mode hands each packet over
  // at once (without it, packets still in the kernel's ring when tcpdump stops are lost).
  const reader = proc.stderr.getReader();
  let said = "";
  const dec = new TextDecoder();
  while (!said.includes("listening on")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`tcpdump did not start: ${said}`);
    said += dec.decode(value);
  }
  void (async () => {
    while (!(await reader.read()).done);
  })();
  let bytes: Buffer | null = null;
  const stop = async () => {
    if (bytes) return bytes;
    proc.kill("SIGINT");
    await proc.exited;
    bytes = await readFile(file);
    return bytes;
  };
  return {
    stop,
    async [Symbol.asyncDispose]() {
      await stop().catch(() => {});
      await dir[Symbol.asyncDispose]();
    },
  };
}
