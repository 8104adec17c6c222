-- Snoozed inbox items (status 'snoozed'), as SQLite's 0730: when each comes
-- back as open on its own (UTC seconds); NULL for every item not snoozed.
ALTER TABLE inbox_items ADD COLUMN snoozed_until BIGINT;
CREATE INDEX inbox_items_snoozed ON inbox_items (snoozed_until) WHERE snoozed_until IS NOT NULL;
