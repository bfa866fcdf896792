// Our identity: an ECDSA P-256 key and a self-signed certificate, kept in the
// home folder. The peer id is derived from the certificate alone. A home
// made by `devices join` holds its own device key and certificate (with the
// identity's proof, device-proof.ts) and the identity's certificate beside
// them (IDENTITY_CERT_FILE); an admin device also the identity's key.
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { peerIdFromCertificate, type PeerId } from "../protocol/peer-id.ts";
import { checkDeviceCert, DEVICE_PROOF_OID } from "./device-proof.ts";
import { TransportError } from "./transport-error.ts";

export const KEY_FILE = "key.pem";
export const CERT_FILE = "cert.pem";
/** The identity's certificate, on a device other than the first (the first's cert.pem is it). */
export const IDENTITY_CERT_FILE = "identity.pem";
/** The identity's private key, on an admin device other than the first (the first's key.pem is it). */
export const IDENTITY_KEY_FILE = "identity-key.pem";

export interface Identity {
  /** This device's TLS key and certificate. */
  keyPem: string;
  certPem: string;
  /** The identity's id: what contacts pin, the same on every device. */
  peerId: PeerId;
  /** This device's id (its certificate's SHA-256): the peer id on the first device. */
  deviceId: PeerId;
  /** The identity's certificate (DER): sent with revocations, copied into device proofs. */
  identityDer: Uint8Array;
  /** The identity's private key, on admin devices only (they add and revoke devices); else null. */
  identityKeyPem: string | null;
}

export function identityExists(home: string): boolean {
  return existsSync(join(home, KEY_FILE)) && existsSync(join(home, CERT_FILE));
}

/**
 * Reads the key and certificate from `home`, and checks them here: a damaged
 * file must be named as such, not surface later as an OpenSSL error when the
 * node listens. Throws BAD_IDENTITY.
 */
export async function loadIdentity(home: string): Promise<Identity> {
  const keyPath = join(home, KEY_FILE);
  const certPath = join(home, CERT_FILE);
  const keyPem = await Bun.file(keyPath).text();
  const certPem = await Bun.file(certPath).text();
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw damaged("key", keyPath, "it is not a readable private key", err);
  }
  let cert: X509Certificate;
  let der: Uint8Array;
  try {
    cert = new X509Certificate(certPem);
    der = pemToDer(certPem);
  } catch (err) {
    throw damaged("certificate", certPath, "it is not a readable certificate", err);
  }
  if (!cert.checkPrivateKey(key)) throw damaged("key", keyPath, `it does not belong to the certificate ${certPath}`);
  const deviceId = peerIdFromCertificate(der);
  const idPath = join(home, IDENTITY_CERT_FILE);
  if (!existsSync(idPath)) return { keyPem, certPem, peerId: deviceId, deviceId, identityDer: der, identityKeyPem: keyPem };
  // A joined device: its certificate must carry a proof from the identity beside it.
  let identityDer: Uint8Array;
  try {
    identityDer = pemToDer(await Bun.file(idPath).text());
  } catch (err) {
    throw damaged("identity certificate", idPath, "it is not a readable certificate", err);
  }
  const check = checkDeviceCert(der);
  const peerId = peerIdFromCertificate(identityDer);
  if (!check?.ok || check.claim.peerId !== peerId) throw damaged("certificate", certPath, `it carries no valid proof from the identity in ${idPath}`);
  const idKeyPath = join(home, IDENTITY_KEY_FILE);
  const identityKeyPem = existsSync(idKeyPath) ? await Bun.file(idKeyPath).text() : null;
  return { keyPem, certPem, peerId, deviceId, identityDer, identityKeyPem };
}

function damaged(what: string, path: string, why: string, cause?: unknown): TransportError {
  return new TransportError(
    "BAD_IDENTITY",
    `the ${what} file ${path} is damaged: ${why}. It is half of your identity: restore it from a backup ` +
      `(or move the home away and run \`p2pchat init\` for a new identity, which your contacts must then pin anew)`,
    { cause },
  );
}

/**
 * Makes a new key pair and certificate and writes them to `home`. Never
 * overwrites: the caller checks identityExists() first, and the files are
 * created exclusively so a race loses loudly instead of silently.
 */
export async function createIdentity(home: string, commonName: string): Promise<Identity> {
  const keys = await newKeyPair();
  const { keyPem, certPem, der } = await selfSigned(keys, commonName);
  await writeExclusive(join(home, KEY_FILE), keyPem, 0o600);
  // Public, but the home is private: nothing in it is readable by others.
  await writeExclusive(join(home, CERT_FILE), certPem, 0o600);
  const peerId = peerIdFromCertificate(der);
  return { keyPem, certPem, peerId, deviceId: peerId, identityDer: der, identityKeyPem: keyPem };
}

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export function newKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ALG, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

/**
 * A self-signed certificate for `keys`; with `proof`, a device's (the
 * identity's proof in its extension, device-proof.ts).
 */
export async function selfSigned(keys: CryptoKeyPair, commonName: string, proof?: Uint8Array): Promise<{ keyPem: string; certPem: string; der: Uint8Array }> {
  // @peculiar/x509 needs the Reflect metadata polyfill; load both only here,
  // so commands that never create an identity do not pay for them.
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  const now = Date.now();
  const serial = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
  serial[0]! &= 0x7f; // a positive serial number
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString("hex"),
    name: `CN=${escapeDnValue(commonName)}, O=p2pchat`,
    notBefore: new Date(now - 24 * 3600_000),
    notAfter: new Date(now + 100 * 365 * 24 * 3600_000),
    signingAlgorithm: ALG,
    keys,
    extensions: proof ? [new x509.Extension(DEVICE_PROOF_OID, false, Uint8Array.from(proof))] : [],
  });
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  const keyPem = x509.PemConverter.encode(pkcs8, "PRIVATE KEY") + "\n";
  return { keyPem, certPem: cert.toString("pem") + "\n", der: new Uint8Array(cert.rawData) };
}

/** Writes a joined device's files: its own key and certificate (with the proof), the identity's certificate, and on an admin its key. */
export async function writeDeviceIdentity(home: string, d: { keyPem: string; certPem: string; identityDer: Uint8Array; identityKeyPem: string | null }): Promise<Identity> {
  const idPem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(d.identityDer).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;
  await writeExclusive(join(home, IDENTITY_CERT_FILE), idPem, 0o600);
  if (d.identityKeyPem) await writeExclusive(join(home, IDENTITY_KEY_FILE), d.identityKeyPem, 0o600);
  await writeExclusive(join(home, KEY_FILE), d.keyPem, 0o600);
  await writeExclusive(join(home, CERT_FILE), d.certPem, 0o600);
  return await loadIdentity(home);
}

export function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error("no certificate in PEM text");
  return Uint8Array.from(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"));
}

async function writeExclusive(path: string, text: string, mode: number) {
  const fs = await import("node:fs/promises");
  const fh = await fs.open(path, "wx", mode);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  chmodSync(path, mode); // the umask may have narrowed or widened it
}

function escapeDnValue(v: string): string {
  return v.replace(/([,+"\\<>;=#])/g, "\\$1");
}
