-- Keeping one person's devices in step (the devices issue): each device
-- writes a log of what it did, in the same transaction as the change, and
-- its other devices apply it (src/node/devices/).
--
-- device_log: one row per entry, (device, dseq) 1, 2, 3... per device with no
-- gap: ours (device = device_log_self.device) and every other device's we
-- applied, each recorded in the transaction that applied it, so a device
-- catches up from any other and never applies one twice. kind is the
-- entry's kind (protocol/devices/sync-entries.ts), body its JSON.
--
-- device_log_self: this home's device id, once it logs (the first time it
-- links to another device of its identity). Its rows from before then were
-- written into its log in that same transaction (the backfill): contacts,
-- requests, messages both ways with their status, read marks.
--
-- sender.origin: the device that wrote a message, when it is another device
-- of ours (NULL: this one). Only the writing device sends it: the others show
-- it with the status that device logs.
CREATE TABLE device_log (
  device VARCHAR(63) NOT NULL,
  dseq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (device, dseq)
);

CREATE TABLE device_log_self (
  one INTEGER NOT NULL PRIMARY KEY,
  device VARCHAR(63) NOT NULL,
  since INTEGER NOT NULL
);

ALTER TABLE sender ADD COLUMN origin VARCHAR(63);
