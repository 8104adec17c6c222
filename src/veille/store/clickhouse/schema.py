"""The ClickHouse tables of a PostStore.

``posts`` is a ReplacingMergeTree: a post seen again (new counts, a user's
sentiment, a cluster) is a new row version (``version``: the time it was
written, in nanoseconds) and merges keep the last one. Reads use ``FINAL``, so
they are right before merges happen (measured against ``LIMIT 1 BY id`` in
``bench/store.py``: see docs/clickhouse.md); reads of a few posts by id keep
the highest version of each instead (``filters.NEWEST_VERSION``). Rows are ordered by (day, id):
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

import hashlib

SCHEMA_VERSION = 17

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
    -- Its trending terms (schema 10): keys, and their written forms ('' for
    -- a form that is its key), made in Python on insert as the folded
    -- columns are (veille.analytics.trends.post_terms).
    term_keys Array(String),
    term_forms Array(String),
    -- The version this row replaces, as the rollup counted it (prev_posts 0:
    -- none, a first sighting), so the rollup view takes it out again.
    prev_posts Int8 DEFAULT 0,
    prev_lang Nullable(String),
    prev_sentiment Nullable(String),
    prev_engagement Int64 DEFAULT 0,
    prev_reach Int64 DEFAULT 0,
    prev_author_name Nullable(String),
    prev_hashtags Array(String),
    prev_domains Array(String),
    prev_cluster_id Nullable(String),
    -- Whether the platform gave like, share and reply counts (schema 12;
    -- 0: they are unknown, stored 0; 2: a post stored before schema 12 with
    -- a count above 0, which says so), and as the version replaced had it.
    counts_given UInt8 DEFAULT 2,
    prev_counted Int64 DEFAULT 0,
    -- Whether the version replaced gave its author's follower count (schema
    -- 13: the rollup counts the posts that did, so a reach of 0 reads 0).
    prev_followed Int64 DEFAULT 0,
    INDEX title_words title_f TYPE text(tokenizer = splitByString([' '])),
    INDEX text_words text_f TYPE text(tokenizer = splitByString([' '])),
    INDEX by_id id TYPE bloom_filter GRANULARITY 1,
    INDEX by_url canonical_url TYPE bloom_filter GRANULARITY 1
) ENGINE = ReplacingMergeTree(version)
PARTITION BY {_MONTH}
ORDER BY (intDiv(published_at, 86400), id)
SETTINGS non_replicated_deduplication_window = 1000
"""

# Posts, engagement, reach, the posts that gave counts (schema 12) and those
# that gave their author's follower count (schema 13) per quarter-hour and
# dimension, kept by a
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
    reach Int64,
    counted Int64,
    followed Int64
) ENGINE = SummingMergeTree
ORDER BY (bucket, platform, lang, country, sentiment)
"""

POST_ROLLUP_VIEW = """
CREATE MATERIALIZED VIEW IF NOT EXISTS post_rollup_view TO post_rollup AS
SELECT b AS bucket, pf AS platform, tupleElement(d, 1) AS lang, c AS country,
       tupleElement(d, 2) AS sentiment, tupleElement(d, 3) AS posts,
       tupleElement(d, 4) AS engagement, tupleElement(d, 5) AS reach,
       tupleElement(d, 6) AS counted, tupleElement(d, 7) AS followed
