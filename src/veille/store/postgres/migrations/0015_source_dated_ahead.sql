-- Posts a source gave dated ahead of their collection, as SQLite's 0340:
-- how many, and the date the last one gave (seconds).
ALTER TABLE source_health ADD COLUMN dated_ahead BIGINT NOT NULL DEFAULT 0;
ALTER TABLE source_health ADD COLUMN dated_ahead_last BIGINT;
