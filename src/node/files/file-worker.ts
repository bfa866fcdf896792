// A thread of its own for the bytes of files coming in: each chunk is handed
// over here as it came off the wire, with the hash its manifest says it has;
// here it is checked against that hash, and only if it matches written at its
// place in its partial file and added to the whole file's SHA-256; the node's
// thread hears which (a chunk counts as verified only once this thread says
// so). Fsyncs and the final hash run here too. On a machine with two cores
// the node's thread is left with TLS and framing, and chat messages between
// chunks wait less (two SHA-256 passes and a write per chunk are no longer in
// their way). A download checked against a prefix manifest (prefix-chain.ts)
// hashes each byte once here, for both checks.
import { closeSync, fsync, mkdirSync, openSync, readSync, writeSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import { chunkHash } from "../../protocol/files/file-manifest.ts";
import { PrefixChain, sameHash } from "./prefix-chain.ts";

declare const self: Worker;

interface Open {
  fd: number;
  size: number;
  chunkSize: number;
  hasher: Bun.CryptoHasher;
  /** Chunks hashed into the whole so far: 0 .. next - 1. */
  next: number;
  /** Chunks written past `next` (arrived out of order): hashed from the disk once the gap before them fills. */
  ahead: Set<number>;
  /** A write that failed: said at the next sync or finish. */
  error: string | null;
  /** Checked against a prefix manifest: its running hash (then `hasher`, `next` and `ahead` are not used). */
  chain: PrefixChain | null;
  /** The writer whose chunks these are (told the verdicts of chunks that waited). */
  tag: number;
}

export type FileThreadRequest =
  /** `prefix`: checked against a prefix manifest, chunks 0 .. prefix - 1 verified already (hashed again from the file); null: a chunk manifest. */
  | { op: "open"; key: string; path: string; size: number; chunkSize: number; prefix: number | null }
  | { op: "write"; key: string; tag: number; index: number; buf: ArrayBuffer; offset: number; length: number; hash: Uint8Array }
  | { op: "sync" | "finish" | "close"; key: string; seq: number };

/** `checked`: chunk `index` (`length` bytes, from the writer `tag`) matched its hash (`ok`, then written) or did not. */
export type FileThreadReply = { seq: number; error?: string; sha256?: string } | { ready: true } | { checked: number; tag: number; length: number; ok: boolean; buf: ArrayBuffer };

const files = new Map<string, Open>();

function reply(r: FileThreadReply): void {
  self.postMessage(r);
}

function open(m: Extract<FileThreadRequest, { op: "open" }>): void {
  if (files.has(m.key)) return;
  mkdirSync(dirname(m.path), { recursive: true, mode: 0o700 });
  const fd = openSync(m.path, existsSync(m.path) ? "r+" : "w+", 0o600);
  const f: Open = { fd, size: m.size, chunkSize: m.chunkSize, hasher: new Bun.CryptoHasher("sha256"), next: 0, ahead: new Set(), error: null, chain: null, tag: 0 };
  files.set(m.key, f);
  if (m.prefix !== null) {
    f.chain = new PrefixChain(m.size, m.chunkSize);
    try {
      f.chain.catchUp((buf, offset, length) => readSync(fd, buf, 0, length, offset), m.prefix);
    } catch (err) {
      f.error = (err as Error).message; // said at the next sync
    }
  }
}

/** A chunk checked against its prefix entry: written and told when it, and any that waited for it, are. */
function chained(f: Open, m: Extract<FileThreadRequest, { op: "write" }>, data: Uint8Array): void {
  f.tag = m.tag;
  for (const v of f.chain!.add(m.index, data, m.hash)) {
    if (v.ok && !v.known && !f.error) {
      try {
        let done = 0;
        while (done < v.data.length) done += writeSync(f.fd, v.data, done, v.data.length - done, v.index * f.chunkSize + done);
      } catch (err) {
        f.error = (err as Error).message;
      }
    }
    const buf = v.data.buffer as ArrayBuffer;
    self.postMessage({ checked: v.index, tag: f.tag, length: v.data.byteLength, ok: v.ok, buf } satisfies FileThreadReply, [buf]);
  }
}

function write(m: Extract<FileThreadRequest, { op: "write" }>): void {
  const data = new Uint8Array(m.buf, m.offset, m.length);
  const f = files.get(m.key);
  if (f?.chain) return chained(f, m, data);
  const ok = sameHash(chunkHash(data), m.hash);
  // A write that fails is the disk's, not the source's: the chunk matched, and the error is said at the next sync.
  if (ok && f && !f.error) {
    try {
      let done = 0;
      while (done < data.length) done += writeSync(f.fd, data, done, data.length - done, m.index * f.chunkSize + done);
      if (m.index === f.next) {
        f.hasher.update(data);
        f.next++;
        hashAhead(f);
      } else if (m.index > f.next) f.ahead.add(m.index);
    } catch (err) {
      f.error = (err as Error).message;
    }
  }
  // Told either way, the buffer given back for the next chunk: the node's thread counts what waits here,
  // and counts a chunk verified only when told so.
  self.postMessage({ checked: m.index, tag: m.tag, length: m.length, ok, buf: m.buf } satisfies FileThreadReply, [m.buf]);
}

let scratch: Buffer | null = null;

/** The chunks written out of order that follow `next` now: read back and hashed (from the page cache, just written). */
function hashAhead(f: Open): void {
  while (f.ahead.delete(f.next)) {
    const len = Math.min(f.chunkSize, f.size - f.next * f.chunkSize);
    if (!scratch || scratch.length < len) scratch = Buffer.allocUnsafe(f.chunkSize);
    if (readSync(f.fd, scratch, 0, len, f.next * f.chunkSize) !== len) throw new Error("the partial file is shorter than it should be");
    f.hasher.update(scratch.subarray(0, len));
    f.next++;
  }
}

/** The rest of the file read back from the disk, a chunk at a time, then the digest. */
function finish(f: Open): string {
  if (f.chain) {
    f.chain.catchUp((buf, offset, length) => readSync(f.fd, buf, 0, length, offset), Math.ceil(f.size / f.chunkSize));
    return f.chain.digest();
  }
  const n = Math.ceil(f.size / f.chunkSize);
  const buf = Buffer.allocUnsafe(f.chunkSize);
  for (let i = f.next; i < n; i++) {
    const len = Math.min(f.chunkSize, f.size - i * f.chunkSize);
    if (readSync(f.fd, buf, 0, len, i * f.chunkSize) !== len) throw new Error("the partial file is shorter than it should be");
    f.hasher.update(buf.subarray(0, len));
    f.next = i + 1;
  }
  return f.hasher.digest("hex");
}

self.onmessage = (e: MessageEvent<FileThreadRequest>) => {
  const m = e.data;
  try {
    switch (m.op) {
      case "open":
        return open(m);
      case "write":
        return write(m);
      case "sync": {
        const f = files.get(m.key);
        if (!f) return reply({ seq: m.seq });
        if (f.error) return reply({ seq: m.seq, error: f.error });
        return fsync(f.fd, (err) => reply(err ? { seq: m.seq, error: err.message } : { seq: m.seq }));
      }
      case "finish": {
        const f = files.get(m.key);
        if (!f) return reply({ seq: m.seq, error: "not open" });
        if (f.error) return reply({ seq: m.seq, error: f.error });
        return reply({ seq: m.seq, sha256: finish(f) });
      }
      case "close": {
        const f = files.get(m.key);
        files.delete(m.key);
        if (f) closeSync(f.fd);
        return reply({ seq: m.seq });
      }
    }
  } catch (err) {
    if ("seq" in m) reply({ seq: m.seq, error: (err as Error).message });
    else if (m.op === "open") files.set(m.key, { fd: -1, size: 0, chunkSize: 1, hasher: new Bun.CryptoHasher("sha256"), next: 0, ahead: new Set(), error: (err as Error).message, chain: null, tag: 0 });
  }
};

reply({ ready: true });
