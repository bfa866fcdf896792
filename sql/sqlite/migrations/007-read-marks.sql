-- Where the user stopped reading each conversation (the terminal chat's
-- issue): the (received_at, seq) of the last message from that contact they
-- saw. What arrived after it is unread, so unread counts survive restarts and
-- every terminal attached to the node agrees on them. Keyed by contact name
-- (as `receiver.name` is), renamed with the contact.
--
-- What a database holds from before this version counts as read: the first
-- run of the new chat must not announce the whole history as new.
CREATE TABLE read_mark (
  name VARCHAR(40) NOT NULL PRIMARY KEY,
  read_at INTEGER NOT NULL,
  read_seq INTEGER NOT NULL
);
INSERT INTO read_mark (name, read_at, read_seq)
SELECT name, MAX(COALESCE(received_at, 0)), MAX(seq) FROM receiver WHERE name IS NOT NULL GROUP BY name;
