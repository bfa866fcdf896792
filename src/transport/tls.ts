// TLS settings for both ends of a link: our certificate, the peer's
// requested, and no CA check: the pinned fingerprint is the check (a
// self-signed certificate is never "authorised").
import type { TLSOptions } from "bun";
import type { Identity } from "./identity.ts";

// OpenSSL/BoringSSL option bits: refuse everything older than TLS 1.3.
const SSL_OP_NO_SSLv3 = 0x02000000;
const SSL_OP_NO_TLSv1 = 0x04000000;
const SSL_OP_NO_TLSv1_2 = 0x08000000;
const SSL_OP_NO_TLSv1_1 = 0x10000000;
export const TLS13_ONLY = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_2;

export function tlsOptions(identity: Identity): TLSOptions {
  return {
    key: identity.keyPem,
    cert: identity.certPem,
    requestCert: true,
    rejectUnauthorized: false,
    secureOptions: TLS13_ONLY,
  };
}
