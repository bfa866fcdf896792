// `p2pchat files`: file transfers, each way. `files [NAME|#GROUP] [--json]`
// lists them (newest first); `files accept|reject|cancel ID` answers an
// offer or stops a transfer (either side); `files settings` shows or
// changes where received files go and what a contact may send unasked.
import { defineCommand } from "citty";
import { resolve } from "node:path";
import type { FileInfo } from "../../control/api.ts";
import { colors } from "../../ui/colors.ts";
import { fileStateText, formatSize, shortId } from "../../ui/file-format.ts";
import { formatDateTime, printable } from "../../ui/format.ts";
import { formatTable } from "../../ui/table.ts";
import { UsageError } from "../exit-codes.ts";
import { globalArgs } from "../args/globals.ts";
import { withNode } from "../connect.ts";

const ACTIONS = ["accept", "reject", "cancel", "settings"] as const;

export default defineCommand({
  meta: {
    name: "files",
    description: "File transfers: files [NAME|#GROUP] [--json] lists them; files accept|reject|cancel ID; files settings [--downloads DIR] [--auto-accept MIB]",
  },
  args: {
    what: { type: "positional", description: "A contact or '#GROUP' to list, or accept, reject, cancel, settings", required: false },
    id: { type: "positional", description: "The transfer's id, or its first characters as the list shows them", required: false },
    json: { type: "boolean", description: "Print JSON" },
    downloads: { type: "string", description: "settings: the folder received files go to", valueHint: "DIR" },
    "auto-accept": { type: "string", description: "settings: MiB a day a contact may send without asking (0: always ask)", valueHint: "MIB" },
    ...globalArgs,
  },
  async run({ args }) {
    const what = args.what;
    const action = ACTIONS.find((a) => a === what);
    if (action === "settings") return settings(args.downloads, args["auto-accept"], Boolean(args.json));
    if (args.downloads !== undefined || args["auto-accept"] !== undefined) throw new UsageError("--downloads and --auto-accept go with `files settings`", "p2pchat files");
    if (action) {
      if (!args.id) throw new UsageError(`which transfer? p2pchat files ${action} ID (\`p2pchat files\` lists them)`, "p2pchat files");
      const f = await withNode("files", (api) => (action === "accept" ? api.fileAccept(args.id!) : action === "reject" ? api.fileReject(args.id!) : api.fileCancel(args.id!)));
      if (args.json) return void process.stdout.write(JSON.stringify(f, null, 2) + "\n");
      const done = action === "accept" ? "accepted" : action === "reject" ? "rejected" : "cancelled";
      process.stdout.write(`${done} ${JSON.stringify(printable(f.name))} (${formatSize(f.size)}) ${f.direction === "in" ? "from" : "to"} ${f.group ?? f.peer} (${shortId(f.id)})\n`);
      return;
    }
    if (args.id) throw new UsageError(`unexpected argument ${JSON.stringify(args.id)}: p2pchat files [NAME|#GROUP]`, "p2pchat files");
    const list = await withNode("files", (api) => api.files(what));
    if (args.json) return void process.stdout.write(JSON.stringify(list, null, 2) + "\n");
    if (list.length === 0) return void process.stdout.write(colors.dim(what ? `no files with ${what}` : "no files sent or received yet") + "\n");
    process.stdout.write(formatTable(["ID", "", "WITH", "NAME", "SIZE", "WHEN", "STATE"], list.map(row)) + "\n");
    const offered = list.find((f) => f.direction === "in" && f.state === "offered");
    if (offered) process.stdout.write(colors.dim(`accept: p2pchat files accept ID   reject: p2pchat files reject ID`) + "\n");
  },
});

function row(f: FileInfo): string[] {
  const arrow = f.direction === "in" ? "←" : "→";
  const who = f.group ? `${f.group}${f.peer && f.direction === "in" ? ` ${f.peer}` : ""}` : `${f.peer ?? "?"}${f.request ? " (request)" : ""}`;
  return [shortId(f.id), arrow, who, printable(f.name), formatSize(f.size), formatDateTime(f.created), fileStateText(f)];
}

async function settings(downloads: string | undefined, autoAccept: string | undefined, json: boolean): Promise<void> {
  const change: { downloads?: string | null; autoAcceptMiB?: number } = {};
  if (downloads !== undefined) change.downloads = downloads === "" ? null : resolve(downloads);
  if (autoAccept !== undefined) {
    const n = Number(autoAccept);
    if (!/^\d+(\.\d+)?$/.test(autoAccept) || !Number.isFinite(n)) throw new UsageError(`--auto-accept takes a number of MiB (0: always ask), not ${JSON.stringify(autoAccept)}`, "p2pchat files settings");
    change.autoAcceptMiB = n;
  }
  const s = await withNode("files", (api) => api.fileSettings(Object.keys(change).length > 0 ? change : undefined));
  if (json) return void process.stdout.write(JSON.stringify(s, null, 2) + "\n");
  const allowance = s.autoAcceptMiB > 0 ? `${s.autoAcceptMiB} MiB a day from each contact, taken without asking` : "none: every file waits for your yes";
  process.stdout.write(`received files go to ${s.downloads}\nallowance: ${allowance}\n`);
}
