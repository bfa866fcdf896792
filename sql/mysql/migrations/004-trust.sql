-- Messages belong to identities, and strangers knock first (the trust issue).
-- See sql/sqlite/migrations/004-trust.sql for what each part is for.

ALTER TABLE sender ADD COLUMN peer_id VARCHAR(63) NULL, ADD KEY sender_recipient (peer_id, status, seq);
UPDATE sender s JOIN `user` u ON u.name = s.name AND u.legacy = 0
  SET s.peer_id = u.peer_id WHERE s.status IN ('pending', 'sent');

CREATE TABLE request (
  peer_id VARCHAR(63) NOT NULL PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  ip VARCHAR(255),
  port INT,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  blocked TINYINT NOT NULL DEFAULT 0
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE request_message (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  peer_id VARCHAR(63) NOT NULL,
  id VARCHAR(36) NOT NULL,
  message MEDIUMTEXT,
  created_at BIGINT,
  received_at BIGINT,
  UNIQUE KEY request_message_id (peer_id, id)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
