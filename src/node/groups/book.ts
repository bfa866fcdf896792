// What a user does with groups: create one with some contacts, add and
// remove members (as its creator), leave, list, and write. Each change is a
// signed event in our own sequence, written like a message and synced like
// one (sync.ts); the member list follows once it is shown.
import { randomBytes } from "node:crypto";
import { GROUP_FILE_KIND } from "../../protocol/files/file-post.ts";
import { GROUP_KIND, MAX_EVENT_BODY, encodeGroupEvent, groupNameProblem } from "../../protocol/groups/group-events.ts";
import { groupIdFor, groupMessageUuid } from "../../protocol/groups/group-signed.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Contact } from "../../domain/contact.ts";
import { NodeError } from "../../domain/node-error.ts";
import type { Contacts } from "../engine/contact-cache.ts";
import type { GroupMemberRow } from "../../store/store.ts";
import { Batch } from "./batch.ts";
import { dkeyToAuthor, signRow } from "./group-keys.ts";
import { GroupModel, MAX_MEMBERS, personOf } from "./model.ts";
import { addEvent } from "./pending.ts";
import type { GroupSync } from "./sync.ts";

export interface GroupInfo {
  /** '#alias': what commands take. */
  name: string;
  id: string;
  /** What its creator called it (the alias differs when two groups share a name). */
  title: string;
  creator: string;
  /** Our place in it. */
  role: "creator" | "member" | "left" | "removed";
  /** Members now, us included. */
  members: number;
  /** Contacts added whose group key is not known yet: members once their node links with ours (the creator's view). */
  waiting: string[];
}

export interface GroupMemberInfo {
  name: string;
  peerId: PeerId;
  /** Its author key (hex); "" while waiting for it. */
  key: string;
  role: "creator" | "member";
  /** waiting: added by the creator before its key was known; a member once its node links with the creator's. */
  state: "member" | "removed" | "left" | "waiting";
  you: boolean;
  /** Its messages we hold (gap-free). */
  messages: number;
  /** It signed different versions of a message for different members (proof is kept). */
  forked?: true;
}

export interface GroupBookDeps {
  self: PeerId;
  name(): string;
  sync: GroupSync;
  contacts: Contacts;
  /** Dials a contact (one whose add waits for its key: the sooner its node links, the sooner it joins). */
  dial(contact: Contact): void;
  /** Throws BAD_TEXT for a message that cannot be sent (the same rules as to a contact). */
  checkText(text: string): void;
}

export class GroupBook {
  constructor(private readonly d: GroupBookDeps) {}

  /** '#club' or 'club': the group, or NOT_A_GROUP. */
  resolve(name: string): GroupModel {
    const alias = name.startsWith("#") ? name.slice(1) : name;
    const g = this.d.sync.registry.byAlias(alias);
    if (!g || g.state === "joining") throw NodeError.notAGroup(`#${alias}`);
    return g;
  }

  /** Whether '#alias' names a group here (else a contact may be named so). */
  has(name: string): boolean {
    if (!name.startsWith("#")) return false;
    const g = this.d.sync.registry.byAlias(name.slice(1));
    return g !== undefined && g.state !== "joining";
  }

  list(): GroupInfo[] {
    return [...this.d.sync.registry.models.values()].filter((g) => g.state !== "joining").map((g) => this.info(g)).sort((a, b) => a.name.localeCompare(b.name));
  }

  members(group: string): GroupMemberInfo[] {
    const g = this.resolve(group);
    // One line per person: the keys its devices write under are one member (own-keys.ts).
    const people = new Map<string, GroupMemberRow[]>();
    for (const m of [...g.members.values()].sort((a, b) => a.addedSeq - b.addedSeq)) {
      const keys = people.get(personOf(m));
      if (keys) keys.push(m);
      else people.set(personOf(m), [m]);
    }
    const members = [...people.values()].map((keys) => {
      const m = keys.find((k) => k.author === g.row.selfKey) ?? keys.find((k) => k.until === null) ?? keys[0]!;
      return {
        name: this.d.sync.registry.nameOf(g, m.author),
        peerId: m.peerId,
        key: m.author,
        role: keys.some((k) => k.author === g.row.creator) ? ("creator" as const) : ("member" as const),
        state: m.until === null ? ("member" as const) : m.gone === null ? ("left" as const) : ("removed" as const),
        you: m.author === g.row.selfKey,
        messages: keys.reduce((n, k) => n + g.texts(k.author), 0),
        ...(keys.some((k) => (g.forks.get(k.author)?.size ?? 0) > 0) ? { forked: true as const } : {}),
      };
    });
    const waiting = this.d.sync.pending.of(g).map((p) => ({ name: p.name, peerId: p.peerId, key: "", role: "member" as const, state: "waiting" as const, you: false, messages: 0 }));
    return [...members, ...waiting];
  }

