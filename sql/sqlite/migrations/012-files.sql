-- File transfer (the files issue). Version 11 is left to another branch
-- (devices); the runner applies every missing version in order, whichever
-- lands first. The database holds each transfer's state, never its bytes:
-- those live in the file being sent, in a partial file beside the download
-- folder while one arrives, and in the saved file once it is done.
--
-- file_transfer: one row per offer, each way. `id` is the offer's UUID;
-- `direction` 'out' (we send) or 'in'. `peer_id` is the peer it goes to or
-- comes from (for a group's file coming in: its poster), NULL for our own
-- post to a group; `peer` the contact's name then ('' for a request's).
-- `group_id`: a file posted to a group, fetched from any member who has it.
-- `sha256` is the whole file's, `root` its manifest's (each chunk's SHA-256,
-- added up): the offer's promise, checked chunk by chunk and whole.
-- `state`: offered (not accepted yet), sending/receiving, done, failed,
-- cancelled; a transfer that is not moving is shown as paused, never stored
-- so. `bytes` counts chunks verified (in) or confirmed (out); `verified`
-- lists the chunk ranges verified and fsync'd ("0-99,120-130"), from which a
-- transfer resumes after any crash. `path` is the file sent (out) or where
-- it was saved (in, once done). `auto`: taken without asking (it counts
-- against the contact's allowance); `request`: from a peer not in the
-- address book (never taken without asking). Times are this node's clock.

CREATE TABLE file_transfer (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  direction VARCHAR(3) NOT NULL,
  peer_id VARCHAR(63),
  peer VARCHAR(64) NOT NULL DEFAULT '',
  group_id VARCHAR(32),
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 VARCHAR(64) NOT NULL,
  root VARCHAR(64) NOT NULL,
  chunk_size INTEGER NOT NULL,
  state VARCHAR(16) NOT NULL,
  bytes INTEGER NOT NULL DEFAULT 0,
  verified TEXT,
  path TEXT,
  error TEXT,
  auto INTEGER NOT NULL DEFAULT 0,
  request INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  done_at INTEGER
);

CREATE INDEX file_transfer_peer ON file_transfer (peer_id, created_at);

CREATE INDEX file_transfer_group ON file_transfer (group_id, created_at);

CREATE INDEX file_transfer_state ON file_transfer (state);
