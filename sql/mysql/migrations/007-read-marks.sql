-- See sql/sqlite/migrations/007-read-marks.sql.
CREATE TABLE read_mark (
  name VARCHAR(40) NOT NULL PRIMARY KEY,
  read_at BIGINT NOT NULL,
  read_seq BIGINT NOT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
INSERT INTO read_mark (name, read_at, read_seq)
SELECT name, MAX(COALESCE(received_at, 0)), MAX(seq) FROM receiver WHERE name IS NOT NULL GROUP BY name;
