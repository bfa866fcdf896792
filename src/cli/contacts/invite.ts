// `p2pchat invite`: one line a friend pastes into `p2pchat add` (or scans):
// your name, peer id, addresses and a one-time token, with a checksum.
import { defineCommand } from "citty";
import { formatDateTime } from "../../ui/format.ts";
import { colors } from "../../ui/colors.ts";
import { withNode } from "../connect.ts";
import { globalArgs } from "../args/globals.ts";
import { parseCount, parseDuration } from "../args/parse.ts";

const WEEK = 7 * 86_400_000;

export default defineCommand({
  meta: { name: "invite", description: "Print a one-line invite for a friend: `p2pchat add INVITE` adds you, and your node adds them at once" },
  args: {
    uses: { type: "string", description: "How many people it admits (default 1)", valueHint: "N" },
    expires: { type: "string", description: "How long it admits them (default 7d): 30m, 12h, 7d, 2w", valueHint: "DURATION" },
    qr: { type: "boolean", description: "Also draw it as a QR code" },
    json: { type: "boolean", description: "Print JSON: the invite line and what it holds" },
    ...globalArgs,
  },
  async run({ args }) {
    const uses = parseCount("--uses", args.uses, 1, 1, 1000);
    const expiresMs = parseDuration("--expires", args.expires, WEEK);
    const { text, invite, verdict } = await withNode("invite", (api) => api.createInvite({ uses, expiresMs }));
    if (args.json) {
      process.stdout.write(JSON.stringify(
          { invite: text, name: invite.name, peerId: invite.peerId, addresses: invite.addresses, discoveryKey: invite.dkey ?? null, relays: invite.relays ?? [], uses, expires: invite.expires, reach: verdict ?? null },
          null,
          2,
        ) + "\n");
      return;
    }
    process.stdout.write(text + "\n");
    if (args.qr) {
      // A CommonJS module whose generate() reads `this`: call it on the module.
      const qr = (await import("qrcode-terminal")).default;
      const drawing = await new Promise<string>((resolve) => qr.generate(text, { small: true }, resolve));
      process.stdout.write(drawing + "\n");
    }
    const who = uses === 1 ? "the first person who uses it" : `up to ${uses} people`;
    process.stderr.write(
      colors.dim(`Give this line to a friend: \`p2pchat add <line>\` adds you, and your node adds ${who} as a contact (until ${formatDateTime(invite.expires)}).\n`) +
        colors.dim(`It is not a secret of your identity: whoever reads it can at most knock as a request once it is used up or expired.\n`),
    );
    // Where you stand: whether the friend can reach the addresses it carries at all.
    if (verdict) {
      const paint = verdict.reach === "direct" || verdict.reach === "relay" ? colors.dim : colors.yellow;
      process.stderr.write(verdict.lines.map((l) => paint(l) + "\n").join(""));
    }
  },
});
