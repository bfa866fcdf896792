// Equivocation in groups: an author that signs two different messages with
// the same (group, author, seq) and sends one to some members and the other
// to the rest. Two things make it visible:
//
// Log digests. Each member keeps, per author, a running hash of that
// author's log: chain(0) is 32 zero bytes, chain(n) = SHA-256(domain |
// chain(n - 1) | the signed bytes of seq n). It covers the content, not the
// signature (an author may sign the same content twice with different
// signatures; that is no fork). Vectors carry it for each (author, seq)
// they name (group-codec.ts), so two members holding different logs learn
// it at once, even when the forked seq is never asked for again.
//
// Fork frames. Once a member holds two versions, it passes them on: both
// signed by the author, so anyone checks the proof alone.
//
//   group-fork  group(16) | author(32) | seq u32 (>= 1) | 2 * version
//               version: created u64 | kind u8 | sig(64) | size u32 | UTF-8 body(size)
import { FRAME_TYPE, HEADER_SIZE, MAX_BODY, writeHeader } from "../frame.ts";
import { hexBytes, hexString } from "../hex.ts";
import type { GroupForkFrame, GroupForkVersion, GroupMessageFrame } from "../messages.ts";
import { ProtocolError } from "../protocol-error.ts";
import { DIGEST_BYTES, GROUP_ID_BYTES, groupSignedBytes, KEY_BYTES, MAX_GROUP_SEQ, SIG_BYTES } from "./group-signed.ts";

/** The chain before an author's first message, and "not known" in a vector. */
export const ZERO_DIGEST = "00".repeat(DIGEST_BYTES);

const CHAIN_DOMAIN = new TextEncoder().encode("p2pchat group chain v1\0");
const CONTENT_DOMAIN = new TextEncoder().encode("p2pchat group content v1\0");
const VERSION_FIXED = 8 + 1 + SIG_BYTES + 4;
const FORK_FIXED = GROUP_ID_BYTES + KEY_BYTES + 4;
const FORK_MIN = FORK_FIXED + 2 * VERSION_FIXED;
const TWO_32 = 2 ** 32;
const utf8 = new TextDecoder("utf-8", { fatal: true });

type Signed = Omit<GroupMessageFrame, "type" | "sig">;

/** chain(n) from chain(n - 1) (hex) and message n. */
export function chainStep(prev: string, m: Signed): string {
  const h = new Bun.CryptoHasher("sha256");
  h.update(CHAIN_DOMAIN);
  h.update(hexBytes(prev, DIGEST_BYTES, "chain"));
  h.update(groupSignedBytes(m));
  return h.digest("hex");
}

/** What a message says, as a hash: equal for the same content, whatever its signature. */
export function contentHash(m: Signed): string {
  const h = new Bun.CryptoHasher("sha256");
  h.update(CONTENT_DOMAIN);
  h.update(groupSignedBytes(m));
  return h.digest("hex");
}

// --- the fork frame ------------------------------------------------------------

export function checkForkHeader(size: number): void {
  if (size < FORK_MIN) throw ProtocolError.badFrame(`group-fork payload of ${size} bytes: its fixed part alone takes ${FORK_MIN}`);
  if (size > FORK_MIN + 2 * MAX_BODY) throw ProtocolError.bodyTooLarge(size - FORK_MIN, 2 * MAX_BODY);
}

export function encodeFork(f: GroupForkFrame): Uint8Array {
  if (!Number.isInteger(f.seq) || f.seq < 1 || f.seq > MAX_GROUP_SEQ) throw ProtocolError.badFrame(`group fork seq ${f.seq} is not 1 to ${MAX_GROUP_SEQ}`);
  if (f.versions.length !== 2) throw ProtocolError.badFrame("a group fork holds two versions");
  const sizes = f.versions.map((v) => {
    if (!Number.isSafeInteger(v.created) || v.created < 0) throw ProtocolError.badFrame(`group fork: created ${v.created} is not an integer >= 0`);
    if (!Number.isInteger(v.kind) || v.kind < 0 || v.kind > 255) throw ProtocolError.badFrame(`group fork: kind ${v.kind} is not a byte`);
    if (!v.body.isWellFormed()) throw ProtocolError.badUtf8("group fork body (a lone surrogate)");
    const n = Buffer.byteLength(v.body, "utf8");
    if (n > MAX_BODY) throw ProtocolError.bodyTooLarge(n, MAX_BODY);
    return n;
  });
  const size = FORK_MIN + sizes[0]! + sizes[1]!;
  const out = Buffer.alloc(HEADER_SIZE + size);
  writeHeader(out, 0, FRAME_TYPE.groupFork, size);
  let pos = HEADER_SIZE;
  out.set(hexBytes(f.group, GROUP_ID_BYTES, "group id"), pos);
  out.set(hexBytes(f.author, KEY_BYTES, "author key"), pos + GROUP_ID_BYTES);
  pos += GROUP_ID_BYTES + KEY_BYTES;
  out.writeUInt32BE(f.seq, pos);
  pos += 4;
  f.versions.forEach((v, i) => {
    out.writeUInt32BE(Math.floor(v.created / TWO_32), pos);
    out.writeUInt32BE(v.created >>> 0, pos + 4);
    out[pos + 8] = v.kind;
    out.set(hexBytes(v.sig, SIG_BYTES, "signature"), pos + 9);
    out.writeUInt32BE(sizes[i]!, pos + 9 + SIG_BYTES);
    pos += VERSION_FIXED;
    out.write(v.body, pos, sizes[i]!, "utf8");
    pos += sizes[i]!;
  });
  return out;
}

export function decodeFork(p: Uint8Array): GroupForkFrame {
  const bad = (why: string) => ProtocolError.badFrame(`group fork: ${why}`);
  const view = Buffer.from(p.buffer, p.byteOffset, p.length);
  const seq = view.readUInt32BE(GROUP_ID_BYTES + KEY_BYTES);
  if (seq < 1) throw bad("seq 0: seqs start at 1");
  let pos = FORK_FIXED;
  const versions: GroupForkVersion[] = [];
  for (let i = 0; i < 2; i++) {
    if (pos + VERSION_FIXED > p.length) throw bad("ends inside a version");
    const hi = view.readUInt32BE(pos);
    if (hi > 0x1fffff) throw bad("created time is past 2^53 ms");
    const created = hi * TWO_32 + view.readUInt32BE(pos + 4);
    const kind = p[pos + 8]!;
    const sig = hexString(p, pos + 9, SIG_BYTES);
    const n = view.readUInt32BE(pos + 9 + SIG_BYTES);
    pos += VERSION_FIXED;
    if (n > MAX_BODY || pos + n > p.length) throw bad(`a body of ${n} bytes does not fit`);
    let body: string;
    try {
      body = utf8.decode(p.subarray(pos, pos + n));
    } catch (err) {
      throw ProtocolError.badUtf8("group fork body", err);
    }
    pos += n;
    versions.push({ created, kind, body, sig });
  }
  if (pos !== p.length) throw bad(`${p.length - pos} bytes after the second version`);
  return { type: "group-fork", group: hexString(p, 0, GROUP_ID_BYTES), author: hexString(p, GROUP_ID_BYTES, KEY_BYTES), seq, versions: versions as [GroupForkVersion, GroupForkVersion] };
}
