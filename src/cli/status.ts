import { defineCommand } from "citty";
import { ControlClient } from "../control/client.ts";
import type { NodeStatus } from "../control/api.ts";
import { openLocalStore } from "../home/open-local.ts";
import { formatStatus } from "../ui/status.ts";
import { local } from "./context.ts";
import { globalArgs } from "./args/globals.ts";

export default defineCommand({
  meta: { name: "status", description: "Discoverable or hidden, listening address, links up, pending messages per peer" },
  args: { json: { type: "boolean", description: "Print JSON" }, ...globalArgs },
  async run({ args }) {
    const l = await local();
    const remote = await ControlClient.connect(l.home);
    let status: NodeStatus;
    if (remote) {
      try {
        status = await remote.status();
      } finally {
        await remote.close();
      }
    } else {
      const store = await openLocalStore(l);
      try {
        const pending = await store.outboxCounts();
        const waiting = new Map(pending.map((p) => [p.peer, p.pending + (p.legacy ? 0 : p.sent)]));
        status = {
          name: l.config.name,
          peerId: l.identity.peerId,
          discoverable: l.config.discoverable,
          listening: null,
          addresses: [],
          legacyListening: null,
          links: [],
          pending,
          contacts: (await store.listContacts()).map((c) => ({
            name: c.name,
            state: c.blocked ? ("blocked" as const) : ("idle" as const),
            stateText: c.blocked ? "blocked" : "no node running",
            address: null,
            lastSeen: null,
            lastError: null,
            lastErrorAt: null,
            nextRetryAt: null,
            pending: waiting.get(c.name) ?? 0,
            mismatch: null,
          })),
          requests: (await store.listRequests()).filter((r) => !r.blocked).length,
          database: store.location,
        };
      } finally {
        await store.close();
      }
    }
    if (args.json) process.stdout.write(JSON.stringify({ running: remote !== null, ...status }, null, 2) + "\n");
    else process.stdout.write(formatStatus(status, remote !== null) + "\n");
  },
});
