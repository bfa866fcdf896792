-- Group chat (the groups issue). Version 7 is left to the terminal UI's read
-- marks, which another branch adds: the runner applies every missing version
-- in order, whichever lands first.
--
-- chat_group: one row per group this user belongs to (or belonged to, or is
-- joining: offered by a member, its creator's events not yet read). `alias`
-- is the local, unique name commands use as '#alias'; `name` is what its
-- creator called it. `creator` and `self_key` are Ed25519 author keys (hex):
-- the creator's, and the one this user signs with in the group.
--
-- group_member: the member list, kept by the creator's signed events and
-- replayed in order here: added by the creator's event at `added_seq`,
-- refused above `until_seq` once removed or gone (NULL while a member);
-- `gone_seq` is the creator's seq of the event that removed it (NULL when it
-- left by itself): a removed member is still sent the creator's
-- events up to that one, so it learns it was removed, and nothing else.
-- `contig` is the highest seq of that author held with no gap below: the
-- vector this node offers its peers.
--
-- group_message: every signed message and event, stored once per (group,
-- author, aseq), exactly as signed (the body text, the signature in hex), so
-- any member can pass it on. `pos` orders what is shown: it is set when the
-- row and all earlier ones of its author are here (NULL while a gap waits).
-- `id` is a UUID derived from (group, author, aseq) for paging and marks.
--
-- group_receipt: what each member is known to hold of each author (from its
-- own vectors, or relayed ones): "delivered to 3 of 5".
--
-- group_peer_key: the author key each peer proved on a link (a signature over
-- its peer id), so the creator can add a contact to a group.

CREATE TABLE chat_group (
  group_id VARCHAR(32) NOT NULL PRIMARY KEY,
  alias VARCHAR(64) NOT NULL,
  name VARCHAR(64) NOT NULL,
  creator VARCHAR(64) NOT NULL,
  self_key VARCHAR(64) NOT NULL,
  state VARCHAR(16) NOT NULL,
  created_at INTEGER NOT NULL,
  joined_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX chat_group_alias ON chat_group (alias);

CREATE TABLE group_member (
  group_id VARCHAR(32) NOT NULL,
  author VARCHAR(64) NOT NULL,
  peer_id VARCHAR(63) NOT NULL,
  name VARCHAR(64) NOT NULL,
  added_seq INTEGER NOT NULL,
  until_seq INTEGER,
  gone_seq INTEGER,
  contig INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (group_id, author)
);

CREATE TABLE group_message (
  seq INTEGER PRIMARY KEY,
  group_id VARCHAR(32) NOT NULL,
  author VARCHAR(64) NOT NULL,
  aseq INTEGER NOT NULL,
  id VARCHAR(36) NOT NULL,
  kind INTEGER NOT NULL,
  body TEXT NOT NULL,
  sig VARCHAR(128) NOT NULL,
  created_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  pos INTEGER
);
CREATE UNIQUE INDEX group_message_key ON group_message (group_id, author, aseq);
CREATE INDEX group_message_id ON group_message (id);
CREATE INDEX group_message_pos ON group_message (group_id, pos);

CREATE TABLE group_receipt (
  group_id VARCHAR(32) NOT NULL,
  member VARCHAR(64) NOT NULL,
  author VARCHAR(64) NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (group_id, member, author)
);

CREATE TABLE group_peer_key (
  peer_id VARCHAR(63) NOT NULL PRIMARY KEY,
  author VARCHAR(64) NOT NULL,
  seen_at INTEGER NOT NULL
);
