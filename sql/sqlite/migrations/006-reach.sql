-- Reaching a contact beyond the addresses we know (the internet and relay
-- issues): its discovery key (Ed25519, z-base-32), learned from its invite or
-- hello, to look it up on the DHT; and the relays it stays joined to
-- (relay://HOST:PORT/?id=..., JSON array), to reach it when nothing else does.
ALTER TABLE user ADD COLUMN dkey VARCHAR(64);
ALTER TABLE user ADD COLUMN relays TEXT;
