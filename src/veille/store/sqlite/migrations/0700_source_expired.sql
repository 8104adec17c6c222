-- Posts a source gave that were published before the retention cutoff
-- ([privacy] retention_days), not stored: how many, for `veille source
-- health` and the sources page to say so. Until now only the run that left
-- them out said it (its collect report), and nothing lasting told why a
-- feed that lists old items brought fewer posts than it listed.
ALTER TABLE source_health ADD COLUMN expired INTEGER NOT NULL DEFAULT 0;
