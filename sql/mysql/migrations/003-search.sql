-- Full-text search: a FULLTEXT index on the message text of both tables
-- (InnoDB's built-in parser). It answers words of innodb_ft_min_token_size
-- characters or more that are not stopwords; the search code reads those
-- settings and answers the rest (short words, stopwords, Japanese and other
-- scripts written without spaces, punctuation) with LIKE. Existing rows, the
-- original program's among them, are indexed as the index is built.
--
-- 002 meant `message` to be utf8mb4_unicode_ci (no case, no accents: cafe =
-- Café), but its CONVERT TO ... utf8mb4_bin in the same ALTER won, and the
-- column stayed binary. Set it here, before the index is built on it.
ALTER TABLE sender
  MODIFY message MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
  ADD FULLTEXT INDEX sender_message_ft (message);
ALTER TABLE receiver
  MODIFY message MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
  ADD FULLTEXT INDEX receiver_message_ft (message);
