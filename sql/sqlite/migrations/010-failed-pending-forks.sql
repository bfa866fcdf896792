-- Three things the third hardening round and the never-stalls issue needed.
--
-- sender.fail_reason: a message the receiver refused for good (a blank one:
-- only spaces or invisible characters) has status 'failed' and says why
-- here. It is never sent again; history shows "✗ failed: REASON".
--
-- group_pending_add: a contact the creator added to a group before its group
-- key was known (its node never linked with ours). Its add event is signed
-- and written when its node first proves its key on a link; until then it
-- shows as waiting in `group members`.
--
-- group_message.chain: a running hash of its author's log up to and
-- including this row (SHA-256 over the previous row's chain and this row's
-- signed bytes), set when the row is shown. Members compare these in their
-- vectors: two different chains for the same seq mean the author signed two
-- different logs (rows from before this version get theirs at the next start).
--
-- group_fork: proof that an author equivocated: every version of a
-- (group, author, aseq) we hold two or more of, each as signed, keyed by the
-- SHA-256 of its signed bytes. Kept as evidence and passed on to members.
ALTER TABLE sender ADD COLUMN fail_reason TEXT;

CREATE TABLE group_pending_add (
  group_id VARCHAR(32) NOT NULL,
  peer_id VARCHAR(63) NOT NULL,
  name VARCHAR(64) NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, peer_id)
);

ALTER TABLE group_message ADD COLUMN chain VARCHAR(64);

CREATE TABLE group_fork (
  group_id VARCHAR(32) NOT NULL,
  author VARCHAR(64) NOT NULL,
  aseq INTEGER NOT NULL,
  hash VARCHAR(64) NOT NULL,
  kind INTEGER NOT NULL,
  body TEXT NOT NULL,
  sig VARCHAR(128) NOT NULL,
  created_at INTEGER NOT NULL,
  found_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, author, aseq, hash)
);
