// The chat page: the list of conversations beside the open one, kept live by
// the node's events. Wires the state (state.ts) to the views and the
// dialogs; every change goes to the node as a control operation (api.ts).
import { Api, ApiError } from "./api.ts";
import { Compose } from "./compose.ts";
import { ConversationFiles } from "./conversation-files.ts";
import { appendMessage, renderHead, renderMessages, updateMark } from "./conversation-view.ts";
import { byId, fill, h } from "./dom.ts";
import { attachButton, catchDrops, catchPastes } from "./files.ts";
import { membersDialog, newGroupDialog } from "./group-dialogs.ts";
import { addDialog, inviteDialog } from "./invite-dialogs.ts";
import { renderList, type ListActions } from "./list-view.ts";
import { askToNotify, mayAsk, notify } from "./notify.ts";
import { renderResults } from "./search-view.ts";
import { PageState, type Request, type Roster } from "./state.ts";
import { statusDialog } from "./status-dialog.ts";
import { switcher } from "./switcher.ts";
import { shown } from "./text.ts";
import { openDialog, field } from "./dialog.ts";
import type { FileInfo, HistoryEntry, NodeEvent } from "./types.ts";

/** Messages fetched per page of scrollback. */
const PAGE = 50;
/** The list is read again this often too: retry countdowns and "last seen" move on their own. */
const REFRESH_MS = 5_000;

class App {
  private readonly s = new PageState();
  private readonly list = byId("list");
  private readonly requests = byId("requests");
  private readonly messages = byId("messages");
  private readonly results = byId("results");
  private readonly compose: Compose;
  private readonly files: ConversationFiles;
  private refreshing: Promise<void> | null = null;
  private again = false;
  private loadingOlder = false;

  constructor(private readonly api: Api) {
    this.compose = new Compose(byId<HTMLFormElement>("compose"), byId<HTMLTextAreaElement>("text"), { send: (t) => this.send(t) });
    this.files = new ConversationFiles({
      api,
      s: this.s,
      box: this.messages,
      toast: (t, tone) => this.toast(t, tone),
      atBottom: () => this.atBottom(),
      toBottom: () => this.toBottom(),
      lastTime: () => this.s.lastTime(),
      open: (name) => void this.open(name),
    });
  }

  async start(): Promise<void> {
    this.wire();
    await this.refresh();
    this.api.events(
      (e) => this.onEvent(e),
      (up) => this.linkShown(up),
    );
    setInterval(() => void this.refresh(), REFRESH_MS);
    const wanted = decodeURIComponent(location.hash.slice(1));
    if (wanted && this.s.rows().some((r) => r.name === wanted)) await this.open(wanted);
  }

  // ---- the list

