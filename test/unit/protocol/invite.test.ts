// The invite line: what it carries survives the round trip, and no typo or
// truncation passes as a different invite.
import { describe, expect, test } from "bun:test";
import { decodeInvite, encodeInvite, InviteError, type Invite } from "../../../src/protocol/invite-line.ts";
import type { PeerId } from "../../../src/protocol/peer-id.ts";

const ID = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2" as PeerId;
const invite: Invite = {
  name: "alice",
  peerId: ID,
  addresses: ["192.168.1.20:20001", "[2001:db8::1]:20001"],
  token: "bVd2c3Zx-Qk9K_Wl4bk1RZw",
  expires: 1_800_000_000_000,
};

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

describe("invite", () => {
  test("round trip: name, id, addresses, token, expiry, discovery key and relays", () => {
    const text = encodeInvite({ ...invite, dkey: "yg4gxe7z1r7mr6orids9fh8y4yh8b5e8i46jxbr3ypkjetm8ik8o", relays: ["relay://203.0.113.9:22067/?id=ABC"] });
    expect(text.startsWith("p2pchat:")).toBe(true);
    expect(text).not.toMatch(/\s/);
    expect(decodeInvite(text)).toEqual({ ...invite, dkey: "yg4gxe7z1r7mr6orids9fh8y4yh8b5e8i46jxbr3ypkjetm8ik8o", relays: ["relay://203.0.113.9:22067/?id=ABC"] });
    // Pasted with line breaks and spaces around it, it still reads.
    const plain = encodeInvite(invite);
    expect(decodeInvite(`  ${plain.slice(0, 40)}\n${plain.slice(40)}  `)).toEqual(invite);
  });

  test("every single changed character is refused: checksum mismatch", () => {
    const text = encodeInvite(invite);
    const start = "p2pchat:".length;
    let tried = 0;
    for (let i = start; i < text.length; i++) {
      for (const c of [B64[(B64.indexOf(text[i]!) + 1) % 64]!, B64[(B64.indexOf(text[i]!) + 33) % 64]!]) {
        const tampered = text.slice(0, i) + c + text.slice(i + 1);
        const err = (() => {
          try {
            decodeInvite(tampered);
            return null;
          } catch (e) {
            return e as InviteError;
          }
        })();
        expect(err?.code).toBe("CHECKSUM_MISMATCH");
        tried++;
      }
    }
    expect(tried).toBe(2 * (text.length - start));
  });

  test("truncated, extended, or not an invite at all", () => {
    const text = encodeInvite(invite);
    for (const cut of [1, 2, 5, 20, text.length - 9]) expect(() => decodeInvite(text.slice(0, text.length - cut))).toThrow("checksum mismatch");
    expect(() => decodeInvite(text + "A")).toThrow("checksum mismatch");
    expect(() => decodeInvite(text.replace("p2pchat:", "p2pchat:!"))).toThrow("checksum mismatch");
    expect(() => decodeInvite("alice 192.168.1.20:20001")).toThrow("not an invite");
  });
});
