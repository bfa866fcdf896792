-- Keeping one person's devices in step. See sql/sqlite/migrations/014-device-log.sql.
CREATE TABLE device_log (
  device VARCHAR(63) NOT NULL,
  dseq BIGINT NOT NULL,
  kind INT NOT NULL,
  body MEDIUMTEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (device, dseq)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE device_log_self (
  one INT NOT NULL PRIMARY KEY,
  device VARCHAR(63) NOT NULL,
  since BIGINT NOT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

ALTER TABLE sender ADD COLUMN origin VARCHAR(63) NULL;
