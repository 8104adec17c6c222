-- Posts a source gave published before the retention cutoff, not stored,
-- as SQLite's 0700: how many.
ALTER TABLE source_health ADD COLUMN expired BIGINT NOT NULL DEFAULT 0;