  /** A new group, ours, with these contacts in it. */
  async create(name: string, withNames: readonly string[] = []): Promise<GroupInfo> {
    const problem = groupNameProblem(name);
    if (problem) throw NodeError.badName(name, problem);
    const adds = [...new Set(withNames)].map((n) => this.memberToAdd(n));
    if (adds.length + 1 > MAX_MEMBERS) throw new NodeError("BAD_NAME", `a group has at most ${MAX_MEMBERS} members`);
    const sync = this.d.sync;
    const self = sync.key.hex;
    const nonce = randomBytes(16).toString("hex");
    const id = groupIdFor(self, nonce);
    const owner = groupNameProblem(this.d.name()) ? "creator" : this.d.name();
    const ev = { kind: "create" as const, name, nonce, peer: this.d.self, owner };
    const { kind, body } = encodeGroupEvent(ev);
    const now = Date.now();
    const create = signRow(sync.key, { group: id, author: self, seq: 1, id: groupMessageUuid(id, self, 1), kind, body, created: now, received: now, pos: null });
    const b = new Batch();
    const g = GroupModel.fromCreate(create, ev, self, sync.registry.uniqueAlias(name), now, sync.registry.counter, b);
    if (g.accept(create, ev, b) !== null) throw new Error("our own create was refused");
    sync.registry.add(g);
    sync.draftOwn(g, adds.flatMap((a) => (a.key ? [addEvent(a.contact.name, a.key, a.contact.peerId!)] : [])), b);
    for (const a of adds) if (!a.key) sync.pending.wait(g, a.contact, b);
    await sync.commit(b);
    for (const a of adds) if (!a.key) this.d.dial(a.contact);
    return this.info(g);
  }

  /** Adds a contact (we must be the creator). */
  async add(group: string, contactName: string): Promise<GroupMemberInfo> {
    const g = this.resolve(group);
    this.mustCreate(g);
    const a = this.memberToAdd(contactName);
    const known = a.key ? g.members.get(a.key) : undefined;
    if (known?.until === null) throw new NodeError("BAD_NAME", `${contactName} is in ${group} already`);
    if (known && known.gone === null) throw new NodeError("BAD_NAME", `${contactName} left ${group}: one who left by itself cannot be added back (create a new group)`);
    if (g.active().length + this.d.sync.pending.of(g).length >= MAX_MEMBERS) throw new NodeError("BAD_NAME", `${group} has ${MAX_MEMBERS} members: no room for more`);
    if (!a.key) {
      const peerId = a.contact.peerId!;
      if (this.d.sync.pending.of(g).some((p) => p.peerId === peerId)) throw new NodeError("BAD_NAME", `${contactName} waits to join ${group} already: added once its node links with yours`);
      const b = new Batch();
      this.d.sync.pending.wait(g, a.contact, b);
      await this.d.sync.commit(b);
      this.d.dial(a.contact);
      return this.members(group).find((m) => m.peerId === peerId && m.state === "waiting")!;
    }
    await this.d.sync.writeOwn(g, [addEvent(a.contact.name, a.key, a.contact.peerId!)]);
    return this.members(group).find((m) => m.key === a.key)!;
  }

  /** Removes a member (we must be the creator): what it wrote from now on is refused, and it is sent nothing more. One still waiting for its key: its add is withdrawn. */
  async remove(group: string, memberName: string): Promise<GroupMemberInfo> {
    const g = this.resolve(group);
    this.mustCreate(g);
    const waiting = this.waitingMember(g, memberName);
    if (waiting) {
      const b = new Batch();
      this.d.sync.pending.cancel(g, waiting.peerId, b);
      await this.d.sync.commit(b);
      return waiting; // state "waiting": its add is withdrawn, it never was a member
    }
    const m = this.findMember(g, memberName);
    if (m.author === g.row.selfKey) throw new NodeError("BAD_NAME", `that is you: \`p2pchat group leave ${group}\` leaves it`);
    if (m.until !== null) throw new NodeError("BAD_NAME", `${memberName} is not in ${group} any more`);
    const info = this.members(group).find((x) => g.keysOf(m).some((k) => k.author === x.key))!;
    // What we hold of the others goes in the removal: the removed member may still get that much (written before), every member agreeing.
    // A person writing from several devices is removed under each of their keys.
    const removals = g.keysOf(m).filter((k) => k.until === null).map((k) => {
      const fits = (held: Record<string, number>) => Buffer.byteLength(JSON.stringify({ key: k.author, until: g.contig(k.author), held }), "utf8") <= MAX_EVENT_BODY;
      return encodeGroupEvent({ kind: "remove", key: k.author, until: g.contig(k.author), held: g.removalHeld(k.author, fits) });
    });
    await this.d.sync.writeOwn(g, removals);
    return { ...info, state: "removed" };
  }

