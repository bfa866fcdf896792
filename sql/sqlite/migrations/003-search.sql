-- Full-text search over both message tables, kept in step by triggers.
--
-- Two FTS5 indexes per table, external-content (no copy of the text, only
-- the index; rowid = seq), columnsize=0 (no ranking, so no per-row sizes):
--   *_words  unicode61: whole words without case or accents (cafe = Café),
--            `_` and combining marks inside words, phrases by position; the
--            two invisible separators are the variation selectors U+FE0E and
--            U+FE0F (emoji style), which are not part of a word.
--   *_grams  trigram: any substring of 3 characters or more, for scripts
--            written without spaces (Japanese, Chinese, Korean, Thai...).
--            Only rows holding a character in the GLOB class below are
--            indexed. The class is a superset of the characters the search
--            code treats as written without spaces (NO_SPACE in
--            src/store/sql-store.ts): change both together. Four ranges, and
--            skipping the GLOB for ASCII-only text (as many bytes as
--            characters), keep the insert trigger cheap.
-- Status updates (sent, delivered) do not change `message` and fire nothing.
-- Existing rows, the original program's among them, are indexed here.

CREATE VIRTUAL TABLE sender_words USING fts5(
  message, content='sender', content_rowid='seq', columnsize=0,
  tokenize="unicode61 remove_diacritics 2 categories 'L* N* Co M*' tokenchars '_' separators '︎️'"
);
CREATE VIRTUAL TABLE sender_grams USING fts5(
  message, content='sender', content_rowid='seq', columnsize=0,
  tokenize="trigram remove_diacritics 1"
);
INSERT INTO sender_words (sender_words) VALUES ('rebuild');
INSERT INTO sender_grams (rowid, message) SELECT seq, message FROM sender WHERE message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
CREATE TRIGGER sender_search_insert AFTER INSERT ON sender BEGIN
  INSERT INTO sender_words (rowid, message) VALUES (new.seq, new.message);
  INSERT INTO sender_grams (rowid, message) SELECT new.seq, new.message WHERE octet_length(new.message) > length(new.message) AND new.message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
END;
CREATE TRIGGER sender_search_delete AFTER DELETE ON sender BEGIN
  INSERT INTO sender_words (sender_words, rowid, message) VALUES ('delete', old.seq, old.message);
  INSERT INTO sender_grams (sender_grams, rowid, message) SELECT 'delete', old.seq, old.message WHERE octet_length(old.message) > length(old.message) AND old.message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
END;
CREATE TRIGGER sender_search_update AFTER UPDATE OF message ON sender BEGIN
  INSERT INTO sender_words (sender_words, rowid, message) VALUES ('delete', old.seq, old.message);
  INSERT INTO sender_grams (sender_grams, rowid, message) SELECT 'delete', old.seq, old.message WHERE octet_length(old.message) > length(old.message) AND old.message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
  INSERT INTO sender_words (rowid, message) VALUES (new.seq, new.message);
  INSERT INTO sender_grams (rowid, message) SELECT new.seq, new.message WHERE octet_length(new.message) > length(new.message) AND new.message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
END;

CREATE VIRTUAL TABLE receiver_words USING fts5(
  message, content='receiver', content_rowid='seq', columnsize=0,
  tokenize="unicode61 remove_diacritics 2 categories 'L* N* Co M*' tokenchars '_' separators '︎️'"
);
CREATE VIRTUAL TABLE receiver_grams USING fts5(
  message, content='receiver', content_rowid='seq', columnsize=0,
  tokenize="trigram remove_diacritics 1"
);
INSERT INTO receiver_words (receiver_words) VALUES ('rebuild');
INSERT INTO receiver_grams (rowid, message) SELECT seq, message FROM receiver WHERE message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
CREATE TRIGGER receiver_search_insert AFTER INSERT ON receiver BEGIN
  INSERT INTO receiver_words (rowid, message) VALUES (new.seq, new.message);
  INSERT INTO receiver_grams (rowid, message) SELECT new.seq, new.message WHERE octet_length(new.message) > length(new.message) AND new.message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
END;
CREATE TRIGGER receiver_search_delete AFTER DELETE ON receiver BEGIN
  INSERT INTO receiver_words (receiver_words, rowid, message) VALUES ('delete', old.seq, old.message);
  INSERT INTO receiver_grams (receiver_grams, rowid, message) SELECT 'delete', old.seq, old.message WHERE octet_length(old.message) > length(old.message) AND old.message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
END;
CREATE TRIGGER receiver_search_update AFTER UPDATE OF message ON receiver BEGIN
  INSERT INTO receiver_words (receiver_words, rowid, message) VALUES ('delete', old.seq, old.message);
  INSERT INTO receiver_grams (receiver_grams, rowid, message) SELECT 'delete', old.seq, old.message WHERE octet_length(old.message) > length(old.message) AND old.message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
  INSERT INTO receiver_words (rowid, message) VALUES (new.seq, new.message);
  INSERT INTO receiver_grams (rowid, message) SELECT new.seq, new.message WHERE octet_length(new.message) > length(new.message) AND new.message GLOB '*[ก-鿿ꥠ-퟿豈-￯𠀀-𿿽]*';
END;
