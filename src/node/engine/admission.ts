// Who is accepted on a link, decided once TLS is up (verify) and once its
// hello is in (decide): a link we dialed pins the contact it reached (trust
// on first use, where the user sent us) or is refused as someone else's; one
// that came in is a contact by its certificate, an invite's bearer, or a
// stranger that knocks as a request. A blocked peer is told what a stopping
// node says, so it cannot tell. What is accepted, peers.ts adopts.
import { INVITE_ANSWER_CAP, type Hello, type InviteAnswer } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import { mismatchAdvice, type Contact } from "../../domain/contact.ts";
import type { Refusal } from "../../transport/link.ts";
import { SHUTDOWN_REASON } from "../../transport/transport.ts";
import { childLogger } from "../../log.ts";
import type { Target } from "../dial/dial-plan.ts";
import type { Health } from "../dial/health.ts";
import type { NodeEvent } from "../node-events.ts";
import type { Contacts } from "./contact-cache.ts";
import type { NodeLink } from "./link-ctx.ts";
import type { Requests } from "./peer-requests.ts";
import type { DeviceHooks } from "./peer-hooks.ts";

const log = childLogger("node");

export interface AdmissionDeps {
  self: PeerId;
  contacts: Contacts;
  requests: Requests;
  health: Health;
  emit(event: NodeEvent): void;
  discoverable(): boolean;
  contactsOnly: boolean;
  /** A contact was pinned on a link we dialed (its unclaimed messages and any request from that id follow). */
  pinned(contact: Contact): Promise<void>;
  /** A request's peer turned out to be a contact (added while it knocked): its waiting messages join the contact. */
  joined(contact: Contact): Promise<void>;
  /** A stranger presented an invite token: the contact it becomes when the token admits it, else null (it knocks), and what the token was. */
  admit(link: NodeLink, hello: Hello): Promise<{ contact: Contact | null; answer: InviteAnswer }>;
  /** A contact's first hello: one added by its id from the LAN takes the name it announces (the contact as it is now). */
  named(contact: Contact, hello: Hello, address: string): Promise<Contact>;
  /** Another peer answers at an address of `name` only heard of (not given by the user): forget it. */
  elsewhere(name: string, target: Target): void;
  /** Dials an unpinned contact and waits, a while, until the dial pinned it to someone or gave up. */
  confirm(contact: Contact): Promise<void>;
  /** `name` was pinned: whoever waits on it looks again. */
  changed(name: string): void;
  /** Devices: which device is this one, which are revoked, join tokens. */
  devices?: Pick<DeviceHooks, "deviceId" | "isRevoked" | "join">;
}

/** Refuses the link (saying why in an error frame, where one can still go): it is not adopted. */
function refuse(link: NodeLink, ...why: Parameters<NodeLink["refuse"]>): false {
  link.refuse(...why);
  return false;
}

export class Admission {
  constructor(private readonly d: AdmissionDeps) {}

  /** Runs once TLS is up, before our hello. A refusal here sends nothing: the peer only sees the connection close. */
  verify(link: NodeLink): Refusal | null {
    const peerId = link.peerId!;
    const own = peerId === this.d.self;
    if (own && link.deviceId === (this.d.devices?.deviceId ?? this.d.self)) return { code: "IDENTITY_MISMATCH", reason: "that is our own id: a node does not link to itself" };
    // A device its identity revoked is refused as a changed identity is.
    if (this.d.devices?.isRevoked(peerId, link.deviceId!)) return { code: "IDENTITY_MISMATCH", reason: "this device was revoked by its identity" };
    if (!this.d.discoverable()) return { code: "HIDDEN", reason: "this peer is not discoverable now" };
    if (link.ctx.ownDevice) {
      // A dial to another device of ours: that device, or someone else's address now.
      if (own && link.deviceId === link.ctx.ownDevice) return null;
      return { code: "IDENTITY_MISMATCH", reason: `${link.address} is not our device ${link.ctx.ownDevice} now (${link.deviceId} answers there)` };
    }
    if (own) return link.direction === "in" ? null : { code: "IDENTITY_MISMATCH", reason: "a contact's address answers as our own identity" };
    if (link.direction === "out") {
      const { contact: c, target } = link.ctx;
      const contact = c!;
      if (contact.peerId && contact.peerId !== peerId) {
        // An address we only heard of (a beacon, a record, a hello, a relay)
        // answering as someone else is a stale or forged hint, not news about
        // the contact: it is someone else's now, and forgotten. Only where the
        // user sent us (typed, or the invite they pasted) is it loud, with the
        // advice to re-pin: elsewhere that advice would be a ready-made command
        // for whoever sits on an old or DHT-found address.
        const source = target ? contact.addresses.find((a) => a.host === target.host && a.port === target.port)?.source : undefined;
        if (source !== "typed" && source !== "invite") {
          log.debug(`${contact.name}: ${link.address} (${source ? `from ${source}` : "last known"}) answered as ${peerId}, not ${contact.peerId}: someone else's now`);
          if (target && source) this.d.elsewhere(contact.name, target);
          return { code: "IDENTITY_MISMATCH", reason: `${link.address} is someone else's now (${peerId} answers there)${source ? ": forgotten" : ""}` };
        }
        if (this.d.health.mismatch(contact.name, contact.peerId, peerId)) {
          const text =
            `IDENTITY MISMATCH for ${contact.name} at ${link.address}: pinned ${contact.peerId}, but the peer there presents ${peerId}. ` +
            `Refused: nothing goes to it. ${mismatchAdvice(contact.name, peerId)}`;
          this.d.emit({ type: "warning", peer: contact.name, text });
          log.debug(text); // shown where the user looks (serve, chat, status, send), once
        }
        return { code: "IDENTITY_MISMATCH", reason: `identity changed: expected ${contact.peerId}, got ${peerId}` };
      }
    }
    if (this.d.contacts.byPeer(peerId)?.blocked || this.d.requests.isBlocked(peerId)) return { code: "SHUTDOWN", reason: SHUTDOWN_REASON, frame: true, note: "blocked" };
    return null;
  }