FROM (
    SELECT intDiv(published_at, 900) AS b, platform AS pf, ifNull(country, '') AS c,
           arrayJoin(arrayFilter(x -> tupleElement(x, 3) != 0, [
               (ifNull(lang, ''), ifNull(sentiment, ''), toInt64(1),
                likes + shares + replies, ifNull(author_followers, 0), toInt64(counts_given != 0),
                toInt64(isNotNull(author_followers))),
               (ifNull(prev_lang, ''), ifNull(prev_sentiment, ''), -toInt64(prev_posts),
                -prev_engagement, -prev_reach, -prev_counted, -prev_followed)
           ])) AS d
    FROM posts
)
"""

# Filings of saved topics over the posts kept here (a topic's backlog is filed
# where its posts are, so a topic scope is a lookup in the same engine),
# ordered by their posts' publication times (which no update of a post
# changes), so a topic scope over a period reads and merges that period's
# filings only: at 10M posts, the last 30 days of a 710,000-post topic were
# counted in 103 ms instead of 261 (schema 2's ``post_topics`` was ordered by
# topic and post id: ``FINAL`` merged the topic's every filing).
#
# Since schema 5 a filing also carries the columns of its post that a
# topic's aggregations read (:data:`FILING_COPY`, as of the post's newest
# version): a saved topic's dashboard reads the topic's rows here instead of
# every post of the period in ``posts`` (at 11.5M posts, the 150,000 posts of
# a topic's last 30 days among 2.3M: a breakdown by platform took 26 ms
# instead of 236). The store writes a new copy whenever it writes a new
# version of a filed post.
#
# Since schema 6 a filing's ``version`` orders two things: the filing itself
# (filed or taken out: the tick it was decided at, the high 64 bits) and its
# copy (the version of the post it was taken from, the low 64 bits). A copy
# keeps its filing's tick, so it never undoes a later filing or taking out,
# and of two copies the newer post version wins, whichever lands last (see
# :func:`veille.store.clickhouse.rows.filing_version`).
FILING_COPY = (
    ("seq", "UInt64"),
    ("platform", "LowCardinality(String)"),
    ("source", "Nullable(String)"),
    ("author_handle", "String"),
    ("author_name", "Nullable(String)"),
    ("author_followers", "Nullable(Int64)"),
    ("lang", "Nullable(String)"),
    ("country", "Nullable(String)"),
    ("likes", "Int64"),
    ("shares", "Int64"),
    ("replies", "Int64"),
    ("hashtags", "Array(String)"),
    ("mentions", "Array(String)"),
    ("links", "Array(String)"),
    ("domains", "Array(String)"),
    ("sentiment", "LowCardinality(Nullable(String))"),
    ("cluster_id", "Nullable(String)"),
    ("counts_given", "UInt8"),
)
COPY_COLUMNS = tuple(name for name, _type in FILING_COPY)
_COPY_DDL = "".join(f"    {name} {kind},\n" for name, kind in FILING_COPY)
TOPIC_FILINGS = f"""
CREATE TABLE IF NOT EXISTS topic_filings (
    topic_id Int64,
    published_at Int64,
    post_id String,
    filed UInt8,
    version UInt128,
{_COPY_DDL}    -- The copy reads as ``posts`` does.
    id String ALIAS post_id
) ENGINE = ReplacingMergeTree(version)
ORDER BY (topic_id, published_at, post_id)
"""

# What a retention purge took out of each saved topic, per quarter-hour: a
# topic's volume, engagement and reach stay as they were (SQLite's
# ``topic_rollup`` keeps them the same way), while the filings, which name
# posts, go. ``upto``: the purge's mark (its cutoff, or just above every
# earlier purge's where one reached further: purged.purge_mark); one that
# stopped between its count and its deletes is finished by the next
# (purged.stopped_purge), which counts nothing twice.
# ``counted`` and ``followed`` (schema 14): how many of those posts gave like,
# share and reply counts, and their author's follower count (a known 0
# included), as SQLite's topic rollup counts them: what the topic's engagement
# and reach cover. Rows written before schema 14 hold what their other
# columns tell (:meth:`~veille.store.clickhouse.upgrade.ClickHouseUpgrade._purged_coverage`).
# ``positive``, ``negative`` and ``neutral`` (schema 16): those posts'
# sentiment, as the workspace's rollup keeps it (and SQLite's
# ``topic_purged_sentiment``); rows written before hold 0 (their posts are gone).
TOPIC_PURGED = """
CREATE TABLE IF NOT EXISTS topic_purged (
    topic_id Int64,
    bucket Int64,
    posts Int64,
    engagement Int64,
    reach Int64,
    upto Int64,
    counted Int64 DEFAULT 0,
    followed Int64 DEFAULT 0,
    positive Int64 DEFAULT 0,
    negative Int64 DEFAULT 0,
    neutral Int64 DEFAULT 0
) ENGINE = MergeTree
ORDER BY (topic_id, bucket)
"""

# What a retention purge took out of the hashtags and domains (schema 15), per
# quarter-hour, kind and value (hashtags lower-cased as ``entity_rollup``'s
# view does, each value once per post): ``entity_rollup`` keeps them per
# UTC day, so a period whose edge falls inside a purged day (a day of another
# time zone, a period from 05:00) adds these quarter-hours to the posts held
# there, as SQLite's quarter-hour rows keep them. ``upto``: the purge's mark
# (its cutoff, or just above every earlier purge's: purged.purge_mark);
# ``veille_meta``'s ``entity_purged_done`` names the latest mark whose deletes
# finished, ``entity_purged_counted`` the latest whose counts were all written
# (``entity_purged_cutoff`` its cutoff): rows above both (a purge stopped
# while it counted) are taken out again before the next purge counts every
# post older than its cutoff (late arrivals included); a purge stopped after
# its counts keeps its rows, and the next finishes it first
# (purged.stopped_purge). A read adds the rows
# up to ``entity_purged_done`` (purged.ENTITY_SHOWN): not a stopped purge's,
# whose posts are still held.
ENTITY_PURGED = """
CREATE TABLE IF NOT EXISTS entity_purged (
    kind LowCardinality(String),
    bucket Int64,
    value String,
    posts Int64,
    engagement Int64,
    upto Int64
) ENGINE = MergeTree
ORDER BY (kind, bucket, value)
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

