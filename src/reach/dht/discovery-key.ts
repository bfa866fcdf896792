// Each home's Ed25519 key for discovery, beside the TLS identity (which is
// P-256, so it cannot sign BEP 44 items). `discovery.key` holds it as PKCS#8
// PEM, mode 0600, made on first use: existing homes keep their peer id and
// just gain this key. Its public half, printed in z-base-32 the way pkarr
// prints keys, is what contacts look up on the DHT.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { chmodSync, mkdirSync } from "node:fs";
import { link, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { decodeZ32, encodeZ32 } from "../../protocol/base32.ts";
import { ReachError } from "../reach-error.ts";

export const DISCOVERY_KEY_FILE = "discovery.key";

export interface DiscoveryKey {
  /** The raw Ed25519 public key: the BEP 44 `k`. */
  readonly publicKey: Uint8Array;
  /** The public key in z-base-32, 52 characters: what people and invites carry. */
  readonly z32: string;
  /** An Ed25519 signature (64 bytes) over `bytes`. */
  sign(bytes: Uint8Array): Uint8Array;
}

/** Reads `discovery.key` from the home, creating it (0600) if it is not there yet. */
export async function loadOrCreateDiscoveryKey(home: string): Promise<DiscoveryKey> {
  const path = join(home, DISCOVERY_KEY_FILE);
  const existing = await readKeyFile(path);
  if (existing) return existing;
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // Written whole under a temporary name, then linked into place: link(2)
  // fails if the name exists, so a second process never reads half a key.
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const fh = await open(tmp, "wx", 0o600);
    try {
      await fh.writeFile(pem);
      await fh.sync();
    } finally {
      await fh.close();
    }
    chmodSync(tmp, 0o600); // the umask may have changed it
    await link(tmp, path);
  } catch (err) {
    // Another process made it first: use theirs, so both agree.
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return (await readKeyFile(path))!;
    throw new ReachError("KEY_FILE", `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    await rm(tmp, { force: true });
  }
  return discoveryKeyFromPrivate(privateKey);
}

/** A key that lives only in memory (tests, benchmarks). */
export function generateDiscoveryKey(): DiscoveryKey {
  return discoveryKeyFromPrivate(generateKeyPairSync("ed25519").privateKey);
}

/** Reads a discovery key as people write it: z-base-32, optionally `pk:`-prefixed, any case. */
export function parseDiscoveryKey(text: string): Uint8Array {
  const s = text.trim().toLowerCase().replace(/^pk:/, "");
  if (s.length !== 52) throw ReachError.badKey(text, `a discovery key has 52 characters, this has ${s.length}`);
  const bytes = decodeZ32(s);
  if (!bytes || bytes.length !== 32) throw ReachError.badKey(text, "not z-base-32 (letters and digits of ybndrfg8ejkmcpqxot1uwisza345h769), or a character is mistyped");
  return bytes;
}

/** Checks an Ed25519 signature made by the raw 32-byte `publicKey`; false for any malformed input. */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return verify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false; // not a point on the curve
  }
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(raw).toString("base64url") }, format: "jwk" });
}

function discoveryKeyFromPrivate(privateKey: KeyObject): DiscoveryKey {
  const x = createPublicKey(privateKey).export({ format: "jwk" }).x;
  const publicKey = Uint8Array.from(Buffer.from(x!, "base64url"));
  return {
    publicKey,
    z32: encodeZ32(publicKey),
    sign: (bytes) => new Uint8Array(sign(null, bytes, privateKey)),
  };
}

async function readKeyFile(path: string): Promise<DiscoveryKey | null> {
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ReachError("KEY_FILE", `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new ReachError("KEY_FILE", `${path} does not hold a private key (PKCS#8 PEM)`, { cause: err });
  }
  if (key.asymmetricKeyType !== "ed25519") throw new ReachError("KEY_FILE", `${path} holds a ${key.asymmetricKeyType} key, not Ed25519`);
  return discoveryKeyFromPrivate(key);
}
