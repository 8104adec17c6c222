-- The outbox rows and "not relevant" marks of a post, found by its id, as
-- SQLite's 0330: forgetting posts (retention, an erasure) deletes them by
-- post id, and both tables were read whole for every 400 posts.
CREATE INDEX deliveries_post ON deliveries (post_id);
CREATE INDEX alert_marks_post ON alert_marks (post_id);
-- The retention purge's monitor events and reports, found by age.
CREATE INDEX deliveries_events ON deliveries (created_at) WHERE payload IS NOT NULL;