  /** Leaves: our leave goes to the members, then we take nothing more. */
  async leave(group: string): Promise<GroupInfo> {
    const g = this.resolve(group);
    if (g.state !== "member") throw new NodeError("NOT_A_MEMBER", `you are not in ${group} any more`);
    await this.d.sync.writeOwn(g, [encodeGroupEvent({ kind: "leave" })]);
    return this.info(g);
  }

  /** Writes messages to a group; returns their ids (UUIDs, as contacts' messages have). */
  async send(group: string, texts: readonly string[]): Promise<string[]> {
    const g = this.resolve(group);
    if (g.state !== "member") throw new NodeError("NOT_A_MEMBER", `you are not in ${group} any more: nothing can be sent there`);
    for (const t of texts) this.d.checkText(t);
    const rows = await this.d.sync.writeOwn(g, texts.map((body) => ({ kind: GROUP_KIND.text, body })));
    return rows.map((r) => r.id);
  }

  /** Posts a file's offer (a signed message of kind GROUP_FILE_KIND): members fetch the file from whoever holds it. */
  async postFile(group: string, body: string): Promise<void> {
    const g = this.d.sync.registry.models.get(group);
    if (!g || g.state !== "member") throw new NodeError("NOT_A_MEMBER", `you are not in that group any more: nothing can be sent there`);
    await this.d.sync.writeOwn(g, [{ kind: GROUP_FILE_KIND, body }]);
  }

  // --- helpers -------------------------------------------------------------------------

  private info(g: GroupModel): GroupInfo {
    const role = g.state === "left" || g.state === "removed" ? g.state : g.row.creator === g.row.selfKey ? "creator" : "member";
    const waiting = this.d.sync.pending.of(g).map((p) => p.name);
    return { name: `#${g.row.alias}`, id: g.id, title: g.row.name, creator: this.d.sync.registry.nameOf(g, g.row.creator), role, members: g.people().length, waiting };
  }

  /** A contact added to `g` and waiting for its key, by our name for it. */
  private waitingMember(g: GroupModel, name: string): GroupMemberInfo | undefined {
    const c = this.d.contacts.byName(name);
    return c?.peerId ? this.members(`#${g.row.alias}`).find((m) => m.state === "waiting" && m.peerId === c.peerId) : undefined;
  }

  private mustCreate(g: GroupModel): void {
    if (g.row.creator !== g.row.selfKey) throw new NodeError("NOT_THE_CREATOR", `only the creator of #${g.row.alias} (${this.d.sync.registry.nameOf(g, g.row.creator)}) adds and removes members`);
    if (g.state !== "member") throw new NodeError("NOT_A_MEMBER", `you are not in #${g.row.alias} any more`);
  }

  /**
   * A contact to add: pinned, with the author key its link proved (or its
   * invite or hello carried); null when none is known yet (its node never
   * linked with ours): the add then waits for it (pending.ts).
   */
  private memberToAdd(name: string): { contact: Contact; key: string | null } {
    const c = this.d.contacts.byName(name);
    if (!c) throw NodeError.notAContact(name);
    if (!c.peerId || c.legacy) throw new NodeError("NO_GROUP_KEY", `${name} is not pinned yet: its node must answer once before it can join a group`);
    const key = this.d.sync.registry.peerKeys.get(c.peerId) ?? dkeyToAuthor(c.dkey);
    if (key === this.d.sync.key.hex) throw new NodeError("BAD_NAME", `${name} has your own key: it cannot be added`);
    return { contact: c, key };
  }

  /** A member by our contact's name for it, its name in the group, or the start of its key. */
  private findMember(g: GroupModel, name: string): NonNullable<ReturnType<GroupModel["members"]["get"]>> {
    const c = this.d.contacts.byName(name);
    const byContact = c?.peerId ? g.memberByPeer(c.peerId) : undefined;
    if (byContact) return byContact;
    const all = [...g.members.values()];
    const named = all.filter((m) => this.d.sync.registry.nameOf(g, m.author) === name || m.name === name || (name.length >= 8 && m.author.startsWith(name.toLowerCase())));
    // A person's devices' keys are one member: one of them stands for all.
    const found = [...new Map(named.map((m) => [personOf(m), m])).values()];
    if (found.length === 1) return found[0]!;
    if (found.length > 1) throw new NodeError("BAD_NAME", `${JSON.stringify(name)} names ${found.length} members of #${g.row.alias}: use the start of its key (\`p2pchat group members #${g.row.alias}\`)`);
    throw new NodeError("NOT_A_MEMBER", `${JSON.stringify(name)} is not a member of #${g.row.alias}`);
  }
}
