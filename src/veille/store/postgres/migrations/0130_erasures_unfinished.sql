-- Erasures begun and not yet done (killed midway), as SQLite's 0640.
CREATE TABLE IF NOT EXISTS erasures_unfinished (
    handle     TEXT NOT NULL,
    platform   TEXT NOT NULL DEFAULT '',
    started_at BIGINT NOT NULL,
    PRIMARY KEY (handle, platform)
);
