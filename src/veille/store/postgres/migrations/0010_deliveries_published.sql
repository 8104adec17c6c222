-- When each delivered post was published (Unix seconds), as SQLite's 0272, so
-- an alert's Atom feed reads its newest posts from this index rather than by
-- delivery order. The posts are in another store: rows queued before this
-- migration have none and come after those that have one.
ALTER TABLE deliveries ADD COLUMN published_at DOUBLE PRECISION;
CREATE INDEX deliveries_alert_published
    ON deliveries (alert_id, published_at DESC NULLS LAST, id DESC);
