// Everyone the chat can talk to, as the node last said: contacts, the
// groups we are in, requests from strangers, each link's state, and per
// conversation the unread count and the last message. The conversations
// view is drawn from it; it is read again from the node when something
// changes (and every few seconds, as retry timers count down).
import type { Contact, GroupInfo, HistoryEntry, NodeApi, NodeStatus, PeerRequest } from "../control/api.ts";
import { lookupName } from "../domain/contact-lookup.ts";
import { colors } from "./colors.ts";
import type { ContactState, ListData } from "./list-view.ts";
import { Unread } from "./unread.ts";

export type RefreshWhat = "all" | "status" | "contacts" | "requests";

export class Roster {
  readonly unread = new Unread();
  private book: Contact[] = [];
  /** Groups we are in ('#alias'), listed after the contacts. */
  private groupList: GroupInfo[] = [];
  private waiting: PeerRequest[] = [];
  private readonly lasts = new Map<string, HistoryEntry | null>();

  constructor(private node: NodeStatus) {}

  get status(): NodeStatus {
    return this.node;
  }

  get requests(): readonly PeerRequest[] {
    return this.waiting;
  }

  /** Reads again what the list shows. */
  async refresh(api: NodeApi, what: RefreshWhat): Promise<void> {
    if (what === "all" || what === "status") this.node = await api.status();
    if (what === "all" || what === "contacts") {
      this.book = await api.contacts();
      this.groupList = await api.groups();
      for (const g of this.groupList) {
        if (!this.lasts.has(g.name)) this.lasts.set(g.name, (await api.history({ peer: g.name, limit: 1 })).at(-1) ?? null);
      }
      for (const c of await api.conversations()) {
        this.unread.set(c.name, c.unread);
        this.lasts.set(c.name, c.last);
      }
    }
    if (what === "all" || what === "requests" || what === "contacts") this.waiting = await api.requests();
  }

  /** The contacts by name, then the groups, as the list numbers them (Alt-1..9, Ctrl-N/P). */
  get names(): string[] {
    const groups = this.groupList.filter((g) => g.role === "creator" || g.role === "member").map((g) => g.name);
    return [...this.book.map((c) => c.name).sort((a, b) => a.localeCompare(b)), ...groups];
  }

  isGroup(name: string): boolean {
    return this.groupList.some((g) => g.name === name);
  }

  /**
   * A contact's name or a group's ('#team', or 'team' when no contact has
   * that name), as the list knows it, found as every command finds it ("josé"
   * for José when only José is near); null when neither.
   */
  resolveName(text: string): string | null {
    const names = this.names;
    if (names.includes(text)) return text;
    if (!text.startsWith("#") && this.isGroup(`#${text}`) && names.includes(`#${text}`)) return `#${text}`;
    const r = lookupName(text, this.contactNames());
    return "found" in r ? r.found : null;
  }

  /** Contacts near `text` that it does not name for sure (another case shared by several, or the same to the eye): "did you mean ...?". */
  nearNames(text: string): string[] {
    const r = lookupName(text, this.contactNames());
    return "found" in r ? [] : r.didYouMean;
  }

  private contactNames(): string[] {
    return this.names.filter((n) => !n.startsWith("#"));
  }

  /** The newest message of a conversation (the list's preview). */
  setLast(name: string, entry: HistoryEntry | null): void {
    this.lasts.set(name, entry);
  }

  /** How the link to `name` is, as the node last said. */
  stateOf(name: string): ContactState | undefined {
    return this.status.contacts.find((c) => c.name === name);
  }

  /** What the conversations view shows. */
  listData(): ListData {
    const states = new Map<string, ContactState>(this.status.contacts.map((c) => [c.name, c]));
    const conversations = this.names.map((name) => ({ name, unread: this.unread.of(name), last: this.lasts.get(name) ?? null }));
    return { conversations, states, requests: this.waiting, contacts: this.book };
  }

  /** Who a conversation is with, above its messages: its id (or the group), the link, and what stands in the way. */
  intro(name: string): string {
    const help = colors.dim("/help for commands · Esc: all conversations");
    const group = this.groupList.find((g) => g.name === name);
    if (group) {
      const title = group.title !== name.slice(1) ? ` ("${group.title}")` : "";
      return colors.dim(`group ${name}${title}: ${group.members} members, created by ${group.creator}; every message is signed by its author`) + "\n" + help;
    }
    const contact = this.book.find((c) => c.name === name);
    const state = this.stateOf(name);
    const id = contact?.peerId ?? "(not pinned yet: pinned on first contact)";
    const legacy = contact?.legacy ? colors.red(" plaintext legacy peer: UNENCRYPTED, UNAUTHENTICATED") : "";
    const hidden = this.status.discoverable ? "" : colors.yellow(" You are hidden: what you write waits as pending (/discoverable on).");
    const blocked = contact?.blocked ? colors.yellow(` ${name} is blocked: /unblock to talk.`) : "";
    const link = state?.state === "linked" ? " (connected)" : this.status.discoverable && !contact?.blocked ? " (not connected yet)" : "";
    const changed = state?.state === "identity changed" ? colors.red(` ${name}'s identity changed, nothing is delivered: ${state.stateText}.`) : "";
    return colors.dim(`chatting with ${name} ${id}${link}`) + legacy + hidden + blocked + changed + "\n" + help;
  }
}
