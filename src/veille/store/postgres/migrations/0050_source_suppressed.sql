-- Posts a source gave by people who object to further processing, not
-- stored, as SQLite's 0450: how many.
ALTER TABLE source_health ADD COLUMN suppressed BIGINT NOT NULL DEFAULT 0;
