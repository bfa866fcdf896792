import { expect, test } from "bun:test";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { DISCOVERY_KEY_FILE, generateDiscoveryKey, loadOrCreateDiscoveryKey, parseDiscoveryKey, verifyEd25519 } from "../../../src/reach/dht/discovery-key.ts";
import { noFileModes } from "../../helpers/platform.ts";
import { tempDir } from "../../helpers/tmp.ts";

test("made on first use, mode 0600, the same key on every later load", async () => {
  await using dir = await tempDir();
  const made = await loadOrCreateDiscoveryKey(dir.path);
  if (!noFileModes) expect(statSync(join(dir.path, DISCOVERY_KEY_FILE)).mode & 0o777).toBe(0o600);
  expect(made.publicKey.length).toBe(32);
  expect(made.z32).toMatch(/^[ybndrfg8ejkmcpqxot1uwisza345h769]{52}$/);
  const again = await loadOrCreateDiscoveryKey(dir.path);
  expect(again.z32).toBe(made.z32);
  const msg = new TextEncoder().encode("3:seqi1e1:v2:hi");
  expect(verifyEd25519(again.sign(msg), msg, made.publicKey)).toBe(true);
});

test("processes racing to create it end up with one key", async () => {
  await using dir = await tempDir();
  const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateDiscoveryKey(dir.path)));
  expect(new Set(keys.map((k) => k.z32)).size).toBe(1);
  expect((await loadOrCreateDiscoveryKey(dir.path)).z32).toBe(keys[0]!.z32);
});

test("a file that is not an Ed25519 key is refused, never replaced", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, DISCOVERY_KEY_FILE);
  writeFileSync(path, generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }));
  await expect(loadOrCreateDiscoveryKey(dir.path)).rejects.toMatchObject({ code: "KEY_FILE", message: expect.stringContaining("not Ed25519") });
  writeFileSync(path, "garbage");
  await expect(loadOrCreateDiscoveryKey(dir.path)).rejects.toMatchObject({ code: "KEY_FILE" });
  expect(await Bun.file(path).text()).toBe("garbage");
});

test("parses the printed form, with pk: or in capitals; refuses typos with a reason", () => {
  const k = generateDiscoveryKey();
  expect(parseDiscoveryKey(k.z32)).toEqual(k.publicKey);
  expect(parseDiscoveryKey(`pk:${k.z32}`)).toEqual(k.publicKey);
  expect(parseDiscoveryKey(` ${k.z32.toUpperCase()} `)).toEqual(k.publicKey);
  expect(() => parseDiscoveryKey(k.z32.slice(1))).toThrow("52 characters, this has 51");
  expect(() => parseDiscoveryKey("l" + k.z32.slice(1))).toThrow("not z-base-32");
  expect(() => parseDiscoveryKey("alice")).toThrow(expect.objectContaining({ code: "BAD_KEY" }));
});

test("verifyEd25519 says false, never throws, for wrong or malformed input", () => {
  const k = generateDiscoveryKey();
  const msg = new TextEncoder().encode("hello");
  const sig = k.sign(msg);
  expect(verifyEd25519(sig, msg, k.publicKey)).toBe(true);
  expect(verifyEd25519(sig, new TextEncoder().encode("hellO"), k.publicKey)).toBe(false);
  expect(verifyEd25519(sig, msg, generateDiscoveryKey().publicKey)).toBe(false);
  expect(verifyEd25519(sig.subarray(1), msg, k.publicKey)).toBe(false);
  expect(verifyEd25519(sig, msg, new Uint8Array(31))).toBe(false);
  expect(verifyEd25519(sig, msg, new Uint8Array(32).fill(0xff))).toBe(false);
});
