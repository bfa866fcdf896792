// One benchmark figure, as results.json records it.

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The same work without p2pchat in the way (a number), or the name of a figure whose value is the ceiling. */
  ceiling: number | string | null;
  ratio: number | null;
  /** e.g. ">= 50000", "< 5"; null when the figure has no target. */
  target: string | null;
  met: boolean | null;
}

export interface Scale {
  messages: number;
  mysqlMessages: number;
  original: number;
  latency: number;
  flush: number;
  fanin: number;
  faninMessages: number;
  /** Idle links to one node (links_Nk_*). */
  links: number;
  searchRows: number;
  startupRuns: number;
  /** Nodes in the local DHT the lookup figure runs on. */
  dhtNodes: number;
  /** Restarts of bob at a new LAN address (lan_find_ms). */
  lanFindRuns: number;
  /** Moves of alice's router (reach_after_move_s). */
  moveRuns: number;
  /** Restarts of bob timed from a relayed link to a punched one (punch_ms), and NAT types paired for direct_share. */
  punchRuns: number;
  natTypes: number;
  /** Members of the fan-out group, messages timed there, and messages a returning member catches up on. */
  groupMembers: number;
  groupFanout: number;
  groupCatchup: number;
  /** The file the file figures send (MiB), and messages timed while it goes. */
  fileMiB: number;
  fileChatMessages: number;
  /** Messages a device catches up on (device_sync), and the history a joining device takes (device_join_s). */
  deviceSync: number;
  deviceJoinMessages: number;
}

export function figure(name: string, value: number, unit: string, ceiling: number | string | null, target: string | null): Figure {
  return { name, value, unit, ceiling, ratio: null, target, met: null };
}
