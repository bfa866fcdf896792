-- Messages belong to identities, and strangers knock first (the trust issue).
--
-- sender.peer_id: the recipient's peer id, set when the message is written to
-- a pinned contact, or when an unpinned contact is pinned (the first identity
-- it pins gets what was written before). The outbox hands a row only to a
-- link authenticated as that id, so renaming or re-adding a contact never
-- re-targets an old message. Rows already pending for a pinned contact
-- belong to that contact's identity. A withdrawn message keeps its row with
-- status 'cancelled'.
--
-- request / request_message: a peer that is not in the address book and
-- connects to us is a request, not a contact. What it sends is stored (and
-- acked: nothing is lost) here, apart from every conversation, until the
-- user accepts it (the rows move to `receiver`, in order) or rejects it.
-- A blocked request keeps its row (blocked = 1) so that id stays refused.

ALTER TABLE sender ADD COLUMN peer_id VARCHAR(63);
UPDATE sender SET peer_id = (SELECT u.peer_id FROM user u WHERE u.name = sender.name AND u.legacy = 0)
  WHERE status IN ('pending', 'sent');
CREATE INDEX sender_recipient ON sender (peer_id, status, seq);

CREATE TABLE request (
  peer_id VARCHAR(63) NOT NULL PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  ip VARCHAR(255),
  port INTEGER,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  blocked INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE request_message (
  seq INTEGER PRIMARY KEY,
  peer_id VARCHAR(63) NOT NULL,
  id VARCHAR(36) NOT NULL,
  message TEXT,
  created_at INTEGER,
  received_at INTEGER
);
CREATE UNIQUE INDEX request_message_id ON request_message (peer_id, id);
