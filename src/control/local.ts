// The NodeApi of a node running inside this process (`serve`, or `chat` and
// `send` hosting their own, and the control server's dispatch).
import type { AddContactOptions } from "../node/book/address-book.ts";
import type { ChatNode } from "../node/node.ts";
import type { PinOptions, SetContactOptions } from "../node/book/node-book.ts";
import { updateConfig } from "../home/home.ts";
import type { HistoryQuery, SearchQuery } from "../domain/history-entry.ts";
import type { NodeApi, NodeEvent, OutStatus } from "./api.ts";

export class LocalApi implements NodeApi {
  readonly remote = false;

  constructor(
    readonly node: ChatNode,
    private readonly opts: { ownsNode: boolean },
  ) {}

  status() {
    return this.node.status();
  }
  send(peer: string, text: string) {
    return this.node.send(peer, text);
  }
  sendTo(host: string, port: number, text: string) {
    return this.node.sendTo(host, port, text);
  }
  async statusOf(ids: readonly string[]): Promise<Record<string, OutStatus>> {
    return Object.fromEntries(await this.node.statusOf(ids));
  }
  async setDiscoverable(on: boolean): Promise<void> {
    await this.node.setDiscoverable(on);
    // The choice outlives this run: the next serve or chat starts the same way.
    updateConfig(this.node.home, { discoverable: on });
  }
  history(query: HistoryQuery) {
    return this.node.session.history(query);
  }
  search(query: SearchQuery) {
    return this.node.session.search(query);
  }
  conversations() {
    return this.node.reads.conversations();
  }
  markRead(peer: string, id?: string) {
    return this.node.reads.markRead(peer, id);
  }
  contacts() {
    return this.node.book.list();
  }
  addContact(name: string, address: string, opts?: AddContactOptions) {
    return this.node.book.add(name, address, opts);
  }
  removeContact(name: string, opts?: { dropPending?: boolean }) {
    return this.node.book.remove(name, opts);
  }
  setBlocked(name: string, blocked: boolean) {
    return this.node.book.setBlocked(name, blocked);
  }
  pinContact(name: string, id: string, opts?: PinOptions) {
    return this.node.book.pin(name, id, opts);
  }
  setContact(name: string, opts: SetContactOptions) {
    return this.node.book.set(name, opts);
  }
  requests() {
    return this.node.book.requests();
  }
  acceptRequest(id: string, as?: string) {
    return this.node.book.acceptRequest(id, as);
  }
  rejectRequest(id: string) {
    return this.node.book.rejectRequest(id);
  }
  blockRequest(id: string) {
    return this.node.book.blockRequest(id);
  }
  cancel(ids: readonly string[]) {
    return this.node.book.cancel(ids);
  }
  cancelTo(name: string) {
    return this.node.book.cancelTo(name);
  }
  createInvite(opts: { uses: number; expiresMs: number }) {
    return this.node.hints.createInvite(opts);
  }
  addInvite(text: string, name?: string) {
    return this.node.hints.addInvite(text, name);
  }
  addNearby(id: string, name?: string) {
    return this.node.hints.addNearby(id, name);
  }
  async nearby() {
    return this.node.hints.nearby();
  }
  async groups() {
    return this.node.groupBook.list();
  }
  groupCreate(name: string, members: readonly string[]) {
    return this.node.groupBook.create(name, members);
  }
  groupAdd(group: string, contact: string) {
    return this.node.groupBook.add(group, contact);
  }
  groupRemove(group: string, member: string) {
    return this.node.groupBook.remove(group, member);
  }
  groupLeave(group: string) {
    return this.node.groupBook.leave(group);
  }
  async groupMembers(group: string) {
    return this.node.groupBook.members(group);
  }
  async subscribe(listener: (event: NodeEvent) => void): Promise<() => void> {
    return this.node.on(listener);
  }
  async close(): Promise<void> {
    if (this.opts.ownsNode) await this.node.stop();
  }
}
