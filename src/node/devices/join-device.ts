// `p2pchat devices join LINE`: this computer becomes a device of the
// identity the line names. A key of its own is made here; the device that
// made the line is dialed (pinned to the identity, as a contact is) with the
// line's token in our hello, and answers with the identity's proof for our
// key (device-welcome). Only then is the home written: its key, its
// certificate carrying the proof, the identity's certificate (and its key on
// an admin), the config and the devices it was told of.
import { decodeDeviceLine, DeviceLineError, type DeviceLine } from "../../protocol/devices/device-line.ts";
import { DEVICES_CAP, type DeviceInfo, type DeviceWelcomeFrame } from "../../protocol/devices/device-frames.ts";
import { PROTOCOL_VERSION } from "../../protocol/hello.ts";
import { peerIdFromCertificate } from "../../protocol/peer-id.ts";
import { parseHostPort } from "../../domain/host-port.ts";
import { NodeError } from "../../domain/node-error.ts";
import { checkDeviceCert } from "../../transport/device-proof.ts";
import { identityExists, newKeyPair, selfSigned, writeDeviceIdentity, type Identity } from "../../transport/identity.ts";
import type { CloseInfo, Link } from "../../transport/link.ts";
import { Transport } from "../../transport/transport.ts";
import { initHomeWith, updateConfig, type Config } from "../../home/home.ts";
import { openLocalStore, resolveStoreTarget, storeTarget } from "../../home/open-local.ts";

/** How long one address of the line's device may take to answer. */
const ANSWER_MS = 15_000;

export interface JoinOptions {
  line: string;
  home: string;
  /** This device's name (default: the line's). */
  name?: string;
  port?: number | string;
  host?: string;
  db?: string;
  now?: number;
}

export interface Joined {
  line: DeviceLine;
  identity: Identity;
  config: Config;
  name: string;
  admin: boolean;
  /** The identity's devices the welcome named. */
  devices: DeviceInfo[];
  tightened: string | null;
}

export function readLine(text: string, now = Date.now()): DeviceLine {
  let line: DeviceLine;
  try {
    line = decodeDeviceLine(text);
  } catch (err) {
    if (err instanceof DeviceLineError) throw new NodeError("BAD_DEVICE_LINE", err.message, { cause: err });
    throw err;
  }
  if (now > line.expires) throw new NodeError("BAD_DEVICE_LINE", `this device line expired at ${new Date(line.expires).toISOString()}: each admits a device for 10 minutes (run \`p2pchat devices add\` again)`);
  return line;
}

export async function joinDevice(opts: JoinOptions): Promise<Joined> {
  const line = readLine(opts.line, opts.now);
  // What would fail after the line is spent fails before: a home that has an identity, a database URL we cannot use.
  if (identityExists(opts.home)) throw new NodeError("ALREADY_INITIALIZED", `${opts.home} already holds an identity; a device joins into a new home (give another --home)`);
  if (opts.db) storeTarget(opts.home, opts.db);
  const name = opts.name?.trim() || line.name;
  const keys = await newKeyPair();
  const temp = await selfSigned(keys, name);
  const tempId = peerIdFromCertificate(temp.der);
  const welcome = await askWelcome(line, { keyPem: temp.keyPem, certPem: temp.certPem, peerId: tempId, deviceId: tempId, identityDer: temp.der, identityKeyPem: null });
  if (!welcome.ok) throw new NodeError("JOIN_FAILED", `the device refused the line: ${welcome.reason}`);
  const final = await selfSigned(keys, name, welcome.proof);
  const check = checkDeviceCert(final.der);
  if (!check?.ok || check.claim.peerId !== line.peerId) throw new NodeError("JOIN_FAILED", "the device answered with a proof that does not make this a device of the line's identity: nothing was written");
  const admin = check.claim.admin && welcome.identityKey !== null;
  let { config, identity, tightened } = await initHomeWith(opts.home, { name: validOwner(welcome.owner), port: opts.port, host: opts.host }, () =>
    writeDeviceIdentity(opts.home, { keyPem: final.keyPem, certPem: final.certPem, identityDer: check.claim.identityDer, identityKeyPem: admin ? welcome.identityKey : null }),
  );
  // As init does: the database given is this home's from now on.
  if (opts.db) config = updateConfig(opts.home, { db: opts.db });
  const store = await openLocalStore({ home: opts.home, config, identity, created: true, tightened, storeTarget: resolveStoreTarget(opts.home, config, opts.db) });
  try {
    const now = Date.now();
    await store.saveOwnDevice({ deviceId: identity.deviceId, name: check.claim.name, admin, addrs: [], addedAt: now, lastSeen: null, revokedAt: null, revocation: null });
    for (const d of welcome.devices) {
      if (d.id === identity.deviceId) continue;
      await store.saveOwnDevice({ deviceId: d.id, name: d.name, admin: d.id === line.peerId, addrs: d.addrs.length > 0 ? d.addrs : line.addresses, addedAt: now, lastSeen: now, revokedAt: null, revocation: null });
    }
  } finally {
    await store.close();
  }
  return { line, identity, config, name: check.claim.name, admin, devices: welcome.devices, tightened };
}

/** The owner's name as a config name (a hello's name rules); a name that would not pass becomes "me". */
function validOwner(owner: string): string {
  return owner.length > 0 && owner.length <= 40 && !/[\s\p{Cc}]/u.test(owner) ? owner : "me";
}

/** Dials the line's addresses in turn until one answers the token. */
async function askWelcome(line: DeviceLine, identity: Identity): Promise<Extract<DeviceWelcomeFrame, { ok: true }> | Extract<DeviceWelcomeFrame, { ok: false }>> {
  const why: string[] = [];
  for (const text of line.addresses) {
    let target: { host: string; port: number };
    try {
      target = parseHostPort(text);
    } catch {
      continue;
    }
    const got = await askOne(line, identity, target);
    if ("welcome" in got) return got.welcome;
    why.push(`${text}: ${got.why}`);
  }
  throw new NodeError("JOIN_FAILED", `no device of ${line.owner} answered the line (is its node running, or \`devices add\` still waiting?): ${why.join("; ") || "the line holds no address"}`);
}

function askOne(line: DeviceLine, identity: Identity, target: { host: string; port: number }): Promise<{ welcome: DeviceWelcomeFrame } | { why: string }> {
  const done = Promise.withResolvers<{ welcome: DeviceWelcomeFrame } | { why: string }>();
  const session = crypto.randomUUID();
  const transport = new Transport<null>({
    identity,
    hello: () => ({ type: "hello", version: PROTOCOL_VERSION, name: "new-device", port: 0, caps: [DEVICES_CAP], session, join: line.token }),
    handler: {
      // Pinned as a contact is: only the identity the line names (any device of it) is asked.
      verify: (l: Link<null>) => (l.peerId === line.peerId ? null : { code: "IDENTITY_MISMATCH", reason: `expected ${line.peerId}, got ${l.peerId}` }),
      hello: (l: Link<null>) => l.accept(),
      messages() {},
      acks() {},
      writable() {},
      device: (_l: Link<null>, f) => {
        if (f.type === "device-welcome") done.resolve({ welcome: f });
      },
      closed: (_l: Link<null>, info: CloseInfo) => done.resolve({ why: info.local?.reason ?? info.remote?.reason ?? info.error?.message ?? "closed" }),
    },
  });
  transport.dial(target.host, target.port, null);
  const timer = setTimeout(() => done.resolve({ why: `no answer within ${ANSWER_MS / 1000} s` }), ANSWER_MS);
  return done.promise.finally(() => {
    clearTimeout(timer);
    void transport.stop(500);
  });
}
