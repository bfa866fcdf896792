-- read_ahead: a read mark another device logged for a message this device
-- does not hold yet. Each device's log comes on its own, so the laptop's
-- "read up to X" can arrive before the server's entry that brings X. The
-- mark waits here (name, message id) and moves in the transaction that
-- stores X; a mark for a message that is here moves at once, as before.
CREATE TABLE read_ahead (
  name VARCHAR(40) NOT NULL,
  id VARCHAR(36) NOT NULL,
  PRIMARY KEY (id, name)
);
