// How a command reaches a node: the serve running for this home, through its
// control socket, or else a node of its own inside this process.
import { ControlClient } from "../control/client.ts";
import { LocalApi } from "../control/local.ts";
import type { ContactsApi, NodeApi } from "../control/api.ts";
import { openLocalStore, type Local } from "../node/local.ts";
import { ChatNode } from "../node/node.ts";
import { LocalSession } from "../node/session.ts";
import { local } from "./context.ts";

export interface ConnectOptions {
  /** Start our own node hidden (`--hidden`); ignored when a serve runs. */
  hidden?: boolean;
}

/** The running serve, or a node started here for as long as the command runs. */
export async function connectNode(opts: ConnectOptions = {}): Promise<{ api: NodeApi; local: Local }> {
  const l = await local();
  const remote = await ControlClient.connect(l.home);
  if (remote) {
    if (opts.hidden) await remote.setDiscoverable(false);
    return { api: remote, local: l };
  }
  const store = await openLocalStore(l);
  try {
    const node = await ChatNode.start({
      local: l,
      store,
      discoverable: opts.hidden ? false : l.config.discoverable,
      dialOnlyIfPortTaken: true,
    });
    return { api: new LocalApi(node, { ownsNode: true }), local: l };
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
}

/** Contacts through the running serve (so its links follow at once), else the database. */
export async function withContacts<T>(fn: (api: ContactsApi) => Promise<T>): Promise<T> {
  const l = await local();
  const remote = await ControlClient.connect(l.home);
  if (remote) {
    try {
      return await fn(remote);
    } finally {
      await remote.close();
    }
  }
  const session = new LocalSession(await openLocalStore(l));
  try {
    return await fn({
      contacts: () => session.contacts(),
      addContact: (name, address, o) => session.addContact(name, address, o),
      removeContact: (name) => session.removeContact(name),
      setBlocked: (name, blocked) => session.setBlocked(name, blocked),
      pinContact: (name, id) => session.book.pin(name, id),
    });
  } finally {
    await session.close();
  }
}
