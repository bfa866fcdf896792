-- Where the user stopped reading each group (read_mark, 007, is per
-- contact): the display position (`group_message.pos`) of the last message
-- in it they saw. What others wrote after it is unread, so a group's unread
-- count and "new since you last read" line survive restarts as a contact's
-- do. Keyed by group_id: the alias may be renamed, the group stays.
--
-- What a database holds from before this version counts as read, as in 007.
CREATE TABLE group_read_mark (
  group_id VARCHAR(32) NOT NULL PRIMARY KEY,
  read_pos INTEGER NOT NULL
);
INSERT INTO group_read_mark (group_id, read_pos)
SELECT group_id, MAX(pos) FROM group_message WHERE pos IS NOT NULL GROUP BY group_id;
