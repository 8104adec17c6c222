"""The ClickHouse tables of a PostStore.

``posts`` is a ReplacingMergeTree: a post seen again (new counts, a user's
sentiment, a cluster) is a new row version (``version``: the time it was
written, in nanoseconds) and merges keep the last one. Reads use ``FINAL``, so
they are right before merges happen (measured against ``LIMIT 1 BY id`` in
``bench/store.py``: see docs/clickhouse.md). Rows are ordered by (day, id):
a time window reads a range of granules, and an id always keeps its
``published_at`` (an update never moves a post), so the replacing key holds.
Partitions are months.

The ``*_f`` columns hold what the query language compares, folded in Python
by veille's own :mod:`veille.textnorm` on insert, so both engines compare the
same words: ``title_f``/``text_f`` are the folded words joined by single
spaces with a space at each end (a phrase is the substring `` a b ``, a
prefix `` pre``), indexed by a text index over the spaces.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

# Dates ClickHouse's DateTime64 holds; the partition of a post outside them is
# the nearest end (veille stores any second from 1970 +- 2**40).
_MONTH = "toYYYYMM(toDateTime64(greatest(-2208988800, least(published_at, 10413791999)), 0, 'UTC'))"

POSTS = f"""
CREATE TABLE IF NOT EXISTS posts (
    id String,
    seq UInt64,
    version UInt64,
    platform LowCardinality(String),
    native_id String,
    source Nullable(String),
    url Nullable(String),
    canonical_url Nullable(String),
    author_handle String,
    author_name Nullable(String),
    author_url Nullable(String),
    author_followers Nullable(Int64),
    author_id Nullable(String),
    title Nullable(String),
    text String,
    lang Nullable(String),
    country Nullable(String),
    published_at Int64,
    collected_at Nullable(Int64),
    likes Int64,
    shares Int64,
    replies Int64,
    views Nullable(Int64),
    parent_id Nullable(String),
    thread_id Nullable(String),
    repost_of Nullable(String),
    hashtags Array(String),
    mentions Array(String),
    links Array(String),
    domains Array(String),
    media Array(String),
    keywords Array(String),
    sentiment LowCardinality(Nullable(String)),
    sentiment_score Nullable(Float64),
    sentiment_confidence Nullable(Float64),
    sentiment_source LowCardinality(Nullable(String)),
    cluster_id Nullable(String),
    content_hash String,
    raw String,
    title_f String,
    text_f String,
    tags_f Array(String),
    mentions_f Array(String),
    author_f String,
    hosts Array(String),
    url_f String,
    links_f Array(String),
    lang_f String,
    platform_f LowCardinality(String),
    -- The version this row replaces, as the rollup counted it (prev_posts 0:
    -- none, a first sighting), so the rollup view takes it out again.
    prev_posts Int8 DEFAULT 0,
    prev_lang Nullable(String),
    prev_sentiment Nullable(String),
    prev_engagement Int64 DEFAULT 0,
    prev_reach Int64 DEFAULT 0,
    INDEX title_words title_f TYPE text(tokenizer = splitByString([' '])),
    INDEX text_words text_f TYPE text(tokenizer = splitByString([' '])),
    INDEX by_id id TYPE bloom_filter GRANULARITY 1,
    INDEX by_url canonical_url TYPE bloom_filter GRANULARITY 1
) ENGINE = ReplacingMergeTree(version)
PARTITION BY {_MONTH}
ORDER BY (intDiv(published_at, 86400), id)
SETTINGS non_replicated_deduplication_window = 1000
"""

# Posts, engagement and reach per quarter-hour and dimension, kept by a
# materialized view in the same insert as the posts (a block deduplicated in
# ``posts`` is not counted either). Each row written adds itself and takes
# out the version it replaces (``prev_*``), so sums are exact before merges,
# with updates.
POST_ROLLUP = """
CREATE TABLE IF NOT EXISTS post_rollup (
    bucket Int64,
    platform LowCardinality(String),
    lang LowCardinality(String),
    country LowCardinality(String),
    sentiment LowCardinality(String),
    posts Int64,
    engagement Int64,
    reach Int64
) ENGINE = SummingMergeTree
ORDER BY (bucket, platform, lang, country, sentiment)
"""

POST_ROLLUP_VIEW = """
CREATE MATERIALIZED VIEW IF NOT EXISTS post_rollup_view TO post_rollup AS
SELECT b AS bucket, pf AS platform, tupleElement(d, 1) AS lang, c AS country,
       tupleElement(d, 2) AS sentiment, tupleElement(d, 3) AS posts,
       tupleElement(d, 4) AS engagement, tupleElement(d, 5) AS reach
FROM (
    SELECT intDiv(published_at, 900) AS b, platform AS pf, ifNull(country, '') AS c,
           arrayJoin(arrayFilter(x -> tupleElement(x, 3) != 0, [
               (ifNull(lang, ''), ifNull(sentiment, ''), toInt64(1),
                likes + shares + replies, ifNull(author_followers, 0)),
               (ifNull(prev_lang, ''), ifNull(prev_sentiment, ''), -toInt64(prev_posts),
                -prev_engagement, -prev_reach)
           ])) AS d
    FROM posts
)
"""

# Filings of saved topics over the posts kept here (a topic's backlog is filed
# where its posts are, so a topic scope is a lookup in the same engine).
POST_TOPICS = """
CREATE TABLE IF NOT EXISTS post_topics (
    topic_id Int64,
    post_id String,
    filed UInt8,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (topic_id, post_id)
"""

TOPIC_SYNC = """
CREATE TABLE IF NOT EXISTS topic_sync (
    topic_id Int64,
    version Int64,
    written UInt64
) ENGINE = ReplacingMergeTree(written)
ORDER BY topic_id
"""

AUTHOR_LINKS = """
CREATE TABLE IF NOT EXISTS author_links (
    platform_a String,
    handle_a String,
    platform_b String,
    handle_b String,
    decision String,
    evidence String,
    decided_at Int64,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (platform_a, handle_a, platform_b, handle_b)
"""

META = """
CREATE TABLE IF NOT EXISTS veille_meta (
    key String,
    value String,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY key
"""

TABLES = (POSTS, POST_ROLLUP, POST_ROLLUP_VIEW, POST_TOPICS, TOPIC_SYNC, AUTHOR_LINKS, META)
