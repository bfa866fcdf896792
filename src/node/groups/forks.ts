// Equivocation: a member that signs two versions of one seq with its own
// valid key ("seq 3: pay account 111" to some members, "... 999" to the
// others) would leave each side with its own version and nobody warned.
// Three ways it comes to light, none needing a command:
//
// - Digests. A peer's vector carries, per author, the hash of its log up to
//   a seq (group-forks.ts). Where we hold that seq too, ours is compared:
//   at once when it is our gap-free seq, else from the store on the next
//   tick, or when we catch up. Equal: the logs agree up to there (not
//   compared again). Different: the logs part somewhere after the last seq
//   that agreed, so the rows in between are asked of that peer (an audit),
//   and each is compared with ours as it comes, the forked seq included,
//   even if no member ever asks for it again.
// - In passing. A copy of a seq we hold that arrives anyway (a push, a want
//   answered twice) is compared when its signature differs from the one we
//   stored (the last RECENT_SIGS per author, and rows waiting for a gap).
// - Evidence from others: a fork frame, both versions signed by the author.
//
// Two versions with different contents are proof: both are kept
// (group_fork), the post shows as "⚠ NAME sent different messages to
// different members" in every view, and the proof goes to every member
// linked to us that takes it (and to each one that links later), so all
// learn it from whoever found it.
import { ZERO_DIGEST, chainStep, contentHash } from "../../protocol/groups/group-forks.ts";
import { groupMessageUuid } from "../../protocol/groups/group-signed.ts";
import type { GroupForkFrame, GroupForkVersion, GroupVectorRow } from "../../protocol/messages.ts";
import type { GroupMessageRow, Store } from "../../store/store.ts";
import { childLogger } from "../../log.ts";
import type { Journal } from "../engine/journal.ts";
import type { NodeEvent } from "../node-events.ts";
import { Batch } from "./batch.ts";
import { verifyMessage } from "./group-keys.ts";
import type { GroupModel } from "./model.ts";
import type { PeerLink } from "./peer-link.ts";
import type { GroupRegistry } from "./registry.ts";
import { shareFor } from "./vectors.ts";

const log = childLogger("groups");

/** Forked seqs kept per author and group: past this the author is known to equivocate, and more proof adds nothing. */
export const MAX_FORKED_SEQS = 64;
/** Versions kept per forked seq (two are proof). */
export const MAX_FORK_VERSIONS = 4;
/** An audit with no row for this long is given up; the next digest that differs asks again. */
export const AUDIT_STALL_MS = 10_000;

export interface ForksDeps {
  registry: GroupRegistry;
  store: Store;
  journal: Journal;
  links(): Iterable<PeerLink>;
  emit(event: NodeEvent): void;
  commit(b: Batch): Promise<void>;
}

export class Forks {
  /** Per `peer group author`: the seq up to which its log and ours were found equal (by digest, or row by row). */
  private readonly verified = new Map<string, number>();

  constructor(private readonly d: ForksDeps) {}

  /** The digests of a peer's vector (its own row): compared where we can now, the others kept for later. */
  claims(pl: PeerLink, g: GroupModel, row: GroupVectorRow): void {
    for (const e of row.entries) {
      if (!e.digest || e.digest === ZERO_DIGEST || !g.members.has(e.author) || e.seq <= this.verifiedAt(pl, g, e.author)) continue;
      pl.claims.set(`${g.id} ${e.author}`, { seq: e.seq, digest: e.digest });
      this.checkNow(pl, g, e.author);
    }
  }

  /** A commit raised our gap-free seqs of these authors: claims made at those seqs are compared. */
  committed(g: GroupModel, authors: Iterable<string>): void {
    const list = [...authors];
    for (const pl of this.d.links()) for (const a of list) this.checkNow(pl, g, a);
  }

  /** Claims below what we hold are compared with the chains in the store; stalled audits are given up. */
  tick(now = Date.now()): void {
    for (const pl of this.d.links()) {
      for (const [k, a] of pl.audits) if (now - a.at > AUDIT_STALL_MS) pl.audits.delete(k);
      for (const [k, c] of pl.claims) {
        const [gid, author] = k.split(" ") as [string, string];
        const g = this.d.registry.models.get(gid);
        const held = g?.committed.get(author) ?? 0;
        if (g && c.seq > held) continue; // we catch up first
        pl.claims.delete(k);
        if (!g) continue;
        if (c.seq === held) {
          const ours = g.committedChains.get(author);
          if (ours !== undefined) this.compared(pl, g, author, c.seq, ours === c.digest);
          continue;
        }
        void this.d.journal.read(() => this.d.store.groupMessages(gid, author, c.seq, c.seq, 1)).then(
          ([row]) => {
            if (row?.chain) this.compared(pl, g, author, c.seq, row.chain === c.digest);
          },
          () => {},
        );
      }
    }
  }

