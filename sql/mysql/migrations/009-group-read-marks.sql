-- See sql/sqlite/migrations/009-group-read-marks.sql.
CREATE TABLE group_read_mark (
  group_id VARCHAR(32) NOT NULL PRIMARY KEY,
  read_pos BIGINT NOT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
INSERT INTO group_read_mark (group_id, read_pos)
SELECT group_id, MAX(pos) FROM group_message WHERE pos IS NOT NULL GROUP BY group_id;
