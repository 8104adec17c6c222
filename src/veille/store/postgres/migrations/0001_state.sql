-- The state of a workspace on PostgreSQL: what veille's SQLite file keeps
-- beside the posts (see store/sqlite/migrations). Times are Unix seconds
-- (UTC), as in SQLite, so both backends read and write the same values:
-- BIGINT where SQLite has INTEGER, DOUBLE PRECISION where it has REAL.

CREATE TABLE cursors (
    source TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    every_seconds BIGINT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE source_health (
    source TEXT PRIMARY KEY REFERENCES sources (name) ON DELETE CASCADE,
    last_run BIGINT,
    last_success BIGINT,
    last_error TEXT,
    last_error_at BIGINT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_posts BIGINT NOT NULL DEFAULT 0,
    total_posts BIGINT NOT NULL DEFAULT 0,
    runs BIGINT NOT NULL DEFAULT 0,
    quota_left BIGINT,
    next_due BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE quarantine (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    error TEXT NOT NULL,
    raw TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX quarantine_source ON quarantine (source);

CREATE TABLE topics (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE topic_versions (
    topic_id BIGINT NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    query TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (topic_id, version)
);
-- Filings by post id: the posts live in another store (no key to join on).
CREATE TABLE post_topics (
    post_id TEXT NOT NULL,
    topic_id BIGINT NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, topic_id)
);
CREATE INDEX post_topics_topic ON post_topics (topic_id, post_id);

CREATE TABLE minhash (
    post_id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL,
    signature BYTEA NOT NULL
);
CREATE INDEX minhash_cluster ON minhash (cluster_id);
CREATE TABLE minhash_bands (
    id BIGSERIAL PRIMARY KEY,
    band_key BIGINT NOT NULL,
    post_id TEXT NOT NULL
);
CREATE INDEX minhash_bands_key ON minhash_bands (band_key, id);
CREATE INDEX minhash_bands_post ON minhash_bands (post_id);

CREATE TABLE sentiment_corrections (
    id BIGSERIAL PRIMARY KEY,
    post_id TEXT NOT NULL,
    old_label TEXT,
    new_label TEXT NOT NULL,
    corrected_by TEXT NOT NULL,
    corrected_at BIGINT NOT NULL
);
CREATE INDEX sentiment_corrections_post ON sentiment_corrections (post_id);

CREATE TABLE alerts (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'match',
    topic TEXT,
    query TEXT,
    channel_url TEXT NOT NULL,
    frequency TEXT NOT NULL DEFAULT 'instant',
    at_time TEXT NOT NULL DEFAULT '08:00',
    weekday INTEGER NOT NULL DEFAULT 0,
    mode TEXT NOT NULL DEFAULT 'all',
    min_followers BIGINT NOT NULL DEFAULT 0,
    min_engagement BIGINT NOT NULL DEFAULT 0,
    languages TEXT NOT NULL DEFAULT '',
    platforms TEXT NOT NULL DEFAULT '',
    daily_cap INTEGER NOT NULL DEFAULT 0,
    quiet_start TEXT,
    quiet_end TEXT,
    language TEXT NOT NULL DEFAULT 'en',
    secret TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    checked_at BIGINT
);

-- The outbox; UNIQUE (alert_id, post_id) makes a delivery happen once.
-- ``reach`` is the post's reach when it was queued (the posts are in another
-- store: "best" alerts compare a new copy of a story with it).
CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY,
    alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    post_id TEXT NOT NULL,
    cluster_id TEXT,
    spans TEXT NOT NULL DEFAULT '[]',
    payload TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at DOUBLE PRECISION NOT NULL,
    due_at DOUBLE PRECISION NOT NULL,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    lease_until DOUBLE PRECISION,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    batch_id TEXT,
    sent_at DOUBLE PRECISION,
    reach BIGINT NOT NULL DEFAULT 0,
    UNIQUE (alert_id, post_id)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_alert_cluster ON deliveries (alert_id, cluster_id);

CREATE TABLE alert_marks (
    alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    post_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (alert_id, post_id)
);

-- The saved queries' change counter, bumped by triggers whoever writes.
CREATE TABLE rules_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO rules_version (id, n) VALUES (1, 0);
CREATE FUNCTION veille_bump_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rules_version SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER rules_topics AFTER INSERT OR UPDATE OR DELETE ON topics
FOR EACH STATEMENT EXECUTE FUNCTION veille_bump_rules();
CREATE TRIGGER rules_topic_versions AFTER INSERT OR DELETE ON topic_versions
FOR EACH STATEMENT EXECUTE FUNCTION veille_bump_rules();
CREATE TRIGGER rules_alerts_insert_delete AFTER INSERT OR DELETE ON alerts
FOR EACH STATEMENT EXECUTE FUNCTION veille_bump_rules();
-- checked_at moves on every monitor pass: not a change of what matches.
CREATE TRIGGER rules_alerts_update AFTER UPDATE OF
    name, kind, topic, query, languages, platforms, mode, paused ON alerts
FOR EACH STATEMENT EXECUTE FUNCTION veille_bump_rules();
