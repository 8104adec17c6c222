-- Posts a source gave dated ahead of their collection (a blog dated 2031),
-- stored dated when collected: how many, and the date the last one gave
-- (seconds), for `veille source health` to say so.
ALTER TABLE source_health ADD COLUMN dated_ahead INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_health ADD COLUMN dated_ahead_last INTEGER;
