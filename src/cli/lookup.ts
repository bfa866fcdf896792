// `p2pchat lookup KEY|NAME [--json] [--dht-bootstrap HOST:PORT,...]`: what
// the DHT holds for a discovery key: the peer id, addresses and relays its
// owner last published, and how old that record is. A NAME is turned into a
// key by a NameResolver (the address book: the contact's discovery key), and
// a record naming another peer id than the contact's pinned one is said to
// be no proof of anything (with no command to re-pin: only the contact can
// say they changed identity).
import { defineCommand } from "citty";
import { chooseBootstrap, noDhtReason, parseBootstrap } from "../reach/dht/dht-bootstrap.ts";
import { DhtClient } from "../reach/dht/dht-client.ts";
import { parseDiscoveryKey } from "../reach/dht/discovery-key.ts";
import { ReachError } from "../reach/reach-error.ts";
import type { PeerId } from "../protocol/peer-id.ts";
import type { DecodedRecord } from "../reach/dht/record.ts";
import { encodeZ32 } from "../protocol/base32.ts";
import { EXIT_FAILED, ExitCode, UsageError } from "./exit-codes.ts";
import { globalArgs } from "./args/globals.ts";
import { withSession } from "./context.ts";
import { resolveName } from "../domain/contact-lookup.ts";

const WHERE = "p2pchat lookup";

/** A contact's discovery key (and the peer id it is pinned to) by name; null when there is no such contact or it has no key. */
export type NameResolver = (name: string) => Promise<{ key: Uint8Array; pinned: PeerId | null } | null>;

/** What a record means for the contact it was looked up for. */
interface Target {
  key: Uint8Array;
  contact: { name: string; pinned: PeerId | null } | null;
}

/** Until contacts carry a discovery key, names resolve to nothing. */
const noNames: NameResolver = async () => null;

/** A discovery key as typed (z-base-32, `pk:` optional), else a name for `resolveName`. */
export async function lookupTarget(text: string, resolveName: NameResolver): Promise<Target> {
  const looksLikeKey = /^(pk:)?[a-z0-9]{52}$/i.test(text.trim());
  if (looksLikeKey) return { key: parseDiscoveryKey(text), contact: null };
  const found = await resolveName(text);
  if (found) return { key: found.key, contact: { name: text, pinned: found.pinned } };
  throw new UsageError(`${JSON.stringify(text)} is neither a discovery key (52 characters of z-base-32) nor a contact whose discovery key we know`, WHERE);
}

/** A warning when the record names a peer id other than the one the contact is pinned to; null when it does not. */
export function pinWarning(r: DecodedRecord, contact: Target["contact"]): string | null {
  if (!contact?.pinned || r.peerId === contact.pinned) return null;
  return (
    `this record names peer id ${r.peerId}, but ${contact.name} is pinned to ${contact.pinned}: ` +
    `it is not ${contact.name}'s identity, and ${contact.name}'s node will not talk to it. ` +
    `Only ${contact.name} can tell you whether they made a new identity`
  );
}

/** The record as lines of text; `now` for the age. */
export function formatLookup(r: DecodedRecord, now: Date = new Date()): string {
  const lines = [`key: ${encodeZ32(r.key)}`, `peer id: ${r.peerId}`];
  for (const a of r.addresses) lines.push(`address: ${a}`);
  if (r.addresses.length === 0) lines.push("address: none published");
  for (const u of r.relays) lines.push(`relay: ${u}`);
  lines.push(`published: ${r.time.toISOString()} (${formatAge(now.getTime() - r.time.getTime())})`);
  return lines.join("\n");
}

export function lookupJson(key: Uint8Array, r: DecodedRecord | null, now: Date = new Date(), warning: string | null = null): Record<string, unknown> {
  if (!r) return { key: encodeZ32(key), found: false };
  return {
    ...(warning ? { warning } : {}),
    key: encodeZ32(key),
    found: true,
    peerId: r.peerId,
    addresses: r.addresses,
    relays: r.relays,
    seq: String(r.seq),
    published: r.time.toISOString(),
    ageSeconds: Math.round((now.getTime() - r.time.getTime()) / 1000),
  };
}

/** "12 s ago", "5 min ago", "3 h ago", "2 days ago"; a clock ahead of ours says so. */
export function formatAge(ms: number): string {
  if (ms < -5_000) return `${formatAge(-ms).replace(" ago", "")} in the future: a clock is off`;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

/** The command, with the name resolver to use. */
export function lookupCommand(resolveName: NameResolver = noNames) {
  return defineCommand({
    meta: { name: "lookup", description: "Print what the DHT holds for a discovery key: peer id, addresses, relays, age" },
    args: {
      target: { type: "positional", description: "A discovery key (or a contact's name)", required: true, valueHint: "KEY|NAME" },
      json: { type: "boolean", description: "Print JSON" },
      "dht-bootstrap": { type: "string", description: "DHT nodes to start from, instead of the public routers", valueHint: "HOST:PORT,..." },
      ...globalArgs,
    },
    async run({ args }) {
      const flag = args["dht-bootstrap"];
      try {
        const { key, contact } = await lookupTarget(String(args.target), resolveName);
        const bootstrap = chooseBootstrap(typeof flag === "string" ? parseBootstrap(flag) : undefined);
        if (bootstrap.length === 0) throw new UsageError(`no DHT to ask: ${noDhtReason()}`, WHERE);
        await using dht = await DhtClient.start({ bootstrap });
        const record = await dht.resolve(key);
        const warning = record && pinWarning(record, contact);
        if (warning) process.stderr.write(`p2pchat: warning: ${warning}\n`);
        if (args.json) process.stdout.write(JSON.stringify(lookupJson(key, record, new Date(), warning), null, 2) + "\n");
        else if (record) process.stdout.write(formatLookup(record) + "\n");
        else process.stderr.write(`p2pchat: no record on the DHT for ${encodeZ32(key)} (never published, or not republished for hours)\n`);
        if (!record) throw new ExitCode(EXIT_FAILED);
      } catch (err) {
        if (!(err instanceof ReachError)) throw err;
        if (err.isInputError) throw new UsageError(err.message, WHERE);
        process.stderr.write(`p2pchat: ${err.message}\n`);
        throw new ExitCode(EXIT_FAILED);
      }
    },
  });
}

/** A contact's discovery key, learned from its invite or hello. */
const fromContacts: NameResolver = async (name) => {
  const c = await withSession(async (s) => {
    const all = await s.contacts();
    const found = resolveName(name, all.map((c) => c.name));
    return all.find((c) => c.name === found) ?? null;
  });
  return c?.dkey ? { key: parseDiscoveryKey(c.dkey), pinned: c.peerId } : null;
};

export default lookupCommand(fromContacts);
