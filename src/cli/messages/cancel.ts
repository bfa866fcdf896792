// `p2pchat cancel ID...` / `cancel --to NAME`: withdraw messages before they
// are delivered. One already on the wire may still arrive; it is then marked
// delivered, not cancelled.
import { defineCommand } from "citty";
import type { CancelOutcome } from "../../control/api.ts";
import { markVariadic } from "../args/check-args.ts";
import { withNode } from "../connect.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";
import { globalArgs } from "../args/globals.ts";

export default markVariadic(
  defineCommand({
    meta: { name: "cancel", description: "Withdraw messages not delivered yet: by id (from send or history --json), or all to a contact" },
    args: {
      ids: { type: "positional", description: "Message ids", required: false },
      to: { type: "string", description: "Every undelivered message to this contact", valueHint: "NAME" },
      ...globalArgs,
    },
    async run({ args }) {
      const ids = args._.filter((a) => a.length > 0);
      if ((ids.length === 0) === (args.to === undefined)) throw new UsageError("say what to withdraw: p2pchat cancel ID... or p2pchat cancel --to NAME", "p2pchat cancel");
      const out = await withNode("cancel", (api) => (args.to !== undefined ? api.cancelTo(args.to) : api.cancel(ids)));
      const lines = describe(out, args.to);
      process.stdout.write(lines.join("\n") + "\n");
      if (args.to === undefined && out.some((o) => o.before === "unknown" || o.before === "delivered")) throw new ExitCode(1);
    },
  }),
);

function describe(out: CancelOutcome[], to: string | undefined): string[] {
  if (to !== undefined && out.length === 0) return [`nothing to withdraw: no message to ${to} waits`];
  const lines: string[] = [];
  const wire = out.filter((o) => o.onTheWire && (o.before === "pending" || o.before === "sent"));
  const done = out.filter((o) => !o.onTheWire && (o.before === "pending" || o.before === "sent"));
  if (done.length > 0) lines.push(`cancelled ${done.length} message${done.length === 1 ? "" : "s"}${to ? ` to ${to}` : ""}: shown as ✗ cancelled in history`);
  if (wire.length > 0) {
    lines.push(
      `${wire.length} message${wire.length === 1 ? " was" : "s were"} already on the wire: cancelled here, but ${wire.length === 1 ? "it" : "they"} may still arrive (then marked delivered)`,
    );
  }
  for (const o of out) {
    if (o.before === "unknown") lines.push(`${o.id}: no such message of yours`);
    else if (o.before === "delivered") lines.push(`${o.id}: already delivered, cannot be withdrawn`);
    else if (o.before === "cancelled") lines.push(`${o.id}: already cancelled`);
  }
  return lines;
}
