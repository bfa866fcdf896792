// What one or more of the group model's decisions change (model.ts): the
// rows written together in the journal's next transaction, and what is
// announced once they commit (rows shown, member lists changed, the gap-free
// seq and chain of each author touched).
import type { GroupMemberRow, GroupMessageRow, GroupWrite } from "../../store/store.ts";

type Mutable<T> = { -readonly [K in keyof T]-?: T[K] extends readonly (infer U)[] | undefined ? U[] : T[K] };

/** What one or more decisions change: written together, announced once committed. */
export class Batch {
  readonly write: Mutable<GroupWrite> = {
    groups: [],
    members: [],
    messages: [],
    shown: [],
    drops: [],
    states: [],
    receipts: [],
    pendingAdds: [],
    pendingDone: [],
    chains: [],
    forks: [],
  };
  /** Rows shown now, in the order they are shown. */
  readonly shown: GroupMessageRow[] = [];
  /** Groups whose member list or own state changed. */
  readonly membership = new Set<string>();
  /** Per group, per author: the gap-free seq once this batch commits. */
  readonly contig = new Map<string, Map<string, number>>();
  /** Per group, per author whose chain changed: the chain at that seq (null: not known). */
  readonly chains = new Map<string, Map<string, string | null>>();
  private readonly rows = new Set<GroupMessageRow>();
  private readonly touched = new Map<string, GroupMemberRow>();

  get empty(): boolean {
    const w = this.write;
    const more = w.pendingAdds.length + w.pendingDone.length + w.chains.length + w.forks.length;
    return w.groups.length + w.members.length + w.messages.length + w.shown.length + w.drops.length + w.states.length + w.receipts.length + more === 0 && this.touched.size === 0;
  }

  addRow(row: GroupMessageRow): void {
    this.rows.add(row);
    this.write.messages.push(row);
  }

  /** A row becomes shown (pos 0: kept in the log, never shown): written so when this batch inserts it, else updated (an earlier batch stored it). */
  show(row: GroupMessageRow, pos: number): void {
    if (!this.rows.has(row)) this.write.shown.push({ group: row.group, author: row.author, seq: row.seq, pos, chain: row.chain ?? null });
    row.pos = pos;
    if (pos > 0) this.shown.push(row);
  }

  /** `chain`: the member's chain at its gap-free seq, when it changed (null: not known any more). */
  member(m: GroupMemberRow, chain?: string | null): void {
    this.touched.set(`${m.group} ${m.author}`, m);
    let g = this.contig.get(m.group);
    if (!g) this.contig.set(m.group, (g = new Map()));
    g.set(m.author, m.contig);
    if (chain === undefined) return;
    let c = this.chains.get(m.group);
    if (!c) this.chains.set(m.group, (c = new Map()));
    c.set(m.author, chain);
  }

  /** Ends the batch: members are written as they are now. */
  seal(): GroupWrite {
    for (const m of this.touched.values()) this.write.members.push({ ...m });
    this.touched.clear();
    return this.write;
  }
}