  /** Reads the list again (one at a time; asked while one runs, once more after it). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.again = false;
          this.s.setRoster(await this.api.get<Roster>("/api/roster"));
        } while (this.again);
        this.drawList();
        this.drawMe();
        if (this.s.open) renderHead(byId("conv-name"), byId("conv-state"), byId("conv-actions"), this.s, this.convActions);
      } catch (err) {
        this.toast((err as Error).message, "bad");
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private drawList(): void {
    // Drawn anew: the row that had the keyboard keeps it.
    const focused = (document.activeElement as HTMLElement | null)?.closest?.(".row")?.getAttribute("data-name");
    renderList(this.list, this.requests, this.s, this.listActions);
    if (focused) ([...this.list.querySelectorAll<HTMLElement>(".row")].find((r) => r.dataset.name === focused))?.focus();
    const total = this.s.rows().reduce((n, r) => n + r.unread, 0);
    document.title = total > 0 ? `(${total}) p2pchat` : "p2pchat";
  }

  private drawMe(): void {
    const st = this.s.status;
    if (!st) return;
    fill(byId("me-name"), shown(st.name));
    const dot = byId("me-dot");
    dot.className = `dot ${st.discoverable ? "ok" : "warn"}`;
    dot.title = st.discoverable ? "discoverable" : "hidden";
    byId("me-reach").textContent = st.discoverable ? shown(st.reach?.verdict?.lines[0] ?? "") : "hidden: nobody can reach you";
  }

  private readonly listActions: ListActions = {
    open: (name) => void this.open(name),
    accept: (r) => void this.accept(r),
    reject: (r) => void this.act(() => this.api.op("rejectRequest", { id: r.peerId }), `rejected “${shown(r.name)}”`),
    block: (r) => void this.act(() => this.api.op("blockRequest", { id: r.peerId }), `blocked “${shown(r.name)}”: their links are refused from now on`),
  };

  private async accept(r: Request): Promise<void> {
    // A name that imitates a contact's is not taken as it is: the user names them.
    if (r.imitates === null && !this.s.contact(r.name)) {
      const ok = await this.act(() => this.api.op("acceptRequest", { id: r.peerId }), `${shown(r.name)} is a contact now`);
      if (ok) await this.open(r.name);
      return;
    }
    openDialog("Accept as…", (d) => {
      const name = h("input", { id: "accept-as", type: "text", required: true, autofocus: true, autocomplete: "off" });
      d.body.append(
        h("p", {}, `“${shown(r.name)}” is not a name you can give them here: `, r.imitates !== null ? `it looks like your contact ${shown(r.imitates)}'s.` : "a contact has it already.", " Name them:"),
        h(
          "form",
          {
            onsubmit: (ev) => {
              ev.preventDefault();
              void this.api.op<{ contact: { name: string } }>("acceptRequest", { id: r.peerId, as: name.value.trim() }).then(
                (res) => (d.close(), void this.refresh().then(() => this.open(res.contact.name))),
                (err: Error) => d.say(err.message, "bad"),
              );
            },
          },
          field("Name", name),
          h("div", { class: "dialog-actions" }, h("button", { type: "submit", class: "primary" }, "Accept")),
        ),
      );
    });
  }

  /** Runs an action, says how it went, reads the list again. */
  private async act(fn: () => Promise<unknown>, done: string): Promise<boolean> {
    try {
      await fn();
      this.toast(done, "ok");
      return true;
    } catch (err) {
      this.toast((err as Error).message, "bad");
      return false;
    } finally {
      await this.refresh();
    }
  }

  // ---- a conversation

  private readonly convActions = {
    setBlocked: (name: string, blocked: boolean) =>
      void this.act(() => this.api.op("setBlocked", { name, blocked }), blocked ? `${shown(name)} is blocked: their links are refused and your messages wait` : `${shown(name)} is unblocked`),
    members: (group: string) => membersDialog(this.api, this.s, group, () => void this.refresh()),
  };

  async open(name: string): Promise<void> {
    if (this.s.open) this.s.keepDraft(this.s.open, this.compose.text);
    this.hideResults();
    const unread = this.s.unreadOf(name);
    let entries: HistoryEntry[];
    let files: FileInfo[];
    try {
      [entries, files] = await Promise.all([this.api.op<HistoryEntry[]>("history", { query: { peer: name, limit: Math.max(PAGE, unread + 10) } }), this.files.load(name)]);
    } catch (err) {
      return this.toast((err as Error).message, "bad");
    }
    this.s.openWith(name, entries, entries.length >= Math.max(PAGE, unread + 10));
    this.s.setFiles(files);
    history.replaceState(null, "", `#${encodeURIComponent(name)}`);
    byId("empty").hidden = true;
    byId("conv").hidden = false;
    document.body.dataset.view = "conv";
    renderHead(byId("conv-name"), byId("conv-state"), byId("conv-actions"), this.s, this.convActions);
    renderMessages(this.messages, this.s, unread, this.files.actions);
    this.files.redrawn();
    const line = this.messages.querySelector(".new-line");
    if (line) line.scrollIntoView({ block: "center" });
    else this.toBottom();
    this.compose.text = this.s.draftOf(name);
    this.compose.focus();
    this.drawList();
    await this.markRead();
  }

  /** Back to the list alone (Esc; on a phone, the ‹ button). */
  leave(): void {
    if (!this.s.open) return;
    this.s.keepDraft(this.s.open, this.compose.text);
    this.s.close();
    history.replaceState(null, "", location.pathname);
    byId("conv").hidden = true;
    byId("empty").hidden = false;
    document.body.dataset.view = "list";
    this.drawList();
    (this.list.querySelector("button.row") as HTMLElement | null)?.focus();
  }

