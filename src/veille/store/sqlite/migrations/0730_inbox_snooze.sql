-- Snoozed inbox items (status 'snoozed'): when each comes back as open on
-- its own (UTC seconds); NULL for every item not snoozed.
ALTER TABLE inbox_items ADD COLUMN snoozed_until INTEGER;
CREATE INDEX inbox_items_snoozed ON inbox_items (snoozed_until) WHERE snoozed_until IS NOT NULL;
