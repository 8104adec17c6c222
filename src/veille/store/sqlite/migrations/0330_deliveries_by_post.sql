-- The outbox rows and "not relevant" marks of a post, found by its id: the
-- retention purge and an erasure delete them for each batch of posts they
-- delete, and both tables were read whole for every 400 posts (their keys
-- begin with the alert), inside the write transaction: with a year of
-- alerts, a purge held the write lock long enough to stall the collectors.
CREATE INDEX deliveries_post ON deliveries (post_id);
CREATE INDEX alert_marks_post ON alert_marks (post_id);
-- The retention purge's monitor events and reports (rows with a payload, keyed
-- by an hour or a period), found by age rather than by reading the outbox.
CREATE INDEX deliveries_events ON deliveries (created_at) WHERE payload IS NOT NULL;
