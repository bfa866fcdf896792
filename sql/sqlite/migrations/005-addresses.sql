-- Addresses that follow the peer (the invites issue).
--
-- contact_address: every address a contact may be reached at, with where it
-- came from (typed, invite, hello, lan, dht) and when it last worked. The one
-- that worked last is dialed first; `user.ip`/`user.port` keep that one, so
-- a database the original program made still reads right. Each contact's
-- current address becomes its first row here. Addresses are hints: the pinned
-- certificate alone decides who answered.
--
-- user.invite_token: the token of an invite we accepted, presented in our
-- hello when we dial that contact, until a link with it is up.
-- invite: the invites we gave out: a token admits its bearer as a contact at
-- once (no request step) while it has uses left and has not expired.

CREATE TABLE contact_address (
  seq INTEGER PRIMARY KEY,
  user_seq INTEGER NOT NULL,
  host VARCHAR(255) NOT NULL,
  port INTEGER NOT NULL,
  source VARCHAR(16) NOT NULL,
  added_at INTEGER NOT NULL,
  last_ok INTEGER,
  last_tried INTEGER,
  last_error VARCHAR(255)
);
CREATE UNIQUE INDEX contact_address_key ON contact_address (user_seq, host, port);
INSERT INTO contact_address (user_seq, host, port, source, added_at)
  SELECT seq, ip, CAST(port AS INTEGER), 'typed', COALESCE(created_at, 0) FROM user
  WHERE legacy = 0 AND ip IS NOT NULL AND ip <> '' AND CAST(port AS INTEGER) BETWEEN 1 AND 65535;

ALTER TABLE user ADD COLUMN invite_token VARCHAR(64);

CREATE TABLE invite (
  token VARCHAR(64) NOT NULL PRIMARY KEY,
  uses_left INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