  /**
   * Rows `pl` sent that we hold already: compared with ours where they may
   * differ (a signature unlike the one we stored, a row an audit asked for).
   */
  duplicates(pl: PeerLink, g: GroupModel, rows: readonly GroupMessageRow[]): void {
    const toRead: GroupMessageRow[] = [];
    for (const row of rows) {
      const waiting = g.waiting.get(row.author)?.get(row.seq);
      if (waiting) {
        if (waiting.sig !== row.sig) this.evidence(g, waiting, row);
        continue;
      }
      const recent = g.recent.get(row.author)?.get(row.seq);
      const audit = pl.audits.get(`${g.id} ${row.author}`);
      if ((recent !== undefined && recent !== row.sig) || (audit && row.seq >= audit.from && row.seq <= audit.to)) toRead.push(row);
    }
    if (toRead.length > 0) void this.compareStored(pl, g, toRead).catch((err) => log.debug(`cannot compare group rows: ${(err as Error).message}`));
  }

  /** A fork frame: both versions checked, then taken as any proof we find ourselves. Only from a member's link. */
  frame(pl: PeerLink, f: GroupForkFrame): void {
    const g = this.d.registry.models.get(f.group);
    if (!g || !g.members.has(f.author) || g.memberByPeer(pl.peerId)?.until !== null) return;
    pl.forksSent.add(`${f.group} ${f.author} ${f.seq}`); // it has it
    const [a, b] = f.versions.map((v) => rowOf(f, v));
    if (!verifyMessage(a!) || !verifyMessage(b!)) {
      log.debug(`${pl.peerId}: a fork frame whose signatures do not hold: ignored`);
      return;
    }
    this.evidence(g, a!, b!);
  }

  /** The forks of `g` we hold proof of, to a member's link that takes them and has not had them. */
  offer(pl: PeerLink, g: GroupModel): void {
    if (!pl.forks || g.forks.size === 0 || shareFor(g, pl.peerId) !== "full") return;
    void this.d.journal.read(() => this.d.store.groupForks(g.id)).then(
      (rows) => {
        const bySeq = new Map<string, GroupMessageRow[]>();
        for (const r of rows) {
          const k = `${r.group} ${r.author} ${r.seq}`;
          let l = bySeq.get(k);
          if (!l) bySeq.set(k, (l = []));
          l.push({ ...r, id: groupMessageUuid(r.group, r.author, r.seq), received: r.found, pos: null });
        }
        for (const [k, versions] of bySeq) {
          if (versions.length < 2 || pl.forksSent.has(k) || !pl.link.isOpen) continue;
          pl.forksSent.add(k);
          pl.link.sendGroup(forkFrame(versions[0]!, versions[1]!));
        }
      },
      () => {},
    );
  }

  /**
   * Two versions of one seq, each signed by its author (checked before
   * they got here): a fork when their contents differ. Kept, told to the
   * user once, and passed on.
   */
  evidence(g: GroupModel, a: GroupMessageRow, b: GroupMessageRow): void {
    const ha = contentHash(a);
    const hb = contentHash(b);
    if (ha === hb) return; // the same content signed twice: no fork
    const seqs = g.forks.get(a.author);
    const known = seqs?.get(a.seq);
    if (!known && (seqs?.size ?? 0) >= MAX_FORKED_SEQS) return;
    const now = Date.now();
    const batch = new Batch();
    for (const [row, hash] of [[a, ha], [b, hb]] as const) {
      if ((known?.size ?? 0) >= MAX_FORK_VERSIONS || !g.addFork(a.author, a.seq, hash)) continue;
      batch.write.forks.push({ group: g.id, author: row.author, seq: row.seq, hash, kind: row.kind, body: row.body, sig: row.sig, created: row.created, found: now });
    }
    if (batch.empty) return;
    log.debug(`#${g.row.alias}: ${a.author.slice(0, 8)} signed different versions of seq ${a.seq}`);
    this.d.commit(batch).then(
      () => {
        if (!known) {
          const id = groupMessageUuid(g.id, a.author, a.seq);
          this.d.emit({ type: "group-fork", group: `#${g.row.alias}`, id, author: this.d.registry.nameOf(g, a.author), versions: [a.body, b.body] });
        }
        this.spread(g, a, b);
      },
      () => {},
    );
  }

  // --- internals ------------------------------------------------------------------

  private checkNow(pl: PeerLink, g: GroupModel, author: string): void {
    const k = `${g.id} ${author}`;
    const c = pl.claims.get(k);
    if (!c || c.seq !== (g.committed.get(author) ?? 0)) return;
    pl.claims.delete(k);
    const ours = g.committedChains.get(author);
    if (ours !== undefined) this.compared(pl, g, author, c.seq, ours === c.digest);
  }

  private compared(pl: PeerLink, g: GroupModel, author: string, seq: number, equal: boolean): void {
    if (equal) this.setVerified(pl, g, author, seq);
    else this.mismatch(pl, g, author, seq);
  }

