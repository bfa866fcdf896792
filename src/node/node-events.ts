// What a running node tells its listeners: serve prints these, the control
// socket forwards them, the chat view draws them.
import type { InviteAnswer } from "../protocol/messages.ts";
import type { PeerId } from "../protocol/peer-id.ts";
import type { FileInfo } from "../domain/file-transfer.ts";
import type { HistoryEntry, OutStatus } from "../domain/history-entry.ts";
import type { Reach } from "../reach/reach-verdict.ts";

export type NodeEvent =
  /** A message stored in `receiver` (a redelivered one is not announced twice). */
  | { type: "message"; entry: HistoryEntry }
  /** Our messages to `peer` changed status. In a group (peer '#alias'): sent, or delivered once every other member holds them. */
  | { type: "status"; peer: string; ids: string[]; status: OutStatus; reason?: string }
  /** Our messages in a group: how many of its other members hold them now ("delivered to 3 of 5"). */
  | { type: "group-delivery"; group: string; ids: string[]; to: number; of: number }
  /** A member signed different versions of one message for different members: `id` is that message, `versions` what each said. */
  | { type: "group-fork"; group: string; id: string; author: string; versions: string[] }
  /** We joined a group (its creator's add reached us), or were removed from one, or left one. */
  | { type: "group"; group: string; change: "joined" | "removed" | "left" }
  | { type: "link"; peer: string; up: boolean; address: string; direction: "in" | "out"; legacy?: boolean; reason?: string; via?: string }
  /**
   * A relayed link became a direct one through a hole punched in both NATs,
   * `ms` after the relayed one came up; or a round of attempts came to
   * nothing (ok false: why, and when the next round starts).
   */
  | { type: "punch"; peer: string; ok: true; address: string; ms: number }
  | { type: "punch"; peer: string; ok: false; why: string; againInMs: number }
  /**
   * A peer was added to the address book (peerId null: a legacy plaintext
   * peer), pinned on a link we dialed, made a contact from a request, or
   * (named) added by its id from the LAN and named, at its first hello, as
   * it announces (`taken`: the contact whose name it announced, when that
   * made it a numbered one).
   */
  | { type: "contact"; name: string; peerId: PeerId | null; how: "new-peer" | "pinned" | "accepted" | "invited" | "named"; address: string; announced?: string; taken?: string }
  /** A stranger connected: a request, shown once, with the name it announced (unverified) and the contact that name imitates, if any. */
  | { type: "request"; peerId: PeerId; name: string; address: string; imitates: string | null }
  /** A request's messages were stored: `waiting` of them wait for the user now (the request's count, shown at once). */
  | { type: "request-waiting"; peerId: PeerId; waiting: number }
  /** The inviter's node answered the invite token our link presented: a contact now, or only a request. */
  | { type: "invite"; peer: string; answer: InviteAnswer; token: string }
  /** Something the user must see: an identity mismatch, a refused peer. */
  | { type: "warning"; peer?: string; text: string }
  | { type: "discoverable"; on: boolean; listening: string | null }
  /** Where we stand changed (the network moved, a port mapping came or went, a relay joined or left): the new verdict. */
  | { type: "reach"; reach: Reach; lines: string[] }
  /** The user read `peer`'s messages (in some terminal): `unread` of them are left. */
  | { type: "read"; peer: string; unread: number }
  /** A file transfer changed: offered, accepted, moving (a few times a second), done, failed, cancelled. */
  | { type: "file"; file: FileInfo; progress?: true }
  /** One of our devices joined (its join line was used: `id` is the line's token until it links), linked, or was revoked. */
  | { type: "device"; change: "joined" | "revoked"; id: string; name: string }
  /** The database failed (ok false, said once) or answers again (ok true). */
  | { type: "store"; ok: boolean; text: string }
  /** The node a command was attached to (a serve, through its control socket) went away. */
  | { type: "stopped"; reason: string };

export type NodeListener = (event: NodeEvent) => void;

export class Emitter {
  private readonly listeners = new Set<NodeListener>();

  on(listener: NodeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: NodeEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a broken listener must not stop delivery to the others
      }
    }
  }
}
