-- The posts, their full-text index and the source cursors.
-- Times are Unix seconds (UTC). Lists (hashtags, mentions, links, domains,
-- media, keywords) are stored space-separated: none of their items holds a space.
CREATE TABLE posts (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    native_id TEXT NOT NULL,
    source TEXT,
    url TEXT,
    canonical_url TEXT,
    author_handle TEXT NOT NULL,
    author_name TEXT,
    author_url TEXT,
    author_followers INTEGER,
    author_id TEXT,
    title TEXT,
    text TEXT NOT NULL,
    lang TEXT,
    country TEXT,
    published_at INTEGER NOT NULL,
    collected_at INTEGER,
    likes INTEGER NOT NULL DEFAULT 0,
    shares INTEGER NOT NULL DEFAULT 0,
    replies INTEGER NOT NULL DEFAULT 0,
    views INTEGER,
    parent_id TEXT,
    thread_id TEXT,
    repost_of TEXT,
    hashtags TEXT NOT NULL DEFAULT '',
    mentions TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT '',
    domains TEXT NOT NULL DEFAULT '',
    media TEXT NOT NULL DEFAULT '',
    keywords TEXT NOT NULL DEFAULT '',
    sentiment TEXT,
    sentiment_score REAL,
    sentiment_confidence REAL,
    sentiment_source TEXT,
    cluster_id TEXT,
    content_hash TEXT NOT NULL,
    raw TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX posts_canonical_url ON posts (canonical_url) WHERE canonical_url IS NOT NULL;
CREATE INDEX posts_published ON posts (published_at);
CREATE INDEX posts_platform_published ON posts (platform, published_at);
CREATE INDEX posts_author ON posts (author_handle);

-- Contentless: the index keeps only the words; the text lives in posts.
-- Rows are the folded words of title and text (veille.textnorm.index_text).
CREATE VIRTUAL TABLE posts_fts USING fts5 (
    title, body, content = '', tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TABLE cursors (
    source TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
