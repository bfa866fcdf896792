// A device's proof that it belongs to an identity. The identity is a
// certificate (its SHA-256 is the peer id contacts pin); a device has its own
// TLS key and a self-signed certificate carrying, in one extension, the
// identity certificate and the identity's signature over the device's public
// key (its SPKI's SHA-256), name, admin flag and time. TLS proves the device
// holds its key; the proof says the identity took that key as its device.
// Revocations are statements signed the same way.
import { createPublicKey, sign, verify } from "node:crypto";
import { peerIdFromCertificate, type PeerId } from "../protocol/peer-id.ts";
import { certParts, encodeOid } from "./der.ts";

/** Private arc for p2pchat: device proof v1. */
export const DEVICE_PROOF_OID = "1.3.6.1.4.1.59152.1.1";
const OID_HEX = Buffer.from(encodeOid(DEVICE_PROOF_OID)).toString("hex");
/** Bytes a proof may take (the identity certificate is most of it). */
export const MAX_PROOF = 4096;

export interface DeviceClaim {
  /** The identity's peer id: what contacts pin. */
  peerId: PeerId;
  /** The device's own id: its certificate's SHA-256. */
  deviceId: PeerId;
  name: string;
  admin: boolean;
  /** Epoch ms the identity signed it. */
  time: number;
  identityDer: Uint8Array;
}

/** null: the certificate carries no proof (a first device, or a peer that knows nothing of devices). */
export type DeviceCheck = { ok: true; claim: DeviceClaim } | { ok: false; reason: string } | null;

type ProofWire = { v: 1; id: string; n: string; a: boolean; t: number; s: string };

const encoder = new TextEncoder();

/** What the identity signs: a label, then the fields, so one statement never reads as another. */
function statement(label: string, fields: readonly (string | number | boolean)[]): Uint8Array {
  return encoder.encode(`p2pchat/${label}/1\n${JSON.stringify(fields)}`);
}

function spkiHash(spki: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(spki).digest("hex");
}

/** The identity's signature (DER ECDSA, SHA-256) over a labelled statement. */
export function signByIdentity(identityKeyPem: string, label: string, fields: readonly (string | number | boolean)[]): Uint8Array {
  return new Uint8Array(sign("sha256", statement(label, fields), identityKeyPem));
}

/** Whether `sig` is the identity's (the certificate's key) over the statement. */
export function verifyByIdentity(identityDer: Uint8Array, label: string, fields: readonly (string | number | boolean)[], sig: Uint8Array): boolean {
  const parts = certParts(identityDer);
  if (!parts) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(parts.spki), format: "der", type: "spki" });
    return verify("sha256", statement(label, fields), key, sig);
  } catch {
    return false;
  }
}

/** The extension value a device certificate carries: made by an admin device, for the joining device's public key. */
export function makeDeviceProof(identity: { certDer: Uint8Array; keyPem: string }, deviceSpki: Uint8Array, name: string, admin: boolean, time = Date.now()): Uint8Array {
  const sig = signByIdentity(identity.keyPem, "device", [spkiHash(deviceSpki), name, admin, time]);
  const wire: ProofWire = { v: 1, id: Buffer.from(identity.certDer).toString("base64"), n: name, a: admin, t: time, s: Buffer.from(sig).toString("base64") };
  return encoder.encode(JSON.stringify(wire));
}

/** Reads a proof's fields as sent (the signature is checked by checkDeviceCert), or null. */
export function readProof(bytes: Uint8Array): { identityDer: Uint8Array; name: string; admin: boolean; time: number; sig: Uint8Array } | null {
  if (bytes.length > MAX_PROOF) return null;
  let w: Partial<ProofWire>;
  try {
    w = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Partial<ProofWire>;
  } catch {
    return null;
  }
  if (w?.v !== 1 || typeof w.id !== "string" || typeof w.n !== "string" || typeof w.a !== "boolean" || typeof w.t !== "number" || typeof w.s !== "string") return null;
  return { identityDer: new Uint8Array(Buffer.from(w.id, "base64")), name: w.n, admin: w.a, time: w.t, sig: new Uint8Array(Buffer.from(w.s, "base64")) };
}

/** The public key (SPKI DER) of a certificate, or null. */
export function certSpki(der: Uint8Array): Uint8Array | null {
  return certParts(der)?.spki ?? null;
}

/**
 * What a presented certificate says of its identity: no proof (null), a
 * proof that holds (whose device of which identity), or one that does not.
 */
export function checkDeviceCert(der: Uint8Array): DeviceCheck {
  const parts = certParts(der);
  if (!parts) return null;
  const ext = parts.extensions.get(OID_HEX);
  if (!ext) return null;
  const proof = readProof(ext);
  if (!proof) return { ok: false, reason: "the device proof in its certificate does not read" };
  const fields = [spkiHash(parts.spki), proof.name, proof.admin, proof.time];
  if (!verifyByIdentity(proof.identityDer, "device", fields, proof.sig)) return { ok: false, reason: "the device proof in its certificate is not signed by the identity it names" };
  return {
    ok: true,
    claim: { peerId: peerIdFromCertificate(proof.identityDer), deviceId: peerIdFromCertificate(der), name: proof.name, admin: proof.admin, time: proof.time, identityDer: proof.identityDer },
  };
}

/** The identity's revocation of one device: checked by anyone who knows only the peer id (the certificate comes with it). */
export function signRevocation(identityKeyPem: string, deviceId: string, time: number): Uint8Array {
  return signByIdentity(identityKeyPem, "revoke", [deviceId, time]);
}

export function checkRevocation(peerId: PeerId, r: { identityDer: Uint8Array; deviceId: string; time: number; sig: Uint8Array }): boolean {
  return peerIdFromCertificate(r.identityDer) === peerId && verifyByIdentity(r.identityDer, "revoke", [r.deviceId, r.time], r.sig);
}
