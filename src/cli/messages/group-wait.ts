// Waiting for our messages in a group, for `send '#G'` and piped `chat '#G'`:
// a message counts as delivered once every member who should have it holds
// it, so the summary says how many members hold what, and who is missing
// (not linked now, and why when known) rather than "still pending".
import type { NodeApi } from "../../control/api.ts";
import { whyPending } from "./wait.ts";

export class GroupDeliveries {
  /** Per message id: how many of the other members hold it, of how many (from the node's events). */
  private readonly counts = new Map<string, { to: number; of: number }>();
  private unsubscribe: (() => void) | null = null;

  private constructor(readonly group: string) {}

  /** Listens for `group`'s delivery counts (start it before sending). */
  static async start(api: NodeApi, group: string): Promise<GroupDeliveries> {
    const d = new GroupDeliveries(group);
    d.unsubscribe = await api.subscribe((e) => {
      if (e.type !== "group-delivery" || e.group !== group) return;
      for (const id of e.ids) d.counts.set(id, { to: e.to, of: e.of });
    });
    return d;
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /**
   * After the wait: the line that says so, and whether every member who
   * should have them holds them. `ids` were sent, `left` of them were not
   * delivered to every member; `what` names them ("" for a single send).
   */
  async summary(api: NodeApi, ids: readonly string[], left: number, seconds: number, what = messages(ids.length)): Promise<{ ok: boolean; line: string }> {
    const members = await api.groupMembers(this.group);
    const others = members.filter((m) => !m.you && m.state === "member");
    const g = this.group;
    if (left === 0) {
      if (others.length === 0) return { ok: true, line: `only you are in ${g}: ${lead(what)}stored` };
      return { ok: true, line: `${lead(what)}delivered to ${others.length === 1 ? "the 1 other member" : `all ${others.length} other members`} of ${g}` };
    }
    // The least delivered message: how many hold it, of how many should.
    let low = { to: 0, of: others.length };
    let first = true;
    for (const id of ids) {
      const c = this.counts.get(id) ?? { to: 0, of: others.length };
      if (c.to === c.of) continue;
      if (first || c.to < low.to) low = c;
      first = false;
    }
    const held = left === ids.length ? lead(what) : `${left} of ${what} `;
    const line = `${held}delivered to ${low.to} of ${low.of} other members of ${g} after ${seconds} s${await this.missing(api, others.map((m) => m.name))}; the others get them when they, or a member who has them, are online with a node of yours`;
    return { ok: false, line };
  }

  /** Members not linked to us now, and why, when we know. */
  private async missing(api: NodeApi, names: readonly string[]): Promise<string> {
    const status = await api.status().catch(() => null);
    if (!status) return "";
    const linked = new Set(status.links.map((l) => l.peer));
    const away = names.filter((n) => !linked.has(n));
    if (away.length === 0) return "";
    const why = await Promise.all(
      away.map(async (n) => {
        if (!status.contacts.some((c) => c.name === n)) return `${n} (not your contact: reached through other members)`;
        return `${n} (${(await whyPending(api, n)).split(". ")[0]})`;
      }),
    );
    return `; not linked now: ${why.join(", ")}`;
  }
}

const lead = (what: string) => (what ? `${what} ` : "");

function messages(n: number): string {
  return n === 1 ? "1 message" : `${n} messages`;
}
