import { expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createIdentity, loadIdentity, pemToDer } from "../../../src/transport/identity.ts";
import { peerIdFromCertificate } from "../../../src/protocol/peer-id.ts";
import { noFileModes } from "../../helpers/platform.ts";
import { tempDir } from "../../helpers/tmp.ts";

test("creates a private key readable only by its owner and a self-signed certificate; never overwrites", async () => {
  await using dir = await tempDir();
  const made = await createIdentity(dir.path, "alice");
  if (!noFileModes) expect(statSync(join(dir.path, "key.pem")).mode & 0o777).toBe(0o600);
  const cert = new X509Certificate(made.certPem);
  expect(cert.subject).toContain("CN=alice");
  expect(cert.issuer).toBe(cert.subject);
  expect(cert.checkPrivateKey(createPrivateKey(made.keyPem))).toBe(true);
  expect(made.peerId).toBe(peerIdFromCertificate(new Uint8Array(cert.raw)));
  expect(made.peerId).toBe(peerIdFromCertificate(pemToDer(made.certPem)));

  const loaded = await loadIdentity(dir.path);
  expect(loaded).toEqual(made);
  const again = await createIdentity(dir.path, "mallory").catch((e) => e);
  expect(again.code).toBe("EEXIST");
  expect((await loadIdentity(dir.path)).peerId).toBe(made.peerId);
});
