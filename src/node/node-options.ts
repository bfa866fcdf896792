// What a node is started with: the home it runs for, its store, and the
// knobs commands and tests turn (all but the first two default to the
// config's settings or to what a long-running serve wants).
import type { Store } from "../store/store.ts";
import type { LinkLimits } from "../transport/link.ts";
import type { Local } from "../home/open-local.ts";
import type { ReachOptions } from "../reach/reach-service.ts";
import type { RetryOptions } from "./dial/retry.ts";
import type { FetchLimits } from "./files/fetch.ts";
import type { OwnDevicesHooks } from "./devices/own-devices.ts";

export interface NodeOptions {
  local: Local;
  store: Store;
  /** Default: the config's setting. */
  discoverable?: boolean;
  /** Refuse peers that are not in the address book (no requests either). */
  contactsOnly?: boolean;
  host?: string;
  port?: number;
  limits?: Partial<LinkLimits>;
  retry?: Partial<RetryOptions>;
  /**
   * `chat` and `send` without a serve: when the port is taken (another user
   * on this machine), still dial out, without listening. `serve` fails instead.
   */
  dialOnlyIfPortTaken?: boolean;
  /** Also accept the original program's plaintext connections on this port. */
  legacyPort?: number;
  /** The command running this node, named to a second one that finds the home taken. */
  command?: string;
  /** How long the journal tries a failing database again before giving up on a write. */
  storeRetryMs?: number;
  /** Background upkeep of the database (SQLite checkpoints on a thread); off for a node that runs a moment. Default on. */
  maintenance?: boolean;
  /** LAN beacons, port mapping, the DHT. Default: all on (each still off under P2PCHAT_DISCOVERY=off). */
  reach?: ReachOptions;
  /** A node a command starts for a moment, hidden, when none runs for the home: not the one friends reach. */
  transient?: boolean;
  /** File fetching's windows and deadlines (tests make a stall short). */
  fileLimits?: Partial<FetchLimits>;
  /** Device sync's hooks (default: createOwnDevices in devices/own-devices.ts); tests may hand their own. */
  devices?: OwnDevicesHooks;
  /** How often our devices not linked are dialed again (devices/own-dials.ts). */
  ownRedialMs?: number;
}
