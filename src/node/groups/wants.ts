// What we ask our peers for. Each peer's vector says, per author, how far it
// holds a group with no gap; for each author we lack something of, one range
// is asked of one peer at a time (so a member coming back online is not sent
// the same messages by everyone it links to), from the peer with the fewest
// ranges in flight (spreading the work over the members online, authors or
// not), extended before it runs out so the stream does not stall on a round
// trip. A range that makes no progress for a while (the peer lost what it
// offered, or went quiet) is asked again of another peer.
import { MAX_GROUP_SEQ } from "../../protocol/groups/group-signed.ts";

/** Seqs asked for at once per author; the next range goes out when half of it has arrived. */
export const WANT_RANGE = 2000;
/** A range with no new message for this long is asked of another peer. */
export const WANT_STALL_MS = 5_000;

/** A peer we may ask: what it offered of each group. */
export interface Source {
  /** Per group, per author: the highest gap-free seq it offered. */
  readonly offers: Map<string, Map<string, number>>;
  /** Ranges asked of it and not done. */
  inflight: number;
  readonly order: number;
}

/** An author of a group we want more of: how far we hold it, and the last seq that counts (a removed member's `until`). */
export interface Need {
  author: string;
  have: number;
  limit: number;
}

interface Flight {
  source: Source;
  to: number;
  /** Last time a message of this range arrived (or it was asked). */
  at: number;
}

export interface WantsDeps {
  /**
   * Peers that may carry this author's messages of this group to us and
   * offer more of them than `above` (checked first: it is cheap, and a
   * member that holds everything offered looks no further).
   */
  sources(group: string, author: string, above: number): Source[];
  /** What we lack of this group, per author. */
  needs(group: string): Need[];
  ask(source: Source, group: string, ranges: { author: string; from: number; to: number }[]): void;
  now?(): number;
}

export class Wants {
  private readonly flights = new Map<string, Flight>();

  constructor(private readonly d: WantsDeps) {}

  get inflight(): number {
    return this.flights.size;
  }

  /** Asks for what this group lacks, where it is offered and not asked already. */
  schedule(group: string): void {
    const now = this.d.now?.() ?? Date.now();
    const asks = new Map<Source, { author: string; from: number; to: number }[]>();
    const ask = (s: Source, author: string, from: number, to: number) => {
      let list = asks.get(s);
      if (!list) asks.set(s, (list = []));
      list.push({ author, from, to });
    };
    for (const need of this.d.needs(group)) {
      const key = `${group} ${need.author}`;
      const limit = Math.min(need.limit, MAX_GROUP_SEQ);
      const f = this.flights.get(key);
      if (need.have >= limit && !f) continue;
      const sources = this.d.sources(group, need.author, need.have);
      if (f) {
        // Done, or its peer is gone, may no longer carry it, or offers no more than we hold: ask again below.
        if (need.have >= f.to || !sources.includes(f.source)) {
          this.done(key, f);
        } else {
          const offered = Math.min(f.source.offers.get(group)?.get(need.author) ?? 0, limit);
          if (f.to - need.have <= WANT_RANGE / 2 && offered > f.to) {
            const to = Math.min(offered, f.to + WANT_RANGE);
            ask(f.source, need.author, f.to + 1, to);
            f.to = to;
          }
          continue;
        }
      }
      if (need.have >= limit) continue;
      let best: Source | null = null;
      let bestOffer = 0;
      for (const s of sources) {
        const offer = Math.min(s.offers.get(group)?.get(need.author) ?? 0, limit);
        if (offer <= need.have) continue;
        if (!best || s.inflight < best.inflight || (s.inflight === best.inflight && (offer > bestOffer || (offer === bestOffer && s.order < best.order)))) {
          best = s;
          bestOffer = offer;
        }
      }
      if (!best) continue;
      const to = Math.min(bestOffer, need.have + WANT_RANGE);
      this.flights.set(key, { source: best, to, at: now });
      best.inflight++;
      ask(best, need.author, need.have + 1, to);
    }
    for (const [s, ranges] of asks) this.d.ask(s, group, ranges);
  }

  /** A message of (group, author) arrived from `source`: its range is alive. */
  progress(group: string, author: string, source: Source): void {
    const f = this.flights.get(`${group} ${author}`);
    if (f && f.source === source) f.at = this.d.now?.() ?? Date.now();
  }

  /** A peer is gone: what it was asked goes to others. Returns the groups to schedule again. */
  drop(source: Source): string[] {
    const groups = new Set<string>();
    for (const [key, f] of this.flights) {
      if (f.source !== source) continue;
      this.done(key, f);
      groups.add(key.split(" ")[0]!);
    }
    return [...groups];
  }

  /**
   * Ranges that made no progress for WANT_STALL_MS: the peer's offer is
   * lowered to what we hold (it is asked again only once it offers more),
   * and the group is scheduled again. Returns those groups.
   */
  stalled(): string[] {
    const now = this.d.now?.() ?? Date.now();
    const groups = new Set<string>();
    for (const [key, f] of this.flights) {
      if (now - f.at < WANT_STALL_MS) continue;
      const [group, author] = key.split(" ") as [string, string];
      const have = this.d.needs(group).find((n) => n.author === author)?.have ?? 0;
      f.source.offers.get(group)?.set(author, have);
      this.done(key, f);
      groups.add(group);
    }
    return [...groups];
  }

  private done(key: string, f: Flight): void {
    this.flights.delete(key);
    f.source.inflight--;
  }
}
