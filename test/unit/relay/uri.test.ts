// Relay addresses, and peer ids as the 32 bytes relays carry.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parsePeerId, peerIdDigest, peerIdFromCertificate, peerIdFromDigest, type PeerId } from "../../../src/protocol/peer-id.ts";
import { RelayError } from "../../../src/reach/relay/relay-error.ts";
import { invitationFrom } from "../../../src/reach/relay/relay-session.ts";
import { formatRelayUri, parseRelayUri, relayHostPort, screenRelays } from "../../../src/reach/relay/uri.ts";

// Syncthing's own example device id (lib/protocol/deviceid_test.go's formatted form).
const ID = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2" as PeerId;

describe("relay URIs", () => {
  test("strelaysrv's printed URI parses; its extra parameters are dropped", () => {
    const r = parseRelayUri(`relay://127.0.0.1:22067/?globalLimitBps=0&id=${ID}&networkTimeout=2m0s&pingInterval=1m0s&providedBy=&sessionLimitBps=0&statusAddr=`);
    expect(r).toEqual({ host: "127.0.0.1", port: 22067, id: ID, token: null });
    expect(formatRelayUri(r)).toBe(`relay://127.0.0.1:22067/?id=${ID}`);
  });

  test("IPv6, names, no path, a token, a lower-case id, the default port", () => {
    expect(parseRelayUri(`relay://[::1]:4000/?id=${ID}`)).toMatchObject({ host: "::1", port: 4000 });
    expect(relayHostPort(parseRelayUri(`relay://[::1]:4000/?id=${ID}`))).toBe("[::1]:4000");
    expect(parseRelayUri(`relay://relay.example.org:443?id=${ID.toLowerCase()}&token=s3cret`)).toEqual({ host: "relay.example.org", port: 443, id: ID, token: "s3cret" });
    expect(parseRelayUri(`relay://relay.example.org/?id=${ID}`).port).toBe(22067);
    expect(formatRelayUri(parseRelayUri(`relay://[::1]:4000/?id=${ID}&token=a b`))).toBe(`relay://[::1]:4000/?id=${ID}&token=a+b`);
  });

  test("refused with a reason: no id, a mistyped id, another scheme, a path, a bad port", () => {
    const why = (t: string) => {
      try {
        parseRelayUri(t);
      } catch (err) {
        expect(err).toBeInstanceOf(RelayError);
        expect((err as RelayError).code).toBe("BAD_URI");
        return (err as Error).message;
      }
      throw new Error(`accepted ${t}`);
    };
    expect(why("relay://1.2.3.4:22067/")).toContain("no ?id=");
    expect(why(`relay://1.2.3.4:22067/?id=${ID.replace("P56", "P57")}`)).toContain("check character");
    expect(why(`tcp://1.2.3.4:22067/?id=${ID}`)).toContain("starts with relay://");
    expect(why(`relay://1.2.3.4:22067/x?id=${ID}`)).toContain("no path");
    expect(why(`relay://1.2.3.4:0/?id=${ID}`)).toContain("port");
    expect(why(`relay://1.2.3.4:70000/?id=${ID}`)).toContain("not a URI");
  });
});

describe("peer ids as relay bytes", () => {
  test("digest and id convert both ways; the digest is the certificate's SHA-256", () => {
    const der = crypto.getRandomValues(new Uint8Array(300));
    const id = peerIdFromCertificate(der);
    const sha = new Uint8Array(new Bun.CryptoHasher("sha256").update(der).digest());
    expect(peerIdDigest(id)).toEqual(sha);
    expect(peerIdFromDigest(sha)).toBe(id);
    expect(parsePeerId(ID)).toEqual({ ok: true, id: ID });
    expect(peerIdFromDigest(peerIdDigest(ID))).toBe(ID);
    expect(() => peerIdFromDigest(new Uint8Array(31))).toThrow(TypeError);
  });

  test("any 32 bytes round-trip", () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => void expect(peerIdDigest(peerIdFromDigest(b))).toEqual(b)));
  });
});

describe("invitation addresses", () => {
  test("IPv4, IPv4-mapped IPv6, IPv6; empty or unspecified means the relay's own IP", async () => {
    const { ipText } = await import("../../../src/reach/relay/relay-session.ts");
    expect(ipText(Uint8Array.of(192, 0, 2, 7))).toBe("192.0.2.7");
    expect(ipText(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1))).toBe("127.0.0.1");
    expect(ipText(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))).toBe("2001:db8::1");
    expect(ipText(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))).toBe("::1");
    for (const none of [new Uint8Array(0), new Uint8Array(4), new Uint8Array(16), Uint8Array.of(1, 2, 3)]) expect(ipText(none)).toBeNull();
  });
});

describe("what a relay or a peer may point us at", () => {
  const relay = parseRelayUri(`relay://198.51.100.7:22067/?id=${ID}`);
  const inv = (address: number[]) => ({ from: peerIdDigest(ID), key: Uint8Array.of(1), address: Uint8Array.from(address), port: 22067, serverSocket: false });

  test("an invitation to join at our own loopback, link-local or multicast is refused unless the relay itself is on loopback", () => {
    for (const address of [[127, 0, 0, 1], [169, 254, 169, 254], [224, 0, 0, 1], [255, 255, 255, 255]]) {
      expect(() => invitationFrom(inv(address), relay, "198.51.100.7")).toThrow(RelayError);
    }
    expect(invitationFrom(inv([198, 51, 100, 8]), relay, "198.51.100.7").host).toBe("198.51.100.8");
    expect(invitationFrom(inv([0, 0, 0, 0]), relay, "198.51.100.7").host).toBe("198.51.100.7");
    expect(invitationFrom(inv([127, 0, 0, 1]), relay, "127.0.0.1").host).toBe("127.0.0.1");
  });

  test("screenRelays: relays a peer names on our loopback (from elsewhere), link-local or unreadable are dropped; at most 4", () => {
    const uri = (host: string) => `relay://${host}:22067/?id=${ID}`;
    const list = [uri("127.0.0.1"), uri("169.254.169.254"), uri("[ff02::1]"), "relay://nope", uri("localhost"), uri("relay.example.org"), uri("198.51.100.7")];
    expect(screenRelays(list, { fromLoopback: false })).toEqual([uri("relay.example.org"), uri("198.51.100.7")]);
    expect(screenRelays(list, { fromLoopback: true })).toEqual([uri("127.0.0.1"), uri("localhost"), uri("relay.example.org"), uri("198.51.100.7")]);
    expect(screenRelays(Array.from({ length: 9 }, (_, i) => uri(`198.51.100.${i + 1}`)), { fromLoopback: false })).toHaveLength(4);
  });
});
