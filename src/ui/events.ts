// One line per node event, as `serve` prints them.
import type { NodeEvent } from "../control/api.ts";
import { colors } from "./colors.ts";
import { formatFileLine } from "./file-format.ts";
import { forkWarning, formatIncoming, printable, senderOf } from "./format.ts";

/** One line per new request: the name it announced, quoted and unverified, and how to accept it. */
export function formatRequestLine(e: { peerId: string; name: string; address: string; imitates: string | null }): string {
  const short = e.peerId.split("-")[0];
  const imitation = e.imitates ? colors.red(` NOT your contact ${e.imitates}`) : "";
  return (
    colors.yellow(`* request from ${JSON.stringify(printable(e.name))} (unverified)${imitation} ${e.peerId} at ${e.address}: `) +
    `p2pchat requests accept ${short}`
  );
}

export function formatEvent(e: NodeEvent): string | null {
  switch (e.type) {
    case "message":
      return formatIncoming(senderOf(e.entry), e.entry.text, e.entry.time);
    case "link": {
      const legacy = e.legacy ? colors.red(" UNENCRYPTED, UNAUTHENTICATED (legacy plaintext)") : "";
      return e.up
        ? colors.dim(`* ${e.peer} connected (${e.via ? `via ${e.via}` : e.address}, ${e.direction === "in" ? "they dialed" : "we dialed"})${legacy}`)
        : colors.dim(`* ${e.peer} disconnected (${e.reason ?? "closed"})`);
    }
    case "punch":
      if (!e.ok) return colors.dim(`* ${e.peer}: still through the relay: no hole could be punched through both NATs (${e.why}); trying again in ${formatWait(e.againInMs)}`);
      return colors.dim(`* ${e.peer} connected directly (${e.address}, a hole punched through both NATs ${e.ms < 10_000 ? `${e.ms} ms` : `${(e.ms / 1000).toFixed(1)} s`} after the relayed link): the relay is no longer needed`);
    case "contact":
      if (e.how === "new-peer" && e.peerId === null) {
        return colors.yellow(`* new legacy contact ${e.name} connected from ${e.address}: added to your contacts`) + colors.red(" (plaintext: UNENCRYPTED, UNAUTHENTICATED)");
      }
      if (e.how === "accepted") return colors.green(`* ${e.name} is a contact now (${e.peerId})`);
      if (e.how === "named") {
        const taken = e.taken ? ` (it announces ${JSON.stringify(printable(e.announced ?? ""))}, ${e.taken === e.announced ? "the name of" : "which looks like"} your contact ${e.taken})` : "";
        return colors.green(`* ${e.name}: the node you added from the LAN answered (${e.peerId}, ${e.address}) and is named as it announces itself${taken}`);
      }
      if (e.how === "invited") {
        const renamed = e.announced && e.announced !== e.name ? ` as ${e.name} (the name ${JSON.stringify(printable(e.announced))} was taken)` : "";
        return colors.green(`* ${e.name} joined with your invite${renamed}: a contact now (${e.peerId}, ${e.address})`);
      }
      return e.how === "new-peer"
        ? colors.yellow(`* new contact ${e.name} (${e.peerId}) connected from ${e.address}: added to your contacts`)
        : colors.dim(`* ${e.name} pinned to ${e.peerId} on first contact`);
    case "request":
      return formatRequestLine(e);
    case "store":
      return e.ok ? colors.green(`* ${e.text}`) : colors.red(`! ${e.text}`);
    case "warning":
      return colors.red(`! ${e.text}`);
    case "discoverable":
      return colors.dim(e.on ? `* discoverable${e.listening ? `, listening on ${e.listening}` : ""}` : "* hidden: not listening, not dialing");
    case "stopped":
      return colors.red(`! ${e.reason}`);
    case "reach":
      return (e.reach === "direct" || e.reach === "relay" ? colors.green : colors.yellow)(`* ${e.lines.join("; ")}`);
    case "status":
    case "read":
    case "request-waiting":
    case "group-delivery":
      return null;
    case "invite":
      return e.answer === "admitted" ? colors.green(`* ${e.peer}'s node took your invite: you are in each other's contacts`) : colors.yellow(`! ${inviteRefused(e.peer, e.answer)}`);
    case "group-fork":
      return colors.red(`! ${e.group} ${forkWarning(e.author, e.versions)}`);
    case "file":
      return e.progress ? null : formatFileLine(e.file);
    case "device":
      return e.change === "joined" ? colors.green(`* a new device joined your identity: ${e.name}`) : colors.yellow(`* device ${e.name} (${e.id}) was revoked: it is refused from now on`);
    case "group":
      return colors.green(`* ${e.change === "joined" ? `you were added to ${e.group}` : e.change === "removed" ? `you were removed from ${e.group}` : `you left ${e.group}`}`);
  }
}

/** An invite the inviter's node did not take: why, and what we are to it now. */
export function inviteRefused(peer: string, answer: "used up" | "expired" | "unknown"): string {
  const why = answer === "unknown" ? "it does not know that invite" : `the invite was ${answer}`;
  return `${peer}'s node did not take your invite (${why}): you are a request there until ${peer} accepts it (ask them for a new invite, or to run p2pchat requests)`;
}

/** 45 s, 5 min. */
function formatWait(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}