# What an erasure forgot (:mod:`veille.store.clickhouse.privacy`): people
# (``kind`` 'author': a hash of the platform, '*' for every one, and the
# handle) and their posts ('post': a hash of the id), and when. A write of
# posts leaves out a post of theirs published until then and names no story
# after one of their posts, so a write that read before the erasure, or a
# batch collected before it, stores nothing of them again. Hashes, not keyed:
# no handle is written in clear, but a handle one knows can be tested against
# them. An erasure adds rows. So does a retention purge ('purged': a hash of
# each id it deletes, its publication time): a write leaves them out, as
# the aggregates the purge kept count them (``purged.record_purged``).
FORGOTTEN = """
CREATE TABLE IF NOT EXISTS forgotten (
    kind LowCardinality(String),
    key String,
    erased_at Int64
) ENGINE = MergeTree
ORDER BY (kind, key)
"""

# Columns added to ``posts`` since schema 1, each where ``POSTS`` has it (a
# store made before gets them on open, then its new rollups are filled from
# the posts: see ``ROLLUPS``): placed, not appended, so that an upgraded
# store's ``posts`` is a new one's, column for column
# (tests/store/test_clickhouse_schemas.py).
ADDED_COLUMNS = (
    "term_keys Array(String) AFTER platform_f",
    "term_forms Array(String) AFTER term_keys",
    "prev_author_name Nullable(String) AFTER prev_reach",
    "prev_hashtags Array(String) AFTER prev_author_name",
    "prev_domains Array(String) AFTER prev_hashtags",
    "prev_cluster_id Nullable(String) AFTER prev_domains",
    "counts_given UInt8 DEFAULT 2 AFTER prev_cluster_id",
    "prev_counted Int64 DEFAULT 0 AFTER counts_given",
    "prev_followed Int64 DEFAULT 0 AFTER prev_counted",
)

# The rollups below hold UTC days (``intDiv(published_at, 86400)``): a period
# reads its whole days there and its partial days at either edge from
# ``posts`` (as SQLite's author and entity rollups). Each is a SummingMergeTree
# kept by a materialized view in the same insert as the posts, and each row
# written adds itself and takes out the version it replaces (``prev_*``), so
# sums are exact before merges, with updates; a key whose sums fall to zero
# is dropped by a merge, and reads keep only keys whose posts sum above zero.

# Per author-day: posts and engagement, keyed also by the follower count and
# name the posts carried, so the largest of each among the posts still there
# is exact when an update lowers a follower count.
AUTHOR_ROLLUP = """
CREATE TABLE IF NOT EXISTS author_rollup (
    day Int64,
    platform LowCardinality(String),
    handle String,
    followers Int64,
    named UInt8,
    name String,
    posts Int64,
    engagement Int64
) ENGINE = SummingMergeTree((posts, engagement))
ORDER BY (day, platform, handle, followers, named, name)
"""

