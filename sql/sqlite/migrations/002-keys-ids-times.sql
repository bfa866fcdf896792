-- p2pchat's columns on the original tables. SQLite cannot add a primary key
-- or constraints to a table, so each table is rebuilt (SQLite's documented
-- procedure) with every original row copied, in its original order.
--
-- Rows the original wrote get integer times parsed from their local-time
-- `time` text, and ids built from those times and their position, in the
-- UUIDv7 layout (time-sortable like the ids p2pchat makes).

CREATE TABLE user_v2 (
  seq INTEGER PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  ip VARCHAR(40),
  port VARCHAR(20),
  peer_id VARCHAR(63),
  blocked INTEGER NOT NULL DEFAULT 0,
  legacy INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER
);
INSERT INTO user_v2 (seq, name, ip, port)
SELECT u.rowid,
       CASE
         WHEN COALESCE(u.name, '') <> '' AND u.rowid = (SELECT MIN(v.rowid) FROM user v WHERE v.name = u.name) THEN u.name
         ELSE COALESCE(NULLIF(u.name, ''), 'contact') || '-' || u.rowid
       END,
       u.ip, u.port
FROM user u ORDER BY u.rowid;
DROP TABLE user;
ALTER TABLE user_v2 RENAME TO user;
CREATE UNIQUE INDEX user_name ON user (name);
CREATE UNIQUE INDEX user_peer_id ON user (peer_id);

CREATE TABLE sender_v2 (
  seq INTEGER PRIMARY KEY,
  ip VARCHAR(40),
  port VARCHAR(20),
  name VARCHAR(40),
  message TEXT,
  status VARCHAR(20),
  time VARCHAR(40),
  id VARCHAR(36),
  created_at INTEGER,
  sent_at INTEGER,
  delivered_at INTEGER
);
INSERT INTO sender_v2 (seq, ip, port, name, message, status, time, created_at)
SELECT rowid, ip, port, name, message, status, time,
       COALESCE(CAST(strftime('%s', replace(time, '/', '-'), 'utc') AS INTEGER) * 1000, 0)
FROM sender ORDER BY rowid;
UPDATE sender_v2 SET id = printf('%08x-%04x-7000-8000-%012x', created_at >> 16, created_at & 65535, seq);
DROP TABLE sender;
ALTER TABLE sender_v2 RENAME TO sender;
CREATE UNIQUE INDEX sender_id ON sender (id);
CREATE INDEX sender_outbox ON sender (name, status, seq);
CREATE INDEX sender_time ON sender (created_at, seq);
CREATE INDEX sender_peer_time ON sender (name, created_at, seq);

CREATE TABLE receiver_v2 (
  seq INTEGER PRIMARY KEY,
  ip VARCHAR(40),
  port VARCHAR(20),
  name VARCHAR(40),
  message TEXT,
  status VARCHAR(20),
  time VARCHAR(40),
  id VARCHAR(36),
  peer_id VARCHAR(63),
  created_at INTEGER,
  received_at INTEGER
);
INSERT INTO receiver_v2 (seq, ip, port, name, message, status, time, received_at)
SELECT rowid, ip, port, name, message, status, time,
       COALESCE(CAST(strftime('%s', replace(time, '/', '-'), 'utc') AS INTEGER) * 1000, 0)
FROM receiver ORDER BY rowid;
UPDATE receiver_v2 SET id = printf('%08x-%04x-7000-8001-%012x', received_at >> 16, received_at & 65535, seq),
                       created_at = received_at;
DROP TABLE receiver;
ALTER TABLE receiver_v2 RENAME TO receiver;
CREATE UNIQUE INDEX receiver_msg ON receiver (peer_id, id);
CREATE INDEX receiver_id ON receiver (id);
CREATE INDEX receiver_time ON receiver (received_at, seq);
CREATE INDEX receiver_peer_time ON receiver (name, received_at, seq);
