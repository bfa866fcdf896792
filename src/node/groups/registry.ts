// The groups a node knows, in memory: loaded from the store at start (and
// again after a failed commit), found by id or alias, plus what the sync
// parts share: our author key, the keys peers proved, the groups offered to
// us that we do not know yet, and the display position counter; and how
// members are named, and a shown row reads, here.
import type { PeerId } from "../../protocol/peer-id.ts";
import { describeGroupEvent } from "../../domain/group-event-text.ts";
import type { HistoryEntry } from "../../domain/history-entry.ts";
import type { GroupMembership, GroupMessageRow, GroupSnapshot, PendingAdd } from "../../store/store.ts";
import type { Contacts } from "../engine/contact-cache.ts";
import type { AuthorKey } from "./group-keys.ts";
import { GroupModel, type PosCounter } from "./model.ts";

/** Groups a peer may offer us that we do not know yet (we fetch their creator's events to learn whether we belong). */
export const MAX_JOINING = 64;

export class GroupRegistry {
  readonly models = new Map<string, GroupModel>();
  readonly counter: PosCounter = { pos: 0 };
  /** Keys peers proved on their links. */
  readonly peerKeys = new Map<PeerId, string>();
  /** Groups offered to us that we do not know yet: their creator's key. */
  readonly joining = new Map<string, string>();
  /** Each group's state as last told to the user (joined, removed, left). */
  readonly announced = new Map<string, GroupMembership>();
  /** Per group of ours: contacts added before their key was known, by peer id (pending.ts). */
  readonly pending = new Map<string, Map<PeerId, PendingAdd>>();
  private authorKey: AuthorKey | null = null;

  constructor(
    private readonly contacts: Contacts,
    private readonly selfName: () => string,
  ) {}

  /** Our author key (the home's discovery key). */
  get key(): AuthorKey {
    if (!this.authorKey) throw new Error("groups: not loaded");
    return this.authorKey;
  }

  load(snap: GroupSnapshot, key?: AuthorKey): void {
    if (key) this.authorKey = key;
    this.models.clear();
    this.counter.pos = snap.maxPos;
    for (const row of snap.groups) {
      const g = new GroupModel(row, this.counter);
      g.load(
        snap.members.filter((m) => m.group === row.id),
        snap.waiting.filter((w) => w.group === row.id),
        snap.events.filter((e) => e.group === row.id),
        snap.eventSeqs.filter((e) => e.group === row.id),
      );
      this.models.set(row.id, g);
      this.announced.set(row.id, row.state);
    }
    for (const r of snap.receipts) this.models.get(r.group)?.learn(r.member, r.author, r.seq);
    for (const c of snap.chains) this.models.get(c.group)?.setChain(c.author, c.chain, true);
    for (const f of snap.forks) this.models.get(f.group)?.addFork(f.author, f.seq, f.hash);
    for (const k of snap.peerKeys) this.peerKeys.set(k.peerId, k.author);
    this.pending.clear();
    for (const p of snap.pendingAdds) this.pendingIn(p.group).set(p.peerId, p);
  }

  /** The adds of `group` waiting for a key (created when absent). */
  pendingIn(group: string): Map<PeerId, PendingAdd> {
    let m = this.pending.get(group);
    if (!m) this.pending.set(group, (m = new Map()));
    return m;
  }

  add(g: GroupModel): void {
    this.models.set(g.id, g);
    this.announced.set(g.id, g.state);
    this.joining.delete(g.id);
  }

  byAlias(alias: string): GroupModel | undefined {
    for (const g of this.models.values()) if (g.row.alias === alias) return g;
    return undefined;
  }

  /** `name`, or `name-2`, `name-3`...: the first alias no group of ours has. */
  uniqueAlias(name: string): string {
    const taken = new Set([...this.models.values()].map((g) => g.row.alias));
    for (let n = 1; ; n++) {
      const alias = n === 1 ? name : `${[...name].slice(0, 40 - String(n).length - 1).join("")}-${n}`;
      if (!taken.has(alias)) return alias;
    }
  }

  /** A member's name here: our contact's name for it, else the creator's; ours is ours. */
  nameOf(g: GroupModel, key: string): string {
    if (key === g.row.selfKey) return this.selfName();
    const m = g.members.get(key);
    if (!m) return `${key.slice(0, 8)}…`;
    return this.contacts.byPeer(m.peerId)?.name ?? m.name;
  }

  /** A shown row as the user sees it. */
  entryOf(g: GroupModel, row: GroupMessageRow): HistoryEntry {
    const nameOf = (key: unknown) => (typeof key === "string" ? this.nameOf(g, key) : "someone");
    const own = row.author === g.row.selfKey;
    const entry: HistoryEntry = {
      id: row.id,
      direction: own ? "out" : "in",
      peer: `#${g.row.alias}`,
      text: row.kind !== 0 ? describeGroupEvent(row, nameOf) : row.body,
      status: own ? "sent" : "received",
      time: row.created,
      author: nameOf(row.author),
    };
    if (!own) entry.received = row.received;
    if (row.kind !== 0) entry.event = true;
    if ((g.forks.get(row.author)?.get(row.seq)?.size ?? 0) > 1) entry.forked = true;
    return entry;
  }
}
