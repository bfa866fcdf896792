// Message requests: a peer that is not in the address book and connects to
// us knocks; it does not enter. Its messages are stored (and acked: nothing
// is lost) apart from every conversation, until the user accepts it (it
// becomes a contact and its messages appear in history, in order), rejects
// it, or blocks it. The name it announces is a hint shown in quotes, never a
// contact's name by itself.
import type { PeerId } from "../../protocol/peer-id.ts";
import { handleFor, MAX_NAME, nameProblem } from "../../domain/contact-name.ts";
import type { Contact, PeerRequest } from "../../domain/contact.ts";
import { imitatedName, looksLike } from "../../domain/lookalike.ts";
import { NodeError } from "../../domain/node-error.ts";
import type { Store } from "../../store/store.ts";
import type { NodeEvent } from "../node-events.ts";
import type { Journal } from "./journal.ts";

/** Requests waiting for the user at once; a stranger beyond is refused. */
export const MAX_OPEN_REQUESTS = 100;
/** Messages one request may leave waiting; beyond, its link is refused until the user decides. */
export const MAX_REQUEST_MESSAGES = 1000;

export type Knock = { ok: true; request: PeerRequest } | { ok: false; why: "blocked" | "full" };

export interface RequestsDeps {
  store: Store;
  journal: Journal;
  emit(event: NodeEvent): void;
  contacts(): Contact[];
}

export class Requests {
  private byPeer = new Map<PeerId, PeerRequest>();

  constructor(private readonly d: RequestsDeps) {}

  async reload(): Promise<void> {
    const list = await this.d.store.listRequests();
    this.byPeer = new Map(list.map((r) => [r.peerId, r]));
  }

  get(peerId: PeerId): PeerRequest | undefined {
    return this.byPeer.get(peerId);
  }

  isBlocked(peerId: PeerId): boolean {
    return this.byPeer.get(peerId)?.blocked ?? false;
  }

  get openCount(): number {
    let n = 0;
    for (const r of this.byPeer.values()) if (!r.blocked) n++;
    return n;
  }

  /** A stranger connected: record the knock (a new one is announced once), or say why it is refused. */
  async knock(peerId: PeerId, name: string, host: string, port: number): Promise<Knock> {
    const known = this.byPeer.get(peerId);
    if (known?.blocked) return { ok: false, why: "blocked" };
    if (!known && this.openCount >= MAX_OPEN_REQUESTS) return { ok: false, why: "full" };
    const saved = await this.d.store.saveRequest({ peerId, name, host, port, at: Date.now() });
    this.byPeer.set(peerId, saved);
    if (!known) {
      this.d.emit({ type: "request", peerId, name, address: formatAddress(host, port), imitates: this.imitated(name) });
    }
    return { ok: true, request: saved };
  }

  /** The contact whose name `announced` copies or imitates, if any: the closest one (the same name first). */
  imitated(announced: string): string | null {
    return imitatedName(handleFor(announced), this.d.contacts().map((c) => c.name));
  }

  /**
   * How many of `n` messages from this request may be stored now (up to the
   * cap), counted as waiting at once so batches in flight cannot pass it
   * together; `stored` then corrects for duplicates and failures.
   */
  take(peerId: PeerId, n: number): number {
    const r = this.byPeer.get(peerId);
    if (r === undefined || r.blocked) return 0;
    const taken = Math.max(0, Math.min(n, MAX_REQUEST_MESSAGES - r.waiting));
    r.waiting += taken;
    return taken;
  }

  /** Of `taken` messages, `fresh` were new rows (duplicates and a failed store count for nothing). */
  stored(peerId: PeerId, taken: number, fresh: number): void {
    const r = this.byPeer.get(peerId);
    if (!r) return;
    r.waiting -= taken - fresh;
    // Said once they are in the store: a list asked for now counts them.
    if (fresh > 0) this.d.emit({ type: "request-waiting", peerId, waiting: r.waiting });
  }

  /** Every request, blocked ones too, with fresh counts. */
  async list(): Promise<PeerRequest[]> {
    await this.d.journal.drain();
    await this.reload();
    return [...this.byPeer.values()];
  }

  /** A request by its peer id or a unique beginning of it (`WKHH6OA`), dashes and case ignored. */
  async resolve(text: string): Promise<PeerRequest> {
    await this.reload();
    const want = text.replace(/-/g, "").toUpperCase();
    if (want.length < 4) throw new NodeError("NOT_A_REQUEST", `${JSON.stringify(text)}: give the request's id, or at least its first 4 characters (see \`p2pchat requests\`)`);
    const found = [...this.byPeer.values()].filter((r) => r.peerId.replace(/-/g, "").startsWith(want));
    if (found.length === 0) throw new NodeError("NOT_A_REQUEST", `no request from ${JSON.stringify(text)} (see \`p2pchat requests\`)`);
    if (found.length > 1) throw new NodeError("NOT_A_REQUEST", `${JSON.stringify(text)} matches ${found.length} requests: give more of the id`);
    return found[0]!;
  }

  /** The name a peer gets as a contact: `as` if given (it must be free), else the one it announced made unique. */
  nameFor(r: { name: string }, as?: string): string {
    const taken = new Set(this.d.contacts().map((c) => c.name));
    if (as !== undefined) {
      const problem = nameProblem(as);
      if (problem) throw NodeError.badName(as, problem);
      if (taken.has(as)) throw NodeError.duplicateContact(as);
      return as;
    }
    // A name like a contact's (the same, or the same to the eye: "cаrol" with a
    // Cyrillic а, "CAROL", "caroI") becomes that contact's name numbered, in the
    // contact's own letters: never a second "carol" on screen. With contacts
    // "carol" and "CAROL", a stranger announcing "carol" becomes carol-2.
    // A name shown with spaces ("José Ñandú") is a contact as its handle (José-Ñandú).
    const handle = handleFor(r.name);
    const base = this.imitated(r.name) ?? (nameProblem(handle) ? "peer" : handle);
    for (let n = 1; ; n++) {
      const name = n === 1 ? base : [...base].slice(0, MAX_NAME - String(n).length - 1).join("") + `-${n}`;
      if (!taken.has(name) && !(n > 1 && [...taken].some((t) => looksLike(t, name)))) return name;
    }
  }

  /** Accepted: gone from the requests (the store moved its messages). */
  forget(peerId: PeerId): void {
    this.byPeer.delete(peerId);
  }

  async reject(r: PeerRequest): Promise<void> {
    await this.d.journal.read(() => this.d.store.dropRequest(r.peerId, { block: false }));
    this.byPeer.delete(r.peerId);
  }

  async block(r: PeerRequest): Promise<void> {
    await this.d.journal.read(() => this.d.store.dropRequest(r.peerId, { block: true }));
    this.byPeer.set(r.peerId, { ...r, blocked: true, waiting: 0 });
  }
}

function formatAddress(host: string, port: number): string {
  const h = host.includes(":") ? `[${host}]` : host;
  return port > 0 ? `${h}:${port}` : h;
}
