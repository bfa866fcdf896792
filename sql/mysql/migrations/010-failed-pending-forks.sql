-- See sql/sqlite/migrations/010-failed-pending-forks.sql.
ALTER TABLE sender ADD COLUMN fail_reason VARCHAR(1024) NULL;

CREATE TABLE group_pending_add (
  group_id VARCHAR(32) NOT NULL,
  peer_id VARCHAR(63) NOT NULL,
  name VARCHAR(64) NOT NULL,
  added_at BIGINT NOT NULL,
  PRIMARY KEY (group_id, peer_id)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

ALTER TABLE group_message ADD COLUMN chain VARCHAR(64) NULL;

CREATE TABLE group_fork (
  group_id VARCHAR(32) NOT NULL,
  author VARCHAR(64) NOT NULL,
  aseq BIGINT NOT NULL,
  hash VARCHAR(64) NOT NULL,
  kind INT NOT NULL,
  body MEDIUMTEXT NOT NULL,
  sig VARCHAR(128) NOT NULL,
  created_at BIGINT NOT NULL,
  found_at BIGINT NOT NULL,
  PRIMARY KEY (group_id, author, aseq, hash)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
