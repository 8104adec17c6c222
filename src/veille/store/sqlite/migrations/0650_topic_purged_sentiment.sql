-- A saved topic's sentiment on the days a retention purge took out. The
-- topic rollup keeps a purged post's volume, engagement and reach (the
-- purge's rows in privacy_purge hold its delete triggers back); the topic's
-- sentiment is read from the author rollup, whose days before the cutoff
-- the purge deletes (they name people). So a topic's dashboard over purged
-- days showed the sentiment of the kept posts only, beside a volume that
-- counted every post, while the workspace (post_rollup, by sentiment) kept
-- it. The purge now adds each topic's positive, negative and neutral posts
-- per quarter-hour here before it deletes them (the posts of the days the
-- author rollup drops), and a topic's sentiment reads them beside the author
-- rollup, as ClickHouse's topic_purged keeps them (schema 16). Purges made
-- before this release lost it: nothing here tells it again.
CREATE TABLE IF NOT EXISTS topic_purged_sentiment (
    topic_id INTEGER NOT NULL,
    bucket INTEGER NOT NULL,          -- published_at / 900
    positive INTEGER NOT NULL,
    negative INTEGER NOT NULL,
    neutral INTEGER NOT NULL,
    PRIMARY KEY (topic_id, bucket)
) WITHOUT ROWID;
