-- The original program's tables, exactly as it created them: all columns
-- nullable, no keys. On a database the original made these already exist.
CREATE TABLE IF NOT EXISTS `user` (name VARCHAR(40), ip VARCHAR(40), port VARCHAR(20));
CREATE TABLE IF NOT EXISTS sender (ip VARCHAR(40), port VARCHAR(20), name VARCHAR(40), message TEXT, status VARCHAR(20), time VARCHAR(40));
CREATE TABLE IF NOT EXISTS receiver (ip VARCHAR(40), port VARCHAR(20), name VARCHAR(40), message TEXT, status VARCHAR(20), time VARCHAR(40));
