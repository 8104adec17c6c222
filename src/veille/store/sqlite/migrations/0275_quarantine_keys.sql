-- What names a quarantined item across runs, when its source can say (a web
-- page's URL, a file source's line): an item that fails again is updated in
-- place rather than kept twice, and one that maps again leaves the quarantine.
-- Items of sources that cannot say (and those quarantined before) have none.
ALTER TABLE quarantine ADD COLUMN item_key TEXT;
CREATE UNIQUE INDEX quarantine_item ON quarantine (source, item_key)
    WHERE item_key IS NOT NULL;
