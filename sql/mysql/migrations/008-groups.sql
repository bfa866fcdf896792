-- Group chat. See sql/sqlite/migrations/008-groups.sql for what each part is for.

CREATE TABLE chat_group (
  group_id VARCHAR(32) NOT NULL PRIMARY KEY,
  alias VARCHAR(64) NOT NULL,
  name VARCHAR(64) NOT NULL,
  creator VARCHAR(64) NOT NULL,
  self_key VARCHAR(64) NOT NULL,
  state VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  joined_at BIGINT NOT NULL,
  UNIQUE KEY chat_group_alias (alias)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE group_member (
  group_id VARCHAR(32) NOT NULL,
  author VARCHAR(64) NOT NULL,
  peer_id VARCHAR(63) NOT NULL,
  name VARCHAR(64) NOT NULL,
  added_seq BIGINT NOT NULL,
  until_seq BIGINT NULL,
  gone_seq BIGINT NULL,
  contig BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (group_id, author)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE group_message (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  group_id VARCHAR(32) NOT NULL,
  author VARCHAR(64) NOT NULL,
  aseq BIGINT NOT NULL,
  id VARCHAR(36) NOT NULL,
  kind INT NOT NULL,
  body MEDIUMTEXT NOT NULL,
  sig VARCHAR(128) NOT NULL,
  created_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  pos BIGINT NULL,
  UNIQUE KEY group_message_key (group_id, author, aseq),
  KEY group_message_id (id),
  KEY group_message_pos (group_id, pos)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE group_receipt (
  group_id VARCHAR(32) NOT NULL,
  member VARCHAR(64) NOT NULL,
  author VARCHAR(64) NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (group_id, member, author)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE group_peer_key (
  peer_id VARCHAR(63) NOT NULL PRIMARY KEY,
  author VARCHAR(64) NOT NULL,
  seen_at BIGINT NOT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
