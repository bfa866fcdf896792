import { defineCommand } from "citty";
import { entryJson, formatEntry } from "../../ui/format.ts";
import { withSession } from "../context.ts";
import { globalArgs } from "../args/globals.ts";
import { parseCount, parseTime } from "../args/parse.ts";
import type { HistoryEntry } from "../../domain/history-entry.ts";

/** In a group: who wrote it, whether it is an event, (ours) how many members hold it, and whether its author forked it (every version). */
export function groupFields(e: HistoryEntry): Partial<Pick<HistoryEntry, "author" | "event" | "delivered" | "forked" | "versions">> {
  if (e.author === undefined) return {};
  const forked = e.forked ? { forked: true as const, ...(e.versions ? { versions: e.versions } : {}) } : {};
  return { author: e.author, ...(e.event ? { event: true } : {}), ...(e.delivered ? { delivered: e.delivered } : {}), ...forked };
}

export default defineCommand({
  meta: { name: "history", description: "Show past messages from the local database, oldest first" },
  args: {
    name: { type: "positional", description: "Contact name or '#GROUP' (default: every conversation with a contact)", required: false },
    limit: { type: "string", description: "How many of the newest messages (default 50)", valueHint: "N" },
    before: { type: "string", description: "Only messages older than the message with this id (paging)", valueHint: "ID" },
    since: { type: "string", description: "Only messages since: epoch ms, 2024-05-01[T10:00], or an age like 2h, 7d", valueHint: "TIME" },
    json: { type: "boolean", description: "Print a JSON array of {id, direction, peer, text, status, time (written), received (in: arrived)}" },
    ...globalArgs,
  },
  async run({ args }) {
    const limit = parseCount("--limit", args.limit, 50);
    const since = args.since !== undefined ? parseTime("--since", args.since) : undefined;
    const peer = args.name || undefined;
    const { entries, self } = await withSession(async (s, l) => ({
      entries: await s.history({ peer, limit, before: args.before || undefined, since }),
      self: l.config.name,
    }));
    if (args.json) {
      const out = entries.map((e) => ({ ...entryJson(e), ...groupFields(e) }));
      process.stdout.write(JSON.stringify(out, null, 2) + "\n");
      return;
    }
    if (entries.length === 0) {
      process.stderr.write(peer ? `no messages with ${peer} yet\n` : "no messages yet\n");
      return;
    }
    const lines = entries.map((e) => formatEntry(e, { self, showPeer: peer === undefined, dates: true }));
    process.stdout.write(lines.join("\n") + "\n");
  },
});