  private async loadOlder(): Promise<void> {
    const name = this.s.open;
    const first = this.s.entries[0];
    if (!name || !first || !this.s.more || this.loadingOlder) return;
    this.loadingOlder = true;
    try {
      const older = await this.api.op<HistoryEntry[]>("history", { query: { peer: name, limit: PAGE, before: first.id } });
      if (this.s.open !== name) return;
      const from = this.messages.scrollHeight - this.messages.scrollTop;
      this.s.prepend(older, older.length >= PAGE);
      renderMessages(this.messages, this.s, 0, this.files.actions);
      this.files.redrawn();
      // The message that was at the top stays where it was.
      this.messages.scrollTop = this.messages.scrollHeight - from;
    } catch (err) {
      this.toast((err as Error).message, "bad");
    } finally {
      this.loadingOlder = false;
    }
  }

  private async send(text: string): Promise<void> {
    const name = this.s.open;
    if (!name) return;
    try {
      const r = await this.api.op<{ id: string; peer: string }>("send", { peer: name, text });
      const entry: HistoryEntry = { id: r.id, direction: "out", peer: r.peer, text, status: "pending", time: Date.now() };
      this.shown(entry);
      this.s.keepDraft(name, "");
    } catch (err) {
      this.toast((err as Error).message, "bad");
      throw err;
    }
  }

  /** A message for the open conversation (or the list's counts). */
  private shown(entry: HistoryEntry): void {
    const before = this.s.lastTime();
    const near = this.atBottom();
    if (this.s.add(entry, near && document.visibilityState === "visible")) {
      appendMessage(this.messages, this.s.entries.at(-1)!, before, entry.peer.startsWith("#"));
      if (near || entry.direction === "out") this.toBottom();
    }
    this.drawList();
  }

  private atBottom(): boolean {
    const m = this.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }

  private toBottom(): void {
    this.messages.scrollTop = this.messages.scrollHeight;
  }

  /** What came in here was seen: the node is told (so every terminal's count agrees). */
  private async markRead(): Promise<void> {
    const name = this.s.open;
    // Seen: the page is looked at and the end of the conversation is in view.
    if (!name || document.visibilityState !== "visible" || !this.atBottom() || this.s.unreadOf(name) === 0) return;
    const last = this.s.lastIncoming();
    // The count goes once the node stored the mark (then every terminal's agrees).
    try {
      this.s.setUnread(name, await this.api.op<number>("markRead", { peer: name, id: last?.id }));
    } catch (err) {
      this.toast((err as Error).message, "bad");
    }
    this.drawList();
  }

  // ---- live

  private onEvent(e: NodeEvent): void {
    switch (e.type) {
      case "message": {
        this.shown(e.entry);
        const from = e.entry.author !== undefined ? `${e.entry.peer} ${e.entry.author}` : e.entry.peer;
        if (!e.entry.event) notify(from, e.entry.text, () => void this.open(e.entry.peer));
        if (e.entry.peer === this.s.open) void this.markRead();
        return;
      }
      case "status":
        for (const id of e.ids) {
          const entry = this.s.mark(id, { status: e.status, reason: e.reason });
          if (entry) updateMark(this.messages, entry);
        }
        if (e.status === "delivered" || e.status === "failed") void this.refresh();
        return;
      case "group-delivery":
        for (const id of e.ids) {
          const entry = this.s.mark(id, { status: e.to === e.of ? "delivered" : "sent", delivered: { to: e.to, of: e.of } });
          if (entry) updateMark(this.messages, entry);
        }
        return;
      case "read":
        this.s.setUnread(e.peer, e.unread);
        this.drawList();
        return;
      case "file":
        this.files.changed(e.file, e.progress === true);
        return;
      case "stopped":
        this.banner(`${shown(e.reason)}: this page is no longer connected to a node. Start one (p2pchat serve) and open the page again with p2pchat web.`);
        return;
      case "warning":
        this.toast(shown(e.text), "bad");
        break;
      case "store":
        this.toast(shown(e.text), e.ok ? "ok" : "bad");
        break;
      case "request":
        this.toast(`request from “${shown(e.name)}” (unverified)${e.imitates ? `: NOT your contact ${shown(e.imitates)}` : ""}`, e.imitates ? "bad" : "");
        notify("p2pchat", `request from “${e.name}” (unverified)`, () => {});
        break;
      case "invite":
        this.toast(e.answer === "admitted" ? `${shown(e.peer)}'s node took your invite: you are in each other's contacts` : `${shown(e.peer)}'s node did not take your invite (${e.answer}): you are a request there until they accept`, e.answer === "admitted" ? "ok" : "bad");
        break;
      case "contact":
        if (e.how === "invited") this.toast(`${shown(e.name)} joined with your invite`, "ok");
        break;
      case "group":
        this.toast(e.change === "joined" ? `you were added to ${shown(e.group)}` : e.change === "removed" ? `you were removed from ${shown(e.group)}` : `you left ${shown(e.group)}`, "ok");
        break;
    }
    // Links, contacts, requests, groups, where you stand: the list says it.
    void this.refresh();
  }

