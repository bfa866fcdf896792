-- See sql/sqlite/migrations/006-reach.sql.
ALTER TABLE `user` ADD COLUMN dkey VARCHAR(64) NULL, ADD COLUMN relays TEXT NULL;
