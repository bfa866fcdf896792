-- Devices. See sql/sqlite/migrations/013-devices.sql for what each column is for.

CREATE TABLE own_devices (
  device_id VARCHAR(63) NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  admin TINYINT NOT NULL DEFAULT 0,
  addrs TEXT NOT NULL,
  added_at BIGINT NOT NULL,
  last_seen BIGINT NULL,
  revoked_at BIGINT NULL,
  revocation TEXT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE peer_devices (
  peer_id VARCHAR(63) NOT NULL,
  device_id VARCHAR(63) NOT NULL,
  name VARCHAR(200) NOT NULL DEFAULT '',
  addrs TEXT NOT NULL,
  last_seen BIGINT NULL,
  revoked_at BIGINT NULL,
  revocation TEXT NULL,
  PRIMARY KEY (peer_id, device_id)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