_AUTHOR_ROWS = """
SELECT intDiv(published_at, 86400) AS day, platform, author_handle AS handle,
       tupleElement(d, 1) AS followers, tupleElement(d, 2) AS named,
       tupleElement(d, 3) AS name, tupleElement(d, 4) AS posts,
       tupleElement(d, 5) AS engagement
FROM posts ARRAY JOIN arrayFilter(x -> tupleElement(x, 4) != 0, [
    (ifNull(author_followers, 0), toUInt8(isNotNull(author_name)), ifNull(author_name, ''),
     toInt64(1), likes + shares + replies),
    (prev_reach, toUInt8(isNotNull(prev_author_name)), ifNull(prev_author_name, ''),
     -toInt64(prev_posts), -prev_engagement)
]) AS d
"""

# Per day, kind (hashtags in ASCII lower case, as SQLite's lower(); domains)
# and value: the posts holding it (once per post) and their engagement.
ENTITY_ROLLUP = """
CREATE TABLE IF NOT EXISTS entity_rollup (
    kind LowCardinality(String),
    day Int64,
    value String,
    posts Int64,
    engagement Int64
) ENGINE = SummingMergeTree((posts, engagement))
ORDER BY (kind, day, value)
"""

_ENTITY_ROWS = """
SELECT tupleElement(d, 1) AS kind, intDiv(published_at, 86400) AS day,
       tupleElement(d, 2) AS value, tupleElement(d, 3) AS posts,
       tupleElement(d, 4) AS engagement
FROM posts ARRAY JOIN arrayConcat(
    arrayMap(v -> ('hashtags', v, toInt64(1), likes + shares + replies),
             arrayDistinct(arrayMap(x -> lower(x), hashtags))),
    arrayMap(v -> ('domains', v, toInt64(1), likes + shares + replies), arrayDistinct(domains)),
    arrayMap(v -> ('hashtags', v, -toInt64(prev_posts), -prev_engagement),
             arrayDistinct(arrayMap(x -> lower(x), prev_hashtags))),
    arrayMap(v -> ('domains', v, -toInt64(prev_posts), -prev_engagement),
             arrayDistinct(prev_domains))
) AS d
WHERE posts != 0
"""

# Per day, story cluster and platform: posts, reach and engagement.
CLUSTER_ROLLUP = """
CREATE TABLE IF NOT EXISTS cluster_rollup (
    day Int64,
    cluster_id String,
    platform LowCardinality(String),
    posts Int64,
    reach Int64,
    engagement Int64
) ENGINE = SummingMergeTree((posts, reach, engagement))
ORDER BY (day, cluster_id, platform)
"""

_CLUSTER_ROWS = """
SELECT day, tupleElement(d, 1) AS cluster_id, pf AS platform, tupleElement(d, 2) AS posts,
       tupleElement(d, 3) AS reach, tupleElement(d, 4) AS engagement
FROM (
    SELECT intDiv(published_at, 86400) AS day, platform AS pf,
           arrayJoin(arrayFilter(x -> tupleElement(x, 2) != 0, [
               (ifNull(cluster_id, ''), toInt64(isNotNull(cluster_id)),
                ifNull(author_followers, 0), likes + shares + replies),
               (ifNull(prev_cluster_id, ''), if(isNull(prev_cluster_id), 0, -toInt64(prev_posts)),
                -prev_reach, -prev_engagement)
           ])) AS d
    FROM posts
)
"""

