-- When each delivered post was published (Unix seconds, as posts.published_at),
-- so an alert's Atom feed reads its newest posts from this index, a few rows,
-- rather than by delivery order: a backlog queued at once (a first collect,
-- an import) is delivered oldest last, and the feed would show old posts.
-- Rows of monitor events and reports (payload set) have none.
ALTER TABLE deliveries ADD COLUMN published_at INTEGER;
UPDATE deliveries SET published_at = (
    SELECT p.published_at FROM posts p WHERE p.id = deliveries.post_id
) WHERE payload IS NULL;
CREATE INDEX deliveries_alert_published ON deliveries (alert_id, published_at);
