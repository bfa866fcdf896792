// A transaction whose changes are logged for this person's other devices: the
// entries `fn` logs are appended to this device's log at its end, inside it,
// so a change and its entry commit together or not at all. Before the home
// keeps a log (one device only), `log` drops them.
import type { SQL } from "bun";
import type { DeviceEntry } from "../../protocol/devices/sync-entries.ts";
import type { LogEntry, SqlDeviceLog } from "./sql-device-log.ts";

export type LoggedBegin = <T>(fn: (tx: SQL, log: LogEntry) => Promise<T>) => Promise<T>;

export function loggedBegin(sql: SQL, deviceLog: SqlDeviceLog): LoggedBegin {
  return <T>(fn: (tx: SQL, log: LogEntry) => Promise<T>): Promise<T> => deviceLog.shared(async () => {
    let top = 0;
    const out = await sql.begin(async (tx) => {
      const self = deviceLog.self;
      const entries: DeviceEntry[] = [];
      const result = await fn(tx, (e) => {
        if (self) entries.push(e);
      });
      if (self && entries.length > 0) top = await deviceLog.append(tx, self, entries, Date.now());
      return result;
    });
    if (top > 0) deviceLog.appended(top);
    return out;
  });
}
