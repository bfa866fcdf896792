-- p2pchat's columns on the original tables, added in place: every original
-- row is kept. The hidden InnoDB row order numbers `seq`, so original rows
-- keep their order. Text becomes utf8mb4 (emoji); names compare exactly
-- (utf8mb4_bin, as SQLite does); message text compares without case or
-- accents (for search), and is MEDIUMTEXT because a 64 KiB body overflows TEXT.
--
-- Rows the original wrote get integer times parsed from their local-time
-- `time` text, and ids built from those times and their position, in the
-- UUIDv7 layout (time-sortable like the ids p2pchat makes).

ALTER TABLE `user` ADD COLUMN seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST;
UPDATE `user` u JOIN (SELECT name, MIN(seq) AS keep_seq FROM `user` GROUP BY name) k ON u.name = k.name
SET u.name = CONCAT(u.name, '-', u.seq) WHERE u.seq <> k.keep_seq;
UPDATE `user` SET name = CONCAT('contact-', seq) WHERE name IS NULL OR name = '';
ALTER TABLE `user`
  CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
  MODIFY name VARCHAR(40) NOT NULL,
  MODIFY ip VARCHAR(255),
  ADD COLUMN peer_id VARCHAR(63) NULL,
  ADD COLUMN blocked TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN legacy TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN created_at BIGINT NULL,
  ADD UNIQUE KEY user_name (name),
  ADD UNIQUE KEY user_peer_id (peer_id);

ALTER TABLE sender ADD COLUMN seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST;
ALTER TABLE sender
  CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
  MODIFY ip VARCHAR(255),
  MODIFY message MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
  ADD COLUMN id VARCHAR(36) NULL,
  ADD COLUMN created_at BIGINT NULL,
  ADD COLUMN sent_at BIGINT NULL,
  ADD COLUMN delivered_at BIGINT NULL;
UPDATE sender SET created_at = CASE
    WHEN time REGEXP '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$'
    THEN COALESCE(UNIX_TIMESTAMP(STR_TO_DATE(time, '%Y/%m/%d %H:%i:%s')) * 1000, 0)
    ELSE 0 END
  WHERE created_at IS NULL;
UPDATE sender SET id = LOWER(CONCAT(LPAD(HEX(created_at DIV 65536), 8, '0'), '-', LPAD(HEX(created_at MOD 65536), 4, '0'), '-7000-8000-', LPAD(HEX(seq), 12, '0')))
  WHERE id IS NULL;
ALTER TABLE sender
  ADD UNIQUE KEY sender_id (id),
  ADD KEY sender_outbox (name, status, seq),
  ADD KEY sender_time (created_at, seq),
  ADD KEY sender_peer_time (name, created_at, seq);

ALTER TABLE receiver ADD COLUMN seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST;
ALTER TABLE receiver
  CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
  MODIFY ip VARCHAR(255),
  MODIFY message MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
  ADD COLUMN id VARCHAR(36) NULL,
  ADD COLUMN peer_id VARCHAR(63) NULL,
  ADD COLUMN created_at BIGINT NULL,
  ADD COLUMN received_at BIGINT NULL;
UPDATE receiver SET received_at = CASE
    WHEN time REGEXP '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$'
    THEN COALESCE(UNIX_TIMESTAMP(STR_TO_DATE(time, '%Y/%m/%d %H:%i:%s')) * 1000, 0)
    ELSE 0 END
  WHERE received_at IS NULL;
UPDATE receiver SET id = LOWER(CONCAT(LPAD(HEX(received_at DIV 65536), 8, '0'), '-', LPAD(HEX(received_at MOD 65536), 4, '0'), '-7000-8001-', LPAD(HEX(seq), 12, '0'))),
                    created_at = received_at
  WHERE id IS NULL;
ALTER TABLE receiver
  ADD UNIQUE KEY receiver_msg (peer_id, id),
  ADD KEY receiver_id (id),
  ADD KEY receiver_time (received_at, seq),
  ADD KEY receiver_peer_time (name, received_at, seq);
