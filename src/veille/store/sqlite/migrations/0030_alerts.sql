-- Alerts, their outbox (deliveries) and "not relevant" marks.
-- Times are Unix seconds (UTC), REAL where sub-second latency matters.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- "match" (posts of a topic or query), "spike", "sentiment" or "silence".
    kind TEXT NOT NULL DEFAULT 'match',
    topic TEXT,
    query TEXT,
    channel_url TEXT NOT NULL,
    -- "instant", "hourly", "daily" or "weekly".
    frequency TEXT NOT NULL DEFAULT 'instant',
    at_time TEXT NOT NULL DEFAULT '08:00',
    weekday INTEGER NOT NULL DEFAULT 0,
    -- "all" or "best" (one post per story cluster, above the reach floors).
    mode TEXT NOT NULL DEFAULT 'all',
    min_followers INTEGER NOT NULL DEFAULT 0,
    min_engagement INTEGER NOT NULL DEFAULT 0,
    languages TEXT NOT NULL DEFAULT '',
    platforms TEXT NOT NULL DEFAULT '',
    daily_cap INTEGER NOT NULL DEFAULT 0,
    quiet_start TEXT,
    quiet_end TEXT,
    language TEXT NOT NULL DEFAULT 'en',
    secret TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    paused INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at REAL NOT NULL,
    checked_at INTEGER
);

-- The outbox: one row per (alert, post), written in the transaction that
-- stores the post; the UNIQUE key is what makes a delivery happen once.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    -- A post id, or an event key such as "spike:<hour>" for monitors.
    post_id TEXT NOT NULL,
    cluster_id TEXT,
    spans TEXT NOT NULL DEFAULT '[]',
    payload TEXT,
    -- pending, sending, sent, skipped (with reason in last_error) or dead.
    status TEXT NOT NULL DEFAULT 'pending',
    created_at REAL NOT NULL,
    due_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    lease_until REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    batch_id TEXT,
    sent_at REAL,
    UNIQUE (alert_id, post_id)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_alert_cluster ON deliveries (alert_id, cluster_id);

CREATE TABLE alert_marks (
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    post_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (alert_id, post_id)
);
