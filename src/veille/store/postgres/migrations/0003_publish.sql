-- Publishing (store/protocols/calendar.py): the organization's accounts and
-- the content calendar (times in Unix seconds, UTC, as in SQLite).
CREATE TABLE publish_accounts (
    name TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    url TEXT NOT NULL,
    handle TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE TABLE calendar_entries (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    platform TEXT NOT NULL,
    text TEXT NOT NULL,
    title TEXT,
    language TEXT,
    reply_to TEXT,
    scheduled_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    approved_by TEXT,
    approved_at BIGINT,
    problems TEXT NOT NULL DEFAULT '[]',
    attempt_key TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_at BIGINT,
    claimed_until BIGINT,
    published_id TEXT,
    published_url TEXT,
    post_id TEXT,
    published_at BIGINT,
    error TEXT
);
CREATE INDEX calendar_due ON calendar_entries (status, scheduled_at);
