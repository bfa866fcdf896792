// A device's proof: made by the identity for one key, it makes that key's
// certificate the identity's device; moved to another key, altered, or made
// by another identity's key, it makes nothing. A joined home loads as the
// identity (peer id) with its own device id.
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { certSpki, checkDeviceCert, checkRevocation, makeDeviceProof, readProof, signRevocation } from "../../../src/transport/device-proof.ts";
import { createIdentity, loadIdentity, newKeyPair, selfSigned, writeDeviceIdentity } from "../../../src/transport/identity.ts";
import { peerIdFromCertificate } from "../../../src/protocol/peer-id.ts";
import { tempDir } from "../../helpers/tmp.ts";

async function identity(name: string) {
  await using dir = await tempDir();
  return await createIdentity(dir.path, name);
}

test("a proof holds for the key it was made for, and for nothing else", async () => {
  const alice = await identity("alice");
  const mallory = await identity("mallory");
  const keys = await newKeyPair();
  const bare = await selfSigned(keys, "laptop");
  expect(checkDeviceCert(bare.der)).toBeNull(); // no proof: a first device, or a peer without devices

  const proof = makeDeviceProof({ certDer: alice.identityDer, keyPem: alice.identityKeyPem! }, certSpki(bare.der)!, "laptop", true, 1234);
  const device = await selfSigned(keys, "laptop", proof);
  const ok = checkDeviceCert(device.der);
  expect(ok).toEqual({ ok: true, claim: { peerId: alice.peerId, deviceId: peerIdFromCertificate(device.der), name: "laptop", admin: true, time: 1234, identityDer: alice.identityDer } });

  // The same proof in another key's certificate.
  const moved = await selfSigned(await newKeyPair(), "laptop", proof);
  expect(checkDeviceCert(moved.der)).toEqual({ ok: false, reason: expect.stringContaining("not signed by the identity") });
  // Altered by whoever holds the device key: another name, or admin turned off and on.
  expect(readProof(proof)?.name).toBe("laptop");
  for (const [from, to] of [['"n":"laptop"', '"n":"laptoq"'], ['"a":true', '"a":false']] as const) {
    const altered = new TextEncoder().encode(new TextDecoder().decode(proof).replace(from, to));
    expect(checkDeviceCert((await selfSigned(keys, "laptop", altered)).der)?.ok).toBe(false);
  }
  // Alice's certificate, mallory's signature.
  const forged = makeDeviceProof({ certDer: alice.identityDer, keyPem: mallory.keyPem }, certSpki(bare.der)!, "laptop", false);
  expect(checkDeviceCert((await selfSigned(keys, "laptop", forged)).der)?.ok).toBe(false);
  // Garbage in the extension.
  expect(checkDeviceCert((await selfSigned(keys, "laptop", Uint8Array.of(1, 2, 3))).der)).toEqual({ ok: false, reason: expect.stringContaining("does not read") });
});

test("a revocation is the identity's, for one device, checked with its id alone", async () => {
  const alice = await identity("alice");
  const mallory = await identity("mallory");
  const sig = signRevocation(alice.identityKeyPem!, "DEVICE", 5);
  expect(checkRevocation(alice.peerId, { identityDer: alice.identityDer, deviceId: "DEVICE", time: 5, sig })).toBe(true);
  expect(checkRevocation(alice.peerId, { identityDer: alice.identityDer, deviceId: "OTHER", time: 5, sig })).toBe(false);
  expect(checkRevocation(mallory.peerId, { identityDer: alice.identityDer, deviceId: "DEVICE", time: 5, sig })).toBe(false);
  const bySomeoneElse = signRevocation(mallory.keyPem, "DEVICE", 5);
  expect(checkRevocation(alice.peerId, { identityDer: alice.identityDer, deviceId: "DEVICE", time: 5, sig: bySomeoneElse })).toBe(false);
});

test("a joined home loads as the identity, with its own device id; an admin's holds the identity key; a proof for another identity is named", async () => {
  const alice = await identity("alice");
  await using dir = await tempDir();
  const keys = await newKeyPair();
  const bare = await selfSigned(keys, "server");
  const proof = makeDeviceProof({ certDer: alice.identityDer, keyPem: alice.identityKeyPem! }, certSpki(bare.der)!, "server", false);
  const device = await selfSigned(keys, "server", proof);
  const written = await writeDeviceIdentity(dir.path, { keyPem: device.keyPem, certPem: device.certPem, identityDer: alice.identityDer, identityKeyPem: null });
  expect({ peerId: written.peerId, deviceId: written.deviceId, admin: written.identityKeyPem }).toEqual({ peerId: alice.peerId, deviceId: peerIdFromCertificate(device.der), admin: null });
  expect(await loadIdentity(dir.path)).toEqual(written);

  // identity.pem replaced by another identity's: the device's proof does not chain to it.
  const other = await identity("other");
  writeFileSync(join(dir.path, "identity.pem"), `-----BEGIN CERTIFICATE-----\n${Buffer.from(other.identityDer).toString("base64")}\n-----END CERTIFICATE-----\n`);
  const err = await loadIdentity(dir.path).catch((e) => e);
  expect({ code: err.code, named: err.message.includes("carries no valid proof") }).toEqual({ code: "BAD_IDENTITY", named: true });
});
