-- Configured sources, their health, and items that could not be mapped.
-- Times are Unix seconds (UTC).
CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    every_seconds INTEGER NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE source_health (
    source TEXT PRIMARY KEY REFERENCES sources (name) ON DELETE CASCADE,
    last_run INTEGER,
    last_success INTEGER,
    last_error TEXT,
    last_error_at INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_posts INTEGER NOT NULL DEFAULT 0,
    total_posts INTEGER NOT NULL DEFAULT 0,
    runs INTEGER NOT NULL DEFAULT 0,
    quota_left INTEGER,
    next_due INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    error TEXT NOT NULL,
    raw TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX quarantine_source ON quarantine (source);
