// Members waiting for their key. A contact the creator adds before its node
// ever linked with ours (added by id, not from an invite) has no group key
// we know, and an add event must name one. The add waits (in memory and in
// group_pending_add), shown as "waiting" in `group members`; the dialer
// keeps trying that contact; when its node first proves its key on a link,
// the add is signed and written like any other, and the new member catches
// up as any member added later does.
import { encodeGroupEvent, groupNameProblem } from "../../protocol/groups/group-events.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Contact } from "../../domain/contact.ts";
import type { GroupMessageRow } from "../../store/store.ts";
import { childLogger } from "../../log.ts";
import type { Contacts } from "../engine/contact-cache.ts";
import { Batch } from "./batch.ts";
import { MAX_MEMBERS, type GroupModel } from "./model.ts";
import type { GroupRegistry } from "./registry.ts";

const log = childLogger("groups");

export interface PendingDeps {
  registry: GroupRegistry;
  contacts: Contacts;
  draftOwn(g: GroupModel, items: readonly { kind: number; body: string }[], b: Batch): GroupMessageRow[];
  commit(b: Batch): Promise<void>;
}

/** The add event of a member: its key, its peer id, our name for it (one no group may show is "member"). */
export function addEvent(name: string, key: string, peer: PeerId): { kind: number; body: string } {
  return encodeGroupEvent({ kind: "add", key, peer, name: groupNameProblem(name) ? "member" : name });
}

export class PendingAdds {
  constructor(private readonly d: PendingDeps) {}

  /** Contacts waiting in `g`, in the order they were added. */
  of(g: GroupModel): { peerId: PeerId; name: string }[] {
    return [...(this.d.registry.pending.get(g.id)?.values() ?? [])].map((p) => ({ peerId: p.peerId, name: this.d.contacts.byPeer(p.peerId)?.name ?? p.name }));
  }

  /** Whether an add of ours waits for `peerId`'s key (its node is worth dialing). */
  waitsFor(peerId: PeerId): boolean {
    for (const [gid, m] of this.d.registry.pending) if (m.has(peerId) && this.mine(this.d.registry.models.get(gid))) return true;
    return false;
  }

  /** `contact` joins `g` once its key is known: recorded in `b`. */
  wait(g: GroupModel, contact: Contact, b: Batch): void {
    const p = { group: g.id, peerId: contact.peerId!, name: contact.name, at: Date.now() };
    this.d.registry.pendingIn(g.id).set(p.peerId, p);
    b.write.pendingAdds.push(p);
  }

  /** The creator withdrew a waiting add (`group remove`): true when there was one. */
  cancel(g: GroupModel, peerId: PeerId, b: Batch): boolean {
    if (!this.d.registry.pending.get(g.id)?.delete(peerId)) return false;
    b.write.pendingDone.push({ group: g.id, peerId });
    return true;
  }

  /**
   * Writes the adds that wait for keys we know now (`peerId`'s, just proven
   * on its link; or all of them, at start). An add that can no longer be
   * made (it joined meanwhile, left by itself once, the group is full or
   * no longer ours) is dropped.
   */
  complete(peerId?: PeerId): Promise<void> {
    const { registry } = this.d;
    const b = new Batch();
    for (const [gid, waiting] of registry.pending) {
      const g = registry.models.get(gid);
      for (const p of [...waiting.values()]) {
        if (peerId !== undefined && p.peerId !== peerId) continue;
        const key = registry.peerKeys.get(p.peerId);
        if (this.mine(g) && !key) continue;
        waiting.delete(p.peerId);
        b.write.pendingDone.push({ group: gid, peerId: p.peerId });
        const why = !this.mine(g) ? "the group is no longer ours" : this.refusal(g!, key!);
        if (why) {
          log.debug(`#${g?.row.alias ?? gid}: the waiting add of ${p.name} is dropped: ${why}`);
          continue;
        }
        this.d.draftOwn(g!, [addEvent(this.d.contacts.byPeer(p.peerId)?.name ?? p.name, key!, p.peerId)], b);
      }
    }
    if (b.empty) return Promise.resolve();
    return this.d.commit(b).catch((err) => log.debug(`cannot write the waiting adds: ${(err as Error).message}`));
  }

  private mine(g: GroupModel | undefined): boolean {
    return g !== undefined && g.row.creator === g.row.selfKey && g.state === "member";
  }

  private refusal(g: GroupModel, key: string): string | null {
    if (key === g.row.selfKey) return "it has our own key";
    const m = g.members.get(key);
    if (m?.until === null) return "a member already";
    if (m && m.gone === null) return "it left by itself once";
    if (g.active().length >= MAX_MEMBERS) return `the group has ${MAX_MEMBERS} members`;
    return null;
  }
}
