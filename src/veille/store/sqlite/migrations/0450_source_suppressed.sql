-- Posts a source gave by people who object to further processing (erased,
-- their objection not lifted with `veille privacy lift`), not stored: how
-- many, for `veille source health` to say so.
ALTER TABLE source_health ADD COLUMN suppressed INTEGER NOT NULL DEFAULT 0;
