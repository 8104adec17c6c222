-- veille run read every author's first post at each start (seconds over
-- millions of posts) to find an erasure cut by a release before migration
-- 0640, which left no trace but forgotten. Since 0640 an erasure is
-- recorded unfinished as it begins, so that read needs to succeed once per
-- store: a row here says it did (when, Unix seconds), and it is not read
-- again.
CREATE TABLE IF NOT EXISTS erasures_scanned (
    scanned_at INTEGER NOT NULL
);
