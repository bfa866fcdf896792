-- read_ahead: a read mark another device logged for a message this device
-- does not hold yet (see SQLite's 017): it moves when that message is stored.
CREATE TABLE read_ahead (
  name VARCHAR(40) NOT NULL,
  id VARCHAR(36) NOT NULL,
  PRIMARY KEY (id, name)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
