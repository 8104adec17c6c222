-- What names a quarantined item across runs, as SQLite's 0275: an item that
-- fails again is updated in place, one that maps again leaves the quarantine.
ALTER TABLE quarantine ADD COLUMN item_key TEXT;
CREATE UNIQUE INDEX quarantine_item ON quarantine (source, item_key)
    WHERE item_key IS NOT NULL;
