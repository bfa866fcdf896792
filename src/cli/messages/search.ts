import { defineCommand } from "citty";
import { matchRanges, parseSearch } from "../../domain/search-terms.ts";
import { entryJson, formatEntry, highlight } from "../../ui/format.ts";
import { markVariadic } from "../args/check-args.ts";
import { withSession } from "../context.ts";
import { ExitCode, EXIT_FAILED, UsageError } from "../exit-codes.ts";
import { globalArgs } from "../args/globals.ts";
import { parseCount } from "../args/parse.ts";
import { groupFields } from "./history.ts";

export default markVariadic(
  defineCommand({
    meta: { name: "search", description: "Find messages holding every word and \"quoted phrase\", newest first (exit 1: no match)" },
    args: {
      text: { type: "positional", description: 'Words and "quoted phrases" (the rest of the line), without case or accents', required: true },
      with: { type: "string", description: "Only messages with this contact, or in '#GROUP'", valueHint: "NAME" },
      limit: { type: "string", description: "How many of the newest matches (default 50)", valueHint: "N" },
      json: { type: "boolean", description: "Print a JSON array of {id, direction, peer, text, status, time (written), received (in: arrived)}" },
      ...globalArgs,
    },
    async run({ args }) {
      const text = args._.join(" ");
      const terms = parseSearch(text);
      if (terms.length === 0) throw new UsageError("nothing to search for: p2pchat search WORDS...", "p2pchat search");
      const limit = parseCount("--limit", args.limit, 50);
      const peer = args.with || undefined;
      const { entries, self } = await withSession(async (s, l) => ({
        entries: await s.search({ text, peer, limit }),
        self: l.config.name,
      }));
      if (args.json) process.stdout.write(JSON.stringify(entries.map((e) => ({ ...entryJson(e), ...groupFields(e) })), null, 2) + "\n");
      // Nothing found is exit 1, as grep has it, so a script can tell.
      if (entries.length === 0) {
        process.stderr.write(`no match for ${JSON.stringify(text)}${peer ? ` with ${peer}` : ""}\n`);
        throw new ExitCode(EXIT_FAILED);
      }
      if (args.json) return;
      const lines = entries.map((e) => formatEntry(e, { self, showPeer: peer === undefined, dates: true }, highlight(e.text, matchRanges(e.text, terms))));
      process.stdout.write(lines.join("\n") + "\n");
    },
  }),
);