  private linkShown(up: boolean): void {
    byId("banner").hidden = up;
    if (!up) this.banner("the connection to the node dropped: trying again…");
  }

  // ---- the page's chrome

  private banner(text: string): void {
    const b = byId("banner");
    b.textContent = text;
    b.hidden = false;
  }

  private toast(text: string, tone: "ok" | "bad" | "" = ""): void {
    const t = h("div", { class: `toast ${tone}`, role: "status" }, text);
    byId("toasts").append(t);
    setTimeout(() => t.remove(), tone === "bad" ? 8_000 : 4_000);
  }

  private hideResults(): void {
    this.results.hidden = true;
    if (!this.s.open) byId("empty").hidden = false;
    else byId("conv").hidden = false;
  }

  private async search(query: string): Promise<void> {
    if (!query.trim()) return this.hideResults();
    try {
      const found = await this.api.op<HistoryEntry[]>("search", { query: { text: query, limit: 100 } });
      renderResults(this.results, query, found, (name) => void this.open(name));
      this.results.hidden = false;
      byId("empty").hidden = true;
      byId("conv").hidden = true;
      document.body.dataset.view = "conv";
    } catch (err) {
      this.toast(err instanceof ApiError ? err.message : String(err), "bad");
    }
  }

  private wire(): void {
    byId("btn-invite").addEventListener("click", () => inviteDialog(this.api));
    byId("btn-add").addEventListener("click", () => addDialog(this.api, (name) => void this.refresh().then(() => this.open(name))));
    byId("btn-status").addEventListener("click", () => statusDialog(this.api, () => void this.refresh()));
    byId("btn-group").addEventListener("click", () => newGroupDialog(this.api, this.s, (name) => void this.refresh().then(() => this.open(name))));
    byId("back").addEventListener("click", () => this.leave());
    const ask = byId("btn-notify");
    ask.hidden = !mayAsk();
    ask.addEventListener("click", () => void askToNotify().then(() => (ask.hidden = !mayAsk())));
    const search = byId<HTMLInputElement>("search");
    byId("search-form").addEventListener("submit", (e) => {
      e.preventDefault();
      void this.search(search.value);
    });
    this.messages.addEventListener("scroll", () => {
      if (this.messages.scrollTop < 120) void this.loadOlder();
      if (this.atBottom()) void this.markRead();
    });
    document.addEventListener("visibilitychange", () => void this.markRead());
    document.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        switcher(this.s, (name) => void this.open(name));
      } else if (e.key === "Escape" && !byId<HTMLDialogElement>("dialog").open) {
        if (!this.results.hidden) this.hideResults();
        else this.leave();
      }
    });
    const send = (files: File[]) => void this.files.send(files);
    catchDrops(byId("main"), send);
    catchPastes(byId("text"), send);
    attachButton(byId("attach"), byId<HTMLInputElement>("file-input"), send);
  }
}

async function main(): Promise<void> {
  const api = await Api.connect();
  if (!api) return location.assign("/login");
  await new App(api).start();
  document.body.dataset.ready = "true";
}

void main();