  /** `pl`'s log of `author` and ours part somewhere up to `seq`: its rows after the last seq that agreed are asked for, to compare. */
  private mismatch(pl: PeerLink, g: GroupModel, author: string, seq: number): void {
    if ((g.forks.get(author)?.size ?? 0) >= MAX_FORKED_SEQS) return;
    const k = `${g.id} ${author}`;
    const open = pl.audits.get(k);
    const from = open ? open.to + 1 : this.verifiedAt(pl, g, author) + 1;
    if (from > seq) return;
    log.debug(`#${g.row.alias}: ${pl.peerId}'s log of ${author.slice(0, 8)} differs from ours by seq ${seq}: comparing ${from}..${seq}`);
    pl.audits.set(k, { from: open?.from ?? from, to: seq, at: Date.now() });
    pl.link.sendGroup({ type: "group-want", group: g.id, ranges: [{ author, from, to: seq }] });
  }

  private async compareStored(pl: PeerLink, g: GroupModel, rows: readonly GroupMessageRow[]): Promise<void> {
    const byAuthor = new Map<string, GroupMessageRow[]>();
    for (const r of rows) {
      let l = byAuthor.get(r.author);
      if (!l) byAuthor.set(r.author, (l = []));
      l.push(r);
    }
    for (const [author, list] of byAuthor) {
      const seqs = list.map((r) => r.seq);
      const min = Math.min(...seqs);
      const max = Math.max(...seqs);
      const ours = await this.d.journal.read(() => this.d.store.groupMessages(g.id, author, min, max, max - min + 1));
      const bySeq = new Map(ours.map((r) => [r.seq, r]));
      for (const theirs of list) {
        const mine = bySeq.get(theirs.seq);
        if (mine && mine.sig !== theirs.sig) this.evidence(g, mine, theirs);
      }
      const k = `${g.id} ${author}`;
      const audit = pl.audits.get(k);
      if (!audit) continue;
      if (max < audit.to) {
        audit.at = Date.now();
        continue;
      }
      // The whole range came and was compared: the next difference is looked for after it.
      pl.audits.delete(k);
      this.setVerified(pl, g, author, audit.to);
    }
  }

  /** The proof to every member linked to us that takes it and has not had it on its link. */
  private spread(g: GroupModel, a: GroupMessageRow, b: GroupMessageRow): void {
    const key = `${g.id} ${a.author} ${a.seq}`;
    const frame = forkFrame(a, b);
    for (const pl of this.d.links()) {
      if (!pl.forks || pl.forksSent.has(key) || shareFor(g, pl.peerId) !== "full") continue;
      pl.forksSent.add(key);
      pl.link.sendGroup(frame);
    }
  }

  private verifiedAt(pl: PeerLink, g: GroupModel, author: string): number {
    return this.verified.get(`${pl.peerId} ${g.id} ${author}`) ?? 0;
  }

  private setVerified(pl: PeerLink, g: GroupModel, author: string, seq: number): void {
    const k = `${pl.peerId} ${g.id} ${author}`;
    if ((this.verified.get(k) ?? 0) < seq) this.verified.set(k, seq);
  }
}

function forkFrame(a: GroupMessageRow, b: GroupMessageRow): GroupForkFrame {
  const v = (r: GroupMessageRow): GroupForkVersion => ({ created: r.created, kind: r.kind, body: r.body, sig: r.sig });
  return { type: "group-fork", group: a.group, author: a.author, seq: a.seq, versions: [v(a), v(b)] };
}

function rowOf(f: GroupForkFrame, v: GroupForkVersion): GroupMessageRow {
  return { group: f.group, author: f.author, seq: f.seq, id: groupMessageUuid(f.group, f.author, f.seq), kind: v.kind, body: v.body, sig: v.sig, created: v.created, received: Date.now(), pos: null };
}

/** Rows read per query while computing chains at start. */
const BACKFILL_PAGE = 2000;

/**
 * Chains for rows stored before they were kept (or whose chain was not
 * known when shown): computed from the first one that lacks it, written
 * once, so our vectors carry digests for every author. Runs at start.
 */
export async function backfillChains(registry: GroupRegistry, store: Store, journal: Journal): Promise<void> {
  for (const g of registry.models.values()) {
    for (const m of g.members.values()) {
      if (m.contig === 0 || g.chains.has(m.author)) continue;
      let chain: string | null = ZERO_DIGEST;
      let next = 1;
      const fill: { group: string; author: string; seq: number; chain: string }[] = [];
      while (chain !== null && next <= m.contig) {
        const rows = await journal.read(() => store.groupMessages(g.id, m.author, next, m.contig, BACKFILL_PAGE));
        if (rows.length === 0) chain = null;
        for (const r of rows) {
          if (r.seq !== next) {
            chain = null; // a gap below the gap-free seq: nothing to trust
            break;
          }
          if (r.chain) chain = r.chain;
          else {
            chain = chainStep(chain!, r);
            fill.push({ group: g.id, author: m.author, seq: r.seq, chain });
          }
          next++;
        }
        if (fill.length >= BACKFILL_PAGE) await journal.groups({ chains: fill.splice(0) });
      }
      if (fill.length > 0) await journal.groups({ chains: fill });
      if (chain !== null && next > m.contig) g.setChain(m.author, chain, true);
    }
  }
}
