-- The organization's accounts that veille posts as. ``secret`` is a token or
-- app password, or "env:NAME" (read from the environment when publishing).
CREATE TABLE publish_accounts (
    name TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    url TEXT NOT NULL,
    handle TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
-- The content calendar: one row per post to publish (times in Unix seconds, UTC).
CREATE TABLE calendar_entries (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    platform TEXT NOT NULL,
    text TEXT NOT NULL,
    title TEXT,
    language TEXT,
    reply_to TEXT,
    scheduled_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    approved_by TEXT,
    approved_at INTEGER,
    problems TEXT NOT NULL DEFAULT '[]',
    attempt_key TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_at INTEGER,
    claimed_until INTEGER,
    published_id TEXT,
    published_url TEXT,
    post_id TEXT,
    published_at INTEGER,
    error TEXT
);
CREATE INDEX calendar_due ON calendar_entries (status, scheduled_at);
