-- Snoozed inbox items (status 'snoozed'): when each comes back as open on
-- its own (UTC seconds); NULL for every item not snoozed. The index holds
-- only the snoozed items, by that time (those due: a range), with what the
-- ingest compares to wake one early (its author posting again in its
-- thread): read from the index alone.
ALTER TABLE inbox_items ADD COLUMN snoozed_until INTEGER;
CREATE INDEX inbox_items_snoozed
    ON inbox_items (snoozed_until, platform, author, post_id, thread_id, assignee)
    WHERE snoozed_until IS NOT NULL;