# Per 64-bit hash of a stored post's id, and of its canonical URL
# (``halfMD5``, which Python's hashlib computes too: :func:`key_hash`), the
# UTC days of the posts that carry it. Ingest asks it which posts of a batch
# are stored before it reads them from ``posts``: a batch of new posts then
# reads ``posts`` not at all, and a batch of stored ones only their days
# there. ``posts`` alone cannot answer this fast: it is ordered by day, so
# an id is looked up through its bloom filter index, and with thousands of
# ids probed every granule's filter answers "maybe" (at 10M posts, a batch
# of 20,000 new ids read the ``id`` column of every granule: 0.2 to 2.3 s).
# Written by a view like the rollups (first sightings only: an update keeps
# the post's id, URL and day), and taken out like them by an erasure; a
# retention purge deletes its days before the cutoff. A hash found here
# is a hint (a collision, or a post erased before a merge, makes ``posts``
# read for nothing); a post is stored only if ``posts`` holds it.
POST_KEYS = """
CREATE TABLE IF NOT EXISTS post_keys (
    key_hash UInt64,
    day Int64,
    posts Int64
) ENGINE = SummingMergeTree((posts))
ORDER BY (key_hash, day)
SETTINGS index_granularity = 1024
"""

_POST_KEY_ROWS = """
SELECT key_hash, intDiv(published_at, 86400) AS day, toInt64(1) AS posts
FROM posts ARRAY JOIN arrayConcat(
    [halfMD5(id)], if(isNull(canonical_url), [], [halfMD5(assumeNotNull(canonical_url))])
) AS key_hash
WHERE prev_posts = 0
"""


def key_hash(key: str) -> int:
    """``halfMD5(key)`` as ClickHouse computes it (the first 8 bytes of the
    MD5, big-endian): the ``key_hash`` of a post id or canonical URL."""
    return int.from_bytes(hashlib.md5(key.encode()).digest()[:8], "big")


# (table, its DDL, the rows a post version adds, which its view inserts): a
# store made before a rollup existed fills it once from ``posts FINAL``, by
# position: each SELECT above lists the table's columns in order.
ROLLUPS = (
    ("author_rollup", AUTHOR_ROLLUP, _AUTHOR_ROWS),
    ("entity_rollup", ENTITY_ROLLUP, _ENTITY_ROWS),
    ("cluster_rollup", CLUSTER_ROLLUP, _CLUSTER_ROWS),
    ("post_keys", POST_KEYS, _POST_KEY_ROWS),
)


def rollup_view(table: str, rows: str) -> str:
    return f"CREATE MATERIALIZED VIEW IF NOT EXISTS {table}_view TO {table} AS {rows}"


# The columns the rollup view reads and writes since schema 12 (and 13), given to a
# store made before ahead of the view's DDL (ClickHouse checks a view's
# columns even where one of that name exists: an older store failed to open).
# Its old view is made again by the upgrade (``upgrade._counts_given``).
VIEW_COLUMNS = (
    *(f"ALTER TABLE posts ADD COLUMN IF NOT EXISTS {column}" for column in ADDED_COLUMNS),
    "ALTER TABLE post_rollup ADD COLUMN IF NOT EXISTS counted Int64",
    "ALTER TABLE post_rollup ADD COLUMN IF NOT EXISTS followed Int64",
)

# What a store made by an older veille is given on open, before its upgrade
# (:mod:`veille.store.clickhouse.upgrade`) makes the rest: its rollups,
# filled from its posts.
TABLES = (
    POSTS, POST_ROLLUP, *VIEW_COLUMNS, POST_ROLLUP_VIEW, TOPIC_FILINGS, TOPIC_PURGED,
    ENTITY_PURGED, TOPIC_SYNC, AUTHOR_LINKS, META, FORGOTTEN,
)  # fmt: skip


def newest_tables() -> tuple[str, ...]:
    """Every table and view of a store at :data:`SCHEMA_VERSION`, in an
    order where each view comes after what it reads and writes: a new store
    is made of these at once, where made old and upgraded it ran 127
    statements (4 to 5 s on a loaded machine, against 0.5 for a reopen).
    ``veille_meta`` comes first: a store whose making stopped midway holds
    no schema there, and the next open upgrades it from schema 0, which
    ends the same (``upgrade``)."""
    rollups = (s for table, ddl, rows in ROLLUPS for s in (ddl, rollup_view(table, rows)))
    return (
        META, POSTS, POST_ROLLUP, POST_ROLLUP_VIEW, TOPIC_FILINGS, TOPIC_PURGED, ENTITY_PURGED,
        TOPIC_SYNC, AUTHOR_LINKS, FORGOTTEN, *rollups,
    )  # fmt: skip
