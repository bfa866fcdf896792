// Where a download's chunks go: each checked against the hash its manifest
// says (the fetch counts it verified only once told it matched), then written
// at its place in the partial file, hashed into the whole file's SHA-256 when
// next in order, fsync'd on request, the rest hashed from the disk at the
// end. Against a prefix manifest (usePrefix), one running hash does both
// checks (prefix-chain.ts). On the file thread (file-worker.ts) when it starts, else here on the
// node's thread (part-file.ts and whole-hash.ts), with the same behaviour.
import { giveBackBigBuffer } from "../../protocol/big-buffers.ts";
import { chunkHash } from "../../protocol/files/file-manifest.ts";
import { childLogger } from "../../log.ts";
import type { FileThreadReply, FileThreadRequest } from "./file-worker.ts";
import { PartFile } from "./part-file.ts";
import { PrefixChain } from "./prefix-chain.ts";
import { WholeHash } from "./whole-hash.ts";

const log = childLogger("files");

export interface PartWriter {
  /**
   * Chunk `index`, to be checked against `hash` and written at its place if
   * it matches; `data` is handed over (its buffer may be moved to the file
   * thread). `onChecked` hears the verdict, later or at once.
   */
  write(index: number, data: Uint8Array, hash: Uint8Array): void;
  /**
   * The hashes given with chunks are a prefix manifest's from now on (called
   * before the first write): `verified` says how many chunks from the start
   * are verified already when the file is opened (hashed again from it).
   */
  usePrefix(verified: () => number): void;
  /** Told of each chunk handed over, once checked: `ok` when it matched its hash (and was written). */
  onChecked: (index: number, ok: boolean) => void;
  /** Bytes handed over and not checked yet: no more is asked for while this is much. */
  readonly backlog: number;
  /** Resolves once everything handed over so far is checked (onChecked told) and on the disk. */
  sync(): Promise<void>;
  /** The whole file's SHA-256, hex. */
  finish(): Promise<string>;
  /** Lets the file go (it is opened again by the next write). */
  close(): Promise<void>;
}

/** The file thread, started once per node when a file first comes in; null when threads are not to be had. */
export class FileThread {
  private worker: Worker | null = null;
  private failed = false;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: { sha256?: string }) => void; reject: (e: Error) => void }>();
  /** Writers with chunks on the thread not checked yet, by tag: told each verdict. */
  private readonly pending = new Map<number, ThreadWriter>();
  private tags = 0;

  writer(key: string, path: string, size: number, chunkSize: number): PartWriter {
    const w = this.start();
    return w ? new ThreadWriter(this, ++this.tags, key, path, size, chunkSize) : new LocalWriter(path, size, chunkSize);
  }

  post(m: FileThreadRequest, transfer?: ArrayBuffer[]): void {
    this.worker!.postMessage(m, transfer ?? []);
  }

  /** A chunk of `w`'s goes to the thread: its verdict comes back to it. */
  expect(w: ThreadWriter): void {
    this.pending.set(w.tag, w);
  }

  ask(m: Omit<Extract<FileThreadRequest, { seq: number }>, "seq">): Promise<{ sha256?: string }> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.post({ ...m, seq } as FileThreadRequest);
    });
  }

  stop(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const w of this.waiting.values()) w.reject(new Error("the node is stopping"));
    this.waiting.clear();
  }

  private start(): Worker | null {
    if (this.worker || this.failed) return this.worker;
    try {
      const w = new Worker(workerUrl());
      w.onmessage = (e: MessageEvent<FileThreadReply>) => this.reply(e.data);
      w.onerror = (e) => {
        log.debug(`the file thread failed: ${e.message}`);
        this.failed = true;
        this.stop();
      };
      w.unref();
      this.worker = w;
    } catch (err) {
      log.debug(`no file thread (${(err as Error).message}): files are written on the node's thread`);
      this.failed = true;
    }
    return this.worker;
  }

  private reply(r: FileThreadReply): void {
    if ("ready" in r) return;
    if ("checked" in r) {
      giveBackBigBuffer(r.buf);
      const w = this.pending.get(r.tag);
      if (w && w.checked(r.checked, r.length, r.ok) === 0) this.pending.delete(r.tag);
      return;
    }
    const w = this.waiting.get(r.seq);
    if (!w) return;
    this.waiting.delete(r.seq);
    if (r.error) w.reject(new Error(r.error));
    else w.resolve(r);
  }
}