  /** The peer's hello: true when the link is to be adopted (else it was refused, or closed meanwhile). */
  async decide(link: NodeLink, hello: Hello): Promise<boolean> {
    const peerId = link.peerId!;
    const ctx = link.ctx;
    if (peerId === this.d.self) {
      // Another device of ours (verify checked which): the devices room's.
      ctx.ownDevice = link.deviceId;
      if (this.d.devices?.isRevoked(peerId, link.deviceId!)) return refuse(link, "IDENTITY_MISMATCH", "this device was revoked by its identity");
      return link.state === "deciding" && this.d.discoverable();
    }
    if (link.direction === "in" && hello.join && this.d.devices) {
      // The bearer of a device line: its welcome (or why not), and nothing more on this link.
      const welcome = this.d.devices.join(link, hello);
      link.sendDevice(welcome);
      return refuse(link, "SHUTDOWN", welcome.ok ? "welcome: you are a device of this identity now" : welcome.reason);
    }
    if (link.direction === "out") {
      const before = ctx.contact!;
      const contact = await this.d.contacts.pinOnFirstContact(before, peerId, link.address, this.d.emit);
      if (!contact) return refuse(link, "DUPLICATE_LINK", "this peer is already in the address book under another name");
      ctx.contact = contact;
      this.d.changed(contact.name);
      if (!before.peerId) await this.d.pinned(contact);
    } else {
      ctx.contact = this.d.contacts.byPeer(peerId) ?? null;
      if (!ctx.contact) {
        // A stranger: a request, never a contact by its name or address.
        if (this.d.requests.isBlocked(peerId)) return refuse(link, "SHUTDOWN", SHUTDOWN_REASON, true, "blocked");
        // An invite we gave out lets its bearer in as a contact at once, while the token holds.
        if (hello.invite) {
          const { contact, answer } = await this.d.admit(link, hello);
          ctx.contact = contact;
          // Said so the invitee knows it is a contact, or only a request.
          if (hello.caps.includes(INVITE_ANSWER_CAP)) link.sendInviteAnswer(answer);
        }
      } else if (hello.invite && hello.caps.includes(INVITE_ANSWER_CAP) && !ctx.contact.blocked) {
        link.sendInviteAnswer("admitted"); // a contact already: the token changes nothing
      }
      if (!ctx.contact && !link.via) {
        // The seed's way: each typed the other's address, nobody's id. A knock
        // pointing at where we saved an unpinned contact is worth our own dial
        // there: what answers is pinned, as on any dial of ours, and when it
        // is this peer, the peer is that contact. Its word alone proves nothing.
        const typed = this.d.contacts.unpinnedAt(link.remoteHost, hello);
        if (typed) {
          await this.d.confirm(typed);
          ctx.contact = this.d.contacts.byPeer(peerId) ?? null;
          if (link.state !== "deciding") return false; // closed meanwhile
        }
      }
      if (!ctx.contact) {
        if (this.d.contactsOnly) {
          log.debug(`refused ${JSON.stringify(hello.name)} (${peerId}) from ${link.remoteHost}: not a contact (--contacts-only)`);
          return refuse(link, "UNKNOWN_PEER", "this peer accepts links from its contacts only");
        }
        const knock = await this.d.requests.knock(peerId, hello.display ?? hello.name, link.remoteHost, hello.port);
        if (!knock.ok) {
          if (knock.why === "blocked") return refuse(link, "SHUTDOWN", SHUTDOWN_REASON, true, "blocked");
          return refuse(link, "REQUESTS_FULL", "this peer has too many open requests: try again later");
        }
        ctx.request = knock.request;
        // Added as a contact while it knocked: it is one.
        const now = this.d.contacts.byPeer(peerId);
        if (now) {
          ctx.contact = now;
          ctx.request = null;
          await this.d.joined(now);
        }
      }
    }
    if (ctx.contact) ctx.contact = await this.d.named(ctx.contact, hello, link.via ? `via ${link.via}` : link.address);
    if (link.state !== "deciding") return false; // closed meanwhile
    // Revoked while we decided (a revocation came on another link): refused as verify would have.
    if (this.d.devices?.isRevoked(peerId, link.deviceId!)) return refuse(link, "IDENTITY_MISMATCH", "this device was revoked by its identity");
    if (ctx.contact?.blocked) return refuse(link, "SHUTDOWN", SHUTDOWN_REASON, true, "blocked");
    if (!this.d.discoverable()) return refuse(link, "HIDDEN", "this peer is not discoverable now");
    return true;
  }
}
