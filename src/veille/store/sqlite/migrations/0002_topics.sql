-- Topics: named saved queries. Every version of a topic's query is kept
-- (topic_versions); the current one is the highest version.
CREATE TABLE topics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE TABLE topic_versions (
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    query TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (topic_id, version)
);
-- Which new posts matched which topic when they were ingested (share of voice).
CREATE TABLE post_topics (
    post_pk INTEGER NOT NULL REFERENCES posts (pk) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    PRIMARY KEY (post_pk, topic_id)
) WITHOUT ROWID;
CREATE INDEX post_topics_topic ON post_topics (topic_id, post_pk);
