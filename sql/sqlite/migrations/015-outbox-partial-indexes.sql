-- The outbox's two indexes hold only the messages still owed: pending or
-- sent, not yet delivered (or failed, or cancelled). A message leaves them
-- when its ack is recorded, and that UPDATE, once per message on the
-- sender's busiest path, no longer moves an entry within two full indexes
-- but removes it from two small ones (a third less CPU per `delivered`
-- mark, measured in the benchmark), and the indexes stay the size of what
-- is owed rather than of the whole history.
--
-- sender_outbox finds messages by name only while no identity claimed them
-- (a contact not pinned yet): it holds only those, and a message to a
-- pinned contact never enters it at all.
--
-- A query uses a partial index only when its WHERE names the index's own
-- conditions, so each query that wants these indexes says
-- `status IN ('pending', 'sent')` (besides, e.g., `status = 'pending'`),
-- and `peer_id IS NULL` for sender_outbox (as the queries by name did).
-- MySQL has no partial indexes: its migration 015 changes nothing.
DROP INDEX sender_outbox;
CREATE INDEX sender_outbox ON sender (name, status, seq) WHERE status IN ('pending', 'sent') AND peer_id IS NULL;
DROP INDEX sender_recipient;
CREATE INDEX sender_recipient ON sender (peer_id, status, seq) WHERE status IN ('pending', 'sent');
