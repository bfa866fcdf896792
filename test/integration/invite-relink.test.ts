// A new invite from someone who is a contact already: only a hello carries a
// token, so the link that is up (which presented none) closes, and our dial
// again presents the new one; the contact's node answers it, and the token
// is spent. Real nodes on loopback.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { befriend, eventually, startNode } from "../helpers/nodes.ts";

setDefaultTimeout(30_000);

describe("an invite from a contact we are linked to", () => {
  test("the link is made again with the new token, which the contact's node answers: admitted, and spent", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    await befriend(alice, bob);
    await alice.until((e) => e.type === "link" && e.peer === "bob" && e.up, "alice linked to bob");

    const { text, invite } = await bob.node.hints.createInvite({ uses: 1, expiresMs: 60_000 });
    const added = await alice.node.hints.addInvite(text);
    expect({ name: added.contact.name, known: added.known, renamed: added.renamed }).toEqual({ name: "bob", known: true, renamed: false });

    const answered = await alice.until((e) => e.type === "invite" && e.token === invite.token, "bob's node answering the new token");
    expect(answered).toEqual({ type: "invite", peer: "bob", answer: "admitted", token: invite.token });
    // Presented on a link that came up: the token is spent, and the link stays.
    await eventually(() => alice.node.contacts.byName("bob")?.inviteToken === null, "the token spent");
    expect(alice.node.peers.linkTo(alice.node.contacts.byName("bob")!)?.ctx.presented).toBe(invite.token);
  });
});
