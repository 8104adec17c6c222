-- A new ClickHouse store as veille 00e4acf0 (2026-12-05) made it (as did 660bd308): schema 11;
-- SHOW CREATE TABLE of each table and view, then its veille_meta.
-- Read by tests/store/test_clickhouse_schemas.py.

CREATE TABLE author_links
(
    `platform_a` String,
    `handle_a` String,
    `platform_b` String,
    `handle_b` String,
    `decision` String,
    `evidence` String,
    `decided_at` Int64,
    `version` UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (platform_a, handle_a, platform_b, handle_b)
SETTINGS index_granularity = 8192;

CREATE TABLE author_rollup
(
    `day` Int64,
    `platform` LowCardinality(String),
    `handle` String,
    `followers` Int64,
    `named` UInt8,
    `name` String,
    `posts` Int64,
    `engagement` Int64
)
ENGINE = SummingMergeTree((posts, engagement))
ORDER BY (day, platform, handle, followers, named, name)
SETTINGS index_granularity = 8192;

CREATE TABLE cluster_rollup
(
    `day` Int64,
    `cluster_id` String,
    `platform` LowCardinality(String),
    `posts` Int64,
    `reach` Int64,
    `engagement` Int64
)
ENGINE = SummingMergeTree((posts, reach, engagement))
ORDER BY (day, cluster_id, platform)
SETTINGS index_granularity = 8192;

CREATE TABLE entity_rollup
(
    `kind` LowCardinality(String),
    `day` Int64,
    `value` String,
    `posts` Int64,
    `engagement` Int64
)
ENGINE = SummingMergeTree((posts, engagement))
ORDER BY (kind, day, value)
SETTINGS index_granularity = 8192;

CREATE TABLE forgotten
(
    `kind` LowCardinality(String),
    `key` String,
    `erased_at` Int64
)
ENGINE = MergeTree
ORDER BY (kind, key)
SETTINGS index_granularity = 8192;

CREATE TABLE post_keys
(
    `key_hash` UInt64,
    `day` Int64,
    `posts` Int64
)
ENGINE = SummingMergeTree((posts))
ORDER BY (key_hash, day)
SETTINGS index_granularity = 1024;

CREATE TABLE post_rollup
(
    `bucket` Int64,
    `platform` LowCardinality(String),
    `lang` LowCardinality(String),
    `country` LowCardinality(String),
    `sentiment` LowCardinality(String),
    `posts` Int64,
    `engagement` Int64,
    `reach` Int64
)
ENGINE = SummingMergeTree
ORDER BY (bucket, platform, lang, country, sentiment)
SETTINGS index_granularity = 8192;

CREATE TABLE posts
(
    `id` String,
    `seq` UInt64,
    `version` UInt64,
    `platform` LowCardinality(String),
    `native_id` String,
    `source` Nullable(String),
    `url` Nullable(String),
    `canonical_url` Nullable(String),
    `author_handle` String,
    `author_name` Nullable(String),
    `author_url` Nullable(String),
    `author_followers` Nullable(Int64),
    `author_id` Nullable(String),
    `title` Nullable(String),
    `text` String,
    `lang` Nullable(String),
    `country` Nullable(String),
    `published_at` Int64,
    `collected_at` Nullable(Int64),
    `likes` Int64,
    `shares` Int64,
    `replies` Int64,
    `views` Nullable(Int64),
    `parent_id` Nullable(String),
    `thread_id` Nullable(String),
    `repost_of` Nullable(String),
    `hashtags` Array(String),
    `mentions` Array(String),
    `links` Array(String),
    `domains` Array(String),
    `media` Array(String),
    `keywords` Array(String),
    `sentiment` LowCardinality(Nullable(String)),
    `sentiment_score` Nullable(Float64),
    `sentiment_confidence` Nullable(Float64),
    `sentiment_source` LowCardinality(Nullable(String)),
    `cluster_id` Nullable(String),
    `content_hash` String,
    `raw` String,
    `title_f` String,
    `text_f` String,
    `tags_f` Array(String),
    `mentions_f` Array(String),
    `author_f` String,
    `hosts` Array(String),
    `url_f` String,
    `links_f` Array(String),
    `lang_f` String,
    `platform_f` LowCardinality(String),
    `term_keys` Array(String),
    `term_forms` Array(String),
    `prev_posts` Int8 DEFAULT 0,
    `prev_lang` Nullable(String),
    `prev_sentiment` Nullable(String),
    `prev_engagement` Int64 DEFAULT 0,
    `prev_reach` Int64 DEFAULT 0,
    `prev_author_name` Nullable(String),
    `prev_hashtags` Array(String),
    `prev_domains` Array(String),
    `prev_cluster_id` Nullable(String),
    INDEX title_words title_f TYPE text(tokenizer = splitByString([' '])) GRANULARITY 100000000,
    INDEX text_words text_f TYPE text(tokenizer = splitByString([' '])) GRANULARITY 100000000,
    INDEX by_id id TYPE bloom_filter GRANULARITY 1,
    INDEX by_url canonical_url TYPE bloom_filter GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(toDateTime64(greatest(-2208988800, least(published_at, 10413791999)), 0, 'UTC'))
ORDER BY (intDiv(published_at, 86400), id)
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;

CREATE TABLE topic_filings
(
    `topic_id` Int64,
    `published_at` Int64,
    `post_id` String,
    `filed` UInt8,
    `version` UInt128,
    `seq` UInt64,
    `platform` LowCardinality(String),
    `source` Nullable(String),
    `author_handle` String,
    `author_name` Nullable(String),
    `author_followers` Nullable(Int64),
    `lang` Nullable(String),
    `country` Nullable(String),
    `likes` Int64,
    `shares` Int64,
    `replies` Int64,
    `hashtags` Array(String),
    `mentions` Array(String),
    `links` Array(String),
    `domains` Array(String),
    `sentiment` LowCardinality(Nullable(String)),
    `cluster_id` Nullable(String),
    `id` String ALIAS post_id
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (topic_id, published_at, post_id)
SETTINGS index_granularity = 8192;

CREATE TABLE topic_purged
(
    `topic_id` Int64,
    `bucket` Int64,
    `posts` Int64,
    `engagement` Int64,
    `reach` Int64,
    `upto` Int64
)
ENGINE = MergeTree
ORDER BY (topic_id, bucket)
SETTINGS index_granularity = 8192;

CREATE TABLE topic_sync
(
    `topic_id` Int64,
    `version` Int64,
    `written` UInt64
)
ENGINE = ReplacingMergeTree(written)
ORDER BY topic_id
SETTINGS index_granularity = 8192;

CREATE TABLE veille_meta
(
    `key` String,
    `value` String,
    `version` UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY key
SETTINGS index_granularity = 8192;

CREATE MATERIALIZED VIEW author_rollup_view TO author_rollup
(
    `day` Int64,
    `platform` LowCardinality(String),
    `handle` String,
    `followers` Int64,
    `named` UInt8,
    `name` String,
    `posts` Int64,
    `engagement` Int64
)
AS SELECT
    intDiv(published_at, 86400) AS day,
    platform,
    author_handle AS handle,
    tupleElement(d, 1) AS followers,
    tupleElement(d, 2) AS named,
    tupleElement(d, 3) AS name,
    tupleElement(d, 4) AS posts,
    tupleElement(d, 5) AS engagement
FROM posts
ARRAY JOIN arrayFilter(x -> (tupleElement(x, 4) != 0), [(ifNull(author_followers, 0), toUInt8(isNotNull(author_name)), ifNull(author_name, ''), toInt64(1), (likes + shares) + replies), (prev_reach, toUInt8(isNotNull(prev_author_name)), ifNull(prev_author_name, ''), -toInt64(prev_posts), -prev_engagement)]) AS d;

CREATE MATERIALIZED VIEW cluster_rollup_view TO cluster_rollup
(
    `day` Int64,
    `cluster_id` String,
    `platform` LowCardinality(String),
    `posts` Int64,
    `reach` Int64,
    `engagement` Int64
)
AS SELECT
    day,
    tupleElement(d, 1) AS cluster_id,
    pf AS platform,
    tupleElement(d, 2) AS posts,
    tupleElement(d, 3) AS reach,
    tupleElement(d, 4) AS engagement
FROM
(
    SELECT
        intDiv(published_at, 86400) AS day,
        platform AS pf,
        arrayJoin(arrayFilter(x -> (tupleElement(x, 2) != 0), [(ifNull(cluster_id, ''), toInt64(isNotNull(cluster_id)), ifNull(author_followers, 0), (likes + shares) + replies), (ifNull(prev_cluster_id, ''), if(isNull(prev_cluster_id), 0, -toInt64(prev_posts)), -prev_reach, -prev_engagement)])) AS d
    FROM posts
);

CREATE MATERIALIZED VIEW entity_rollup_view TO entity_rollup
(
    `kind` String,
    `day` Int64,
    `value` String,
    `posts` Int64,
    `engagement` Int64
)
AS SELECT
    tupleElement(d, 1) AS kind,
    intDiv(published_at, 86400) AS day,
    tupleElement(d, 2) AS value,
    tupleElement(d, 3) AS posts,
    tupleElement(d, 4) AS engagement
FROM posts
ARRAY JOIN arrayConcat(arrayMap(v -> ('hashtags', v, toInt64(1), (likes + shares) + replies), arrayDistinct(arrayMap(x -> lower(x), hashtags))), arrayMap(v -> ('domains', v, toInt64(1), (likes + shares) + replies), arrayDistinct(domains)), arrayMap(v -> ('hashtags', v, -toInt64(prev_posts), -prev_engagement), arrayDistinct(arrayMap(x -> lower(x), prev_hashtags))), arrayMap(v -> ('domains', v, -toInt64(prev_posts), -prev_engagement), arrayDistinct(prev_domains))) AS d
WHERE posts != 0;

CREATE MATERIALIZED VIEW post_keys_view TO post_keys
(
    `key_hash` UInt64,
    `day` Int64,
    `posts` Int64
)
AS SELECT
    key_hash,
    intDiv(published_at, 86400) AS day,
    toInt64(1) AS posts
FROM posts
ARRAY JOIN arrayConcat([halfMD5(id)], if(isNull(canonical_url), [], [halfMD5(assumeNotNull(canonical_url))])) AS key_hash
WHERE prev_posts = 0;

CREATE MATERIALIZED VIEW post_rollup_view TO post_rollup
(
    `bucket` Int64,
    `platform` LowCardinality(String),
    `lang` String,
    `country` String,
    `sentiment` String,
    `posts` Int64,
    `engagement` Int64,
    `reach` Int64
)
AS SELECT
    b AS bucket,
    pf AS platform,
    tupleElement(d, 1) AS lang,
    c AS country,
    tupleElement(d, 2) AS sentiment,
    tupleElement(d, 3) AS posts,
    tupleElement(d, 4) AS engagement,
    tupleElement(d, 5) AS reach
FROM
(
    SELECT
        intDiv(published_at, 900) AS b,
        platform AS pf,
        ifNull(country, '') AS c,
        arrayJoin(arrayFilter(x -> (tupleElement(x, 3) != 0), [(ifNull(lang, ''), ifNull(sentiment, ''), toInt64(1), (likes + shares) + replies, ifNull(author_followers, 0)), (ifNull(prev_lang, ''), ifNull(prev_sentiment, ''), -toInt64(prev_posts), -prev_engagement, -prev_reach)])) AS d
    FROM posts
);

INSERT INTO veille_meta (key, value, version) VALUES ('rollup_filled:author_rollup', 'done', 1), ('rollup_filled:cluster_rollup', 'done', 1), ('rollup_filled:entity_rollup', 'done', 1), ('rollup_filled:post_keys', 'done', 1), ('schema', '11', 1), ('terms_version', '1.simplemma-2.0.0.stop-words-2025.11.4', 1);
