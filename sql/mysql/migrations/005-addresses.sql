-- Addresses that follow the peer (the invites issue).
-- See sql/sqlite/migrations/005-addresses.sql for what each part is for.

CREATE TABLE contact_address (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_seq BIGINT NOT NULL,
  host VARCHAR(255) NOT NULL,
  port INT NOT NULL,
  source VARCHAR(16) NOT NULL,
  added_at BIGINT NOT NULL,
  last_ok BIGINT NULL,
  last_tried BIGINT NULL,
  last_error VARCHAR(255) NULL,
  UNIQUE KEY contact_address_key (user_seq, host, port)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
INSERT INTO contact_address (user_seq, host, port, source, added_at)
  SELECT seq, ip, CAST(port AS UNSIGNED), 'typed', COALESCE(created_at, 0) FROM `user`
  WHERE legacy = 0 AND ip IS NOT NULL AND ip <> '' AND port REGEXP '^[0-9]{1,5}$' AND CAST(port AS UNSIGNED) BETWEEN 1 AND 65535;

ALTER TABLE `user` ADD COLUMN invite_token VARCHAR(64) NULL;

CREATE TABLE invite (
  token VARCHAR(64) NOT NULL PRIMARY KEY,
  uses_left INT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
