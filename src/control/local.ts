// The NodeApi of a node running inside this process (`chat` or `send`
// without a `serve`, and the control server's own dispatch).
import type { AddContactOptions } from "../node/address-book.ts";
import type { ChatNode } from "../node/node.ts";
import { updateConfig } from "../node/home.ts";
import type { HistoryQuery, SearchQuery } from "../node/session.ts";
import type { NodeApi, NodeEvent, OutStatus } from "./api.ts";

export class LocalApi implements NodeApi {
  readonly remote = false;

  constructor(
    readonly node: ChatNode,
    private readonly opts: { ownsNode: boolean; home?: string },
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
    if (this.node.home) updateConfig(this.node.home, { discoverable: on });
  }
  history(query: HistoryQuery) {
    return this.node.session.history(query);
  }
  search(query: SearchQuery) {
    return this.node.session.search(query);
  }
  contacts() {
    return this.node.contactList();
  }
  addContact(name: string, address: string, opts?: AddContactOptions) {
    return this.node.addContact(name, address, opts);
  }
  removeContact(name: string) {
    return this.node.removeContact(name);
  }
  setBlocked(name: string, blocked: boolean) {
    return this.node.setBlocked(name, blocked);
  }
  pinContact(name: string, id: string) {
    return this.node.pinContact(name, id);
  }
  async subscribe(listener: (event: NodeEvent) => void): Promise<() => void> {
    return this.node.on(listener);
  }
  async close(): Promise<void> {
    if (this.opts.ownsNode) await this.node.stop();
  }
}
