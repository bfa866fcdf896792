-- File transfer. See sql/sqlite/migrations/012-files.sql for what each column is for.

CREATE TABLE file_transfer (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  direction VARCHAR(3) NOT NULL,
  peer_id VARCHAR(63) NULL,
  peer VARCHAR(64) NOT NULL DEFAULT '',
  group_id VARCHAR(32) NULL,
  name TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 VARCHAR(64) NOT NULL,
  root VARCHAR(64) NOT NULL,
  chunk_size INT NOT NULL,
  state VARCHAR(16) NOT NULL,
  bytes BIGINT NOT NULL DEFAULT 0,
  verified MEDIUMTEXT NULL,
  path TEXT NULL,
  error TEXT NULL,
  auto TINYINT NOT NULL DEFAULT 0,
  request TINYINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  done_at BIGINT NULL,
  KEY file_transfer_peer (peer_id, created_at),
  KEY file_transfer_group (group_id, created_at),
  KEY file_transfer_state (state)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
