-- Our own messages are indexed for search a batch at a time, after the
-- commit that stores them, not by a trigger inside it. The insert trigger
-- cost the sender about as much again as the row itself (a 100-byte message:
-- 2 µs of 4.7; real words more), on the thread that is the bound of a
-- message stream; one INSERT ... SELECT over a few thousand rows costs a
-- third of that per row. Received messages keep their trigger: the receiver
-- commits them durably before its ack, and they are not its bound.
--
-- search_indexed.upto is the highest seq of `sender` whose text is in both
-- indexes: every row at or below it is indexed, none above it. Raising it
-- (src/store/sqlite-search-index.ts: when enough rows wait, when the node
-- is idle) indexes the rows in between, by the trigger below, in the same
-- transaction, so a crash leaves the mark and the indexes in step. Search
-- reads the rows above the mark as they are (the tail; matchesAll decides
-- on every candidate anyway), so it finds a message sent a moment ago.
--
-- Rows of `sender` are never deleted nor their text changed; the delete and
-- update triggers touch the indexes only for rows they hold. seq never goes
-- backwards while rows stay, so a row above the mark is always unindexed.
-- MySQL: InnoDB keeps its FULLTEXT index itself; its 016 changes nothing.
CREATE TABLE search_indexed (
  name VARCHAR(40) PRIMARY KEY,
  upto INTEGER NOT NULL
);
INSERT INTO search_indexed (name, upto) SELECT 'sender', COALESCE(MAX(seq), 0) FROM sender;
DROP TRIGGER sender_search_insert;
CREATE TRIGGER sender_search_catch_up AFTER UPDATE OF upto ON search_indexed WHEN new.name = 'sender' AND new.upto > old.upto BEGIN
  INSERT INTO sender_words (rowid, message) SELECT seq, message FROM sender WHERE seq > old.upto AND seq <= new.upto;
  INSERT INTO sender_grams (rowid, message) SELECT seq, message FROM sender WHERE seq > old.upto AND seq <= new.upto AND octet_length(message) > length(message) AND message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
END;
DROP TRIGGER sender_search_delete;
CREATE TRIGGER sender_search_delete AFTER DELETE ON sender WHEN old.seq <= (SELECT upto FROM search_indexed WHERE name = 'sender') BEGIN
  INSERT INTO sender_words (sender_words, rowid, message) VALUES ('delete', old.seq, old.message);
  INSERT INTO sender_grams (sender_grams, rowid, message) SELECT 'delete', old.seq, old.message WHERE octet_length(old.message) > length(old.message) AND old.message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
END;
DROP TRIGGER sender_search_update;
CREATE TRIGGER sender_search_update AFTER UPDATE OF message ON sender WHEN old.seq <= (SELECT upto FROM search_indexed WHERE name = 'sender') BEGIN
  INSERT INTO sender_words (sender_words, rowid, message) VALUES ('delete', old.seq, old.message);
  INSERT INTO sender_grams (sender_grams, rowid, message) SELECT 'delete', old.seq, old.message WHERE octet_length(old.message) > length(old.message) AND old.message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
  INSERT INTO sender_words (rowid, message) VALUES (new.seq, new.message);
  INSERT INTO sender_grams (rowid, message) SELECT new.seq, new.message WHERE octet_length(new.message) > length(new.message) AND new.message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
END;
