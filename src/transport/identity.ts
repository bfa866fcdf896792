// Our identity: an ECDSA P-256 key and a self-signed certificate, kept in the
// home folder. The peer id is derived from the certificate alone.
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { peerIdFromCertificate, type PeerId } from "../protocol/peer-id.ts";
import { TransportError } from "./transport-error.ts";

export const KEY_FILE = "key.pem";
export const CERT_FILE = "cert.pem";

export interface Identity {
  keyPem: string;
  certPem: string;
  peerId: PeerId;
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
  return { keyPem, certPem, peerId: peerIdFromCertificate(der) };
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
  // @peculiar/x509 needs the Reflect metadata polyfill; load both only here,
  // so commands that never create an identity do not pay for them.
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const now = Date.now();
  const serial = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
  serial[0]! &= 0x7f; // a positive serial number
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString("hex"),
    name: `CN=${escapeDnValue(commonName)}, O=p2pchat`,
    notBefore: new Date(now - 24 * 3600_000),
    notAfter: new Date(now + 100 * 365 * 24 * 3600_000),
    signingAlgorithm: alg,
    keys,
  });
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  const keyPem = x509.PemConverter.encode(pkcs8, "PRIVATE KEY") + "\n";
  const certPem = cert.toString("pem") + "\n";
  await writeExclusive(join(home, KEY_FILE), keyPem, 0o600);
  // Public, but the home is private: nothing in it is readable by others.
  await writeExclusive(join(home, CERT_FILE), certPem, 0o600);
  return { keyPem, certPem, peerId: peerIdFromCertificate(new Uint8Array(cert.rawData)) };
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
