-- A change counter for the saved queries that ingest matches (topics and
-- alerts): bumped by triggers whoever writes (the CLI, the web app, another
-- process), so a running daemon sees a topic or an alert added, edited,
-- paused or removed before its next batch, by reading one row.
CREATE TABLE rules_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n INTEGER NOT NULL
);
INSERT INTO rules_version (id, n) VALUES (1, 0);
CREATE TRIGGER rules_topics_insert AFTER INSERT ON topics
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rules_topics_update AFTER UPDATE ON topics
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rules_topics_delete AFTER DELETE ON topics
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rules_topic_versions_insert AFTER INSERT ON topic_versions
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rules_topic_versions_delete AFTER DELETE ON topic_versions
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rules_alerts_insert AFTER INSERT ON alerts
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
-- checked_at moves on every monitor pass: not a change of what matches.
CREATE TRIGGER rules_alerts_update AFTER UPDATE OF
    name, kind, topic, query, languages, platforms, mode, paused ON alerts
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rules_alerts_delete AFTER DELETE ON alerts
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
