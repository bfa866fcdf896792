import { defineCommand } from "citty";
import { markVariadic } from "../args/check-args.ts";
import { connectNode } from "../connect.ts";
import { ExitCode, EXIT_PENDING, UsageError } from "../exit-codes.ts";
import { globalArgs } from "../args/globals.ts";
import { argvMessage } from "./message-input.ts";
import { parseSeconds } from "../args/parse.ts";
import { DeliveryTracker, whyPending } from "./wait.ts";
import { waitOrSay } from "../interrupt.ts";
import { GroupDeliveries } from "./group-wait.ts";
import type { NodeApi } from "../../control/api.ts";
import { sendFile } from "./send-file.ts";

export default markVariadic(
  defineCommand({
    meta: { name: "send", description: "Send one message, or a file (--file); exit 0 once delivered, 3 if still pending after the wait" },
    args: {
      name: { type: "positional", description: "Contact name, or '#GROUP'", required: true },
      text: { type: "positional", description: "The message (the rest of the line)", required: false },
      file: { type: "string", description: "Send this file instead of a message (the receiver checks it whole)", valueHint: "PATH" },
      wait: { type: "string", description: "Seconds to wait for delivery (default 10; a file: seconds without progress, default 30); --no-wait only queues it", valueHint: "SECONDS" },
      json: { type: "boolean", description: "A file: print only the result, as JSON" },
      ...globalArgs,
    },
    async run({ args }) {
      const words = args._.slice(1);
      const noWaitFile = (args.wait as unknown) === false;
      if (args.file !== undefined) {
        if (words.length > 0) throw new UsageError("a file or a message, not both: p2pchat send NAME --file PATH", "p2pchat send");
        return sendFile(args.name, String(args.file), { idleSeconds: noWaitFile ? null : parseSeconds("--wait", args.wait, 30), json: Boolean(args.json) });
      }
      if (args.json) throw new UsageError("--json goes with --file", "p2pchat send");
      if (words.length === 0) throw new UsageError("nothing to send: p2pchat send NAME TEXT...", "p2pchat send");
      const text = argvMessage(words.map(String)); // before any node or serve is involved
      const noWait = (args.wait as unknown) === false;
      const seconds = noWait ? 0 : parseSeconds("--wait", args.wait, 10);
      const { api } = await connectNode({ command: "send" });
      try {
        if (args.name.startsWith("#") && (await api.groups()).some((g) => g.name === args.name)) return await sendToGroup(api, args.name, text, noWait ? null : seconds);
        const tracker = noWait ? null : await DeliveryTracker.start(api);
        const sent = await api.send(args.name, text);
        const contact = (await api.status()).contacts.find((c) => c.name === sent.peer);
        const stuck = contact?.state === "blocked" || contact?.state === "identity changed";
        if (!tracker) {
          if (stuck) process.stdout.write(`queued for ${sent.peer} (${sent.id}), but it cannot go now: ${await whyPending(api, sent.peer)}\n`);
          else process.stdout.write(`queued for ${sent.peer} (${sent.id}): it is delivered when ${sent.peer} and a node of yours are online\n`);
          return;
        }
        if (stuck) {
          process.stderr.write(`p2pchat: stored, but not delivered now: ${await whyPending(api, sent.peer)}\n`);
          throw new ExitCode(EXIT_PENDING);
        }
        tracker.add(sent.id, sent.legacy);
        const left = await waitOrSay(tracker.wait(api, seconds), () => keptSaying(api, sent.peer, "the message"));
        tracker.stop();
        const failed = tracker.failed.get(sent.id);
        if (failed !== undefined) {
          process.stderr.write(`p2pchat: not delivered to ${sent.peer} (${sent.id}): ${failed}\n`);
          throw new ExitCode(1);
        }
        if (left === 0) {
          process.stdout.write(
            sent.legacy
              ? `sent to ${sent.peer} (${sent.id}) in plaintext: a legacy peer cannot confirm delivery\n`
              : `delivered to ${sent.peer} (${sent.id})\n`,
          );
          return;
        }
        const all = (await api.status()).contacts.find((c) => c.name === sent.peer)?.pending ?? 1;
        const others = all > 1 ? ` (with ${all - 1} written before it)` : "";
        process.stderr.write(`p2pchat: still pending after ${seconds} s: this message to ${sent.peer} waits${others}. ${await whyPending(api, sent.peer)}\n`);
        throw new ExitCode(EXIT_PENDING);
      } finally {
        await api.close();
      }
    },
  }),
);

/** To a group: delivered once every member who should have it holds it; else how many do, and who is not linked, exit 3. */
async function sendToGroup(api: NodeApi, group: string, text: string, seconds: number | null): Promise<void> {
  const deliveries = await GroupDeliveries.start(api, group);
  try {
    const tracker = seconds === null ? null : await DeliveryTracker.start(api);
    const sent = await api.send(group, text);
    if (!tracker) {
      process.stdout.write(`stored in ${group} (${sent.id}): members get it when they, or a member who has it, are online with a node of yours\n`);
      return;
    }
    tracker.add(sent.id);
    const left = await waitOrSay(tracker.wait(api, seconds!), () => `the message is kept in ${group} and goes to its members when they, or a member who has it, are reachable`);
    tracker.stop();
    const s = await deliveries.summary(api, [sent.id], left, seconds!, "");
    if (s.ok) return void process.stdout.write(`${s.line} (${sent.id})\n`);
    process.stderr.write(`p2pchat: ${s.line}\n`);
    throw new ExitCode(EXIT_PENDING);
  } finally {
    deliveries.stop();
  }
}

/** What stays when a wait for `peer` is interrupted: the message, and who delivers it. */
export function keptSaying(api: NodeApi, peer: string, what: string): string {
  const who = api.remote ? "your running node delivers it" : "it goes";
  return `${what} to ${peer} is kept (pending) and ${who} when ${peer} is reachable${api.remote ? "" : " and a node of yours runs (serve, chat or send)"}`;
}