/** Where the worker's code is: beside this file from source; in a compiled binary, where build.ts put it. */
function workerUrl(): string {
  if (import.meta.url.includes("$bunfs")) return "./node/files/file-worker.ts";
  return new URL("./file-worker.ts", import.meta.url).href;
}

class ThreadWriter implements PartWriter {
  private opened = false;
  private prefix: (() => number) | null = null;
  backlog = 0;
  onChecked: (index: number, ok: boolean) => void = () => {};

  constructor(
    private readonly t: FileThread,
    readonly tag: number,
    private readonly key: string,
    private readonly path: string,
    private readonly size: number,
    private readonly chunkSize: number,
  ) {}

  usePrefix(verified: () => number): void {
    this.prefix = verified;
  }

  write(index: number, data: Uint8Array, hash: Uint8Array): void {
    this.open();
    // Moved, not copied, when the buffer is the chunk's own (a frame's: file-codec.ts); a view of something bigger is copied first.
    const own = data.buffer.byteLength <= data.byteLength + 64 && data.buffer instanceof ArrayBuffer;
    const view = own ? data : new Uint8Array(data); // (a Buffer's slice() would be a view)
    const buf = view.buffer as ArrayBuffer;
    this.backlog += view.byteLength;
    this.t.expect(this);
    // The hash in a buffer of its own: a view of a pooled Buffer would be cloned with the whole pool slab.
    const own32 = new Uint8Array(hash);
    this.t.post({ op: "write", key: this.key, tag: this.tag, index, buf, offset: view.byteOffset, length: view.byteLength, hash: own32 }, [buf]);
  }

  /** The thread's verdict on a chunk; returns the bytes still waiting for one. */
  checked(index: number, length: number, ok: boolean): number {
    this.backlog -= length;
    this.onChecked(index, ok);
    return this.backlog;
  }

  async sync(): Promise<void> {
    if (this.opened) await this.t.ask({ op: "sync", key: this.key });
  }

  async finish(): Promise<string> {
    this.open();
    return (await this.t.ask({ op: "finish", key: this.key })).sha256!;
  }

  private open(): void {
    if (this.opened) return;
    this.opened = true;
    this.t.post({ op: "open", key: this.key, path: this.path, size: this.size, chunkSize: this.chunkSize, prefix: this.prefix?.() ?? null });
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    await this.t.ask({ op: "close", key: this.key });
  }
}

class LocalWriter implements PartWriter {
  private readonly part: PartFile;
  private readonly whole = new WholeHash();
  private prefix: (() => number) | null = null;
  private chain: PrefixChain | null = null;
  readonly backlog = 0;
  onChecked: (index: number, ok: boolean) => void = () => {};

  constructor(
    path: string,
    private readonly size: number,
    private readonly chunkSize: number,
  ) {
    this.part = new PartFile(path);
  }

  usePrefix(verified: () => number): void {
    this.prefix = verified;
  }

  write(index: number, data: Uint8Array, hash: Uint8Array): void {
    const chain = this.started();
    if (chain) {
      for (const v of chain.add(index, data, hash)) {
        if (v.ok && !v.known) this.part.write(v.index * this.chunkSize, v.data);
        if (v.data.buffer instanceof ArrayBuffer) giveBackBigBuffer(v.data.buffer);
        this.onChecked(v.index, v.ok);
      }
      return;
    }
    const ok = Buffer.compare(chunkHash(data), hash) === 0;
    if (ok) {
      this.part.write(index * this.chunkSize, data);
      this.whole.inOrder(index, data);
    }
    if (data.buffer instanceof ArrayBuffer) giveBackBigBuffer(data.buffer); // written: the next chunk may use it
    this.onChecked(index, ok);
  }

  sync(): Promise<void> {
    return this.part.sync();
  }

  async finish(): Promise<string> {
    const chain = this.started();
    if (!chain) return this.whole.finish(this.part, this.size, this.chunkSize);
    chain.catchUp((buf, offset, length) => this.part.read(buf, offset, length), Math.ceil(this.size / this.chunkSize));
    return chain.digest();
  }

  /** The prefix chain, started at the first use (the verified prefix hashed again from the file), or null for a chunk manifest. */
  private started(): PrefixChain | null {
    if (!this.prefix || this.chain) return this.chain;
    this.chain = new PrefixChain(this.size, this.chunkSize);
    this.chain.catchUp((buf, offset, length) => this.part.read(buf, offset, length), this.prefix());
    return this.chain;
  }

  async close(): Promise<void> {
    this.part.close();
  }
}
