-- Snoozed inbox items (status 'snoozed'), as SQLite's 0730: when each comes
-- back as open on its own (UTC seconds); NULL for every item not snoozed.
-- The index holds only the snoozed items, by that time, with what the
-- ingest compares to wake one early.
ALTER TABLE inbox_items ADD COLUMN snoozed_until BIGINT;
CREATE INDEX inbox_items_snoozed
    ON inbox_items (snoozed_until, platform, author, post_id, thread_id, assignee)
    WHERE snoozed_until IS NOT NULL;
