-- Hashtags (lower-cased) and link domains: posts holding each (once per
-- post) and the engagement those posts earned, per quarter-hour (kind
-- 'hashtags', bucket = published_at / 900) and per UTC day ('hashtags@day',
-- bucket = published_at / 86400). A period reads whole UTC days from the day
-- rows and its edges from the quarter rows: exact in every time zone, and a
-- month is ~30 day rows per value instead of ~2,900. Kept exact by triggers
-- like post_rollup. Generated; read by veille.analytics.tops.
CREATE TABLE entity_rollup (
    kind TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    value TEXT NOT NULL,
    posts INTEGER NOT NULL,
    engagement INTEGER NOT NULL,
    PRIMARY KEY (kind, bucket, value)
) WITHOUT ROWID;

INSERT INTO entity_rollup
SELECT 'hashtags', bucket, v, count(*), sum(e) FROM (
    SELECT DISTINCT p.pk, p.published_at / 900 AS bucket, lower(j.value) AS v,
           p.likes + p.shares + p.replies AS e
    FROM posts p, json_each(CASE WHEN p.hashtags != '' AND json_valid('["' || replace(replace(replace(p.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(p.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j
) GROUP BY 2, 3
UNION ALL
SELECT 'hashtags@day', bucket, v, count(*), sum(e) FROM (
    SELECT DISTINCT p.pk, p.published_at / 86400 AS bucket, lower(j.value) AS v,
           p.likes + p.shares + p.replies AS e
    FROM posts p, json_each(CASE WHEN p.hashtags != '' AND json_valid('["' || replace(replace(replace(p.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(p.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j
) GROUP BY 2, 3
UNION ALL
SELECT 'domains', bucket, v, count(*), sum(e) FROM (
    SELECT DISTINCT p.pk, p.published_at / 900 AS bucket, j.value AS v,
           p.likes + p.shares + p.replies AS e
    FROM posts p, json_each(CASE WHEN p.domains != '' AND json_valid('["' || replace(replace(replace(p.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(p.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j
) GROUP BY 2, 3
UNION ALL
SELECT 'domains@day', bucket, v, count(*), sum(e) FROM (
    SELECT DISTINCT p.pk, p.published_at / 86400 AS bucket, j.value AS v,
           p.likes + p.shares + p.replies AS e
    FROM posts p, json_each(CASE WHEN p.domains != '' AND json_valid('["' || replace(replace(replace(p.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(p.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j
) GROUP BY 2, 3;

CREATE TRIGGER entity_rollup_insert AFTER INSERT ON posts
WHEN NEW.hashtags != '' OR NEW.domains != ''
BEGIN
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'hashtags', NEW.published_at / 900, v, 1, (NEW.likes + NEW.shares + NEW.replies)
    FROM (SELECT DISTINCT lower(j.value) AS v FROM json_each(CASE WHEN NEW.hashtags != '' AND json_valid('["' || replace(replace(replace(NEW.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(NEW.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'hashtags@day', NEW.published_at / 86400, v, 1, (NEW.likes + NEW.shares + NEW.replies)
    FROM (SELECT DISTINCT lower(j.value) AS v FROM json_each(CASE WHEN NEW.hashtags != '' AND json_valid('["' || replace(replace(replace(NEW.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(NEW.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'domains', NEW.published_at / 900, v, 1, (NEW.likes + NEW.shares + NEW.replies)
    FROM (SELECT DISTINCT j.value AS v FROM json_each(CASE WHEN NEW.domains != '' AND json_valid('["' || replace(replace(replace(NEW.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(NEW.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'domains@day', NEW.published_at / 86400, v, 1, (NEW.likes + NEW.shares + NEW.replies)
    FROM (SELECT DISTINCT j.value AS v FROM json_each(CASE WHEN NEW.domains != '' AND json_valid('["' || replace(replace(replace(NEW.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(NEW.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
END;

CREATE TRIGGER entity_rollup_delete AFTER DELETE ON posts
WHEN OLD.hashtags != '' OR OLD.domains != ''
BEGIN
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'hashtags', OLD.published_at / 900, v, -1, -(OLD.likes + OLD.shares + OLD.replies)
    FROM (SELECT DISTINCT lower(j.value) AS v FROM json_each(CASE WHEN OLD.hashtags != '' AND json_valid('["' || replace(replace(replace(OLD.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(OLD.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'hashtags@day', OLD.published_at / 86400, v, -1, -(OLD.likes + OLD.shares + OLD.replies)
    FROM (SELECT DISTINCT lower(j.value) AS v FROM json_each(CASE WHEN OLD.hashtags != '' AND json_valid('["' || replace(replace(replace(OLD.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(OLD.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'domains', OLD.published_at / 900, v, -1, -(OLD.likes + OLD.shares + OLD.replies)
    FROM (SELECT DISTINCT j.value AS v FROM json_each(CASE WHEN OLD.domains != '' AND json_valid('["' || replace(replace(replace(OLD.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(OLD.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'domains@day', OLD.published_at / 86400, v, -1, -(OLD.likes + OLD.shares + OLD.replies)
    FROM (SELECT DISTINCT j.value AS v FROM json_each(CASE WHEN OLD.domains != '' AND json_valid('["' || replace(replace(replace(OLD.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(OLD.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
END;

CREATE TRIGGER entity_rollup_update AFTER UPDATE OF
    published_at, hashtags, domains, likes, shares, replies
ON posts
WHEN (OLD.hashtags != '' OR OLD.domains != '' OR NEW.hashtags != '' OR NEW.domains != '')
  AND (OLD.published_at IS NOT NEW.published_at
  OR OLD.hashtags IS NOT NEW.hashtags
  OR OLD.domains IS NOT NEW.domains
  OR OLD.likes IS NOT NEW.likes
  OR OLD.shares IS NOT NEW.shares
  OR OLD.replies IS NOT NEW.replies)
BEGIN
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'hashtags', OLD.published_at / 900, v, -1, -(OLD.likes + OLD.shares + OLD.replies)
    FROM (SELECT DISTINCT lower(j.value) AS v FROM json_each(CASE WHEN OLD.hashtags != '' AND json_valid('["' || replace(replace(replace(OLD.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(OLD.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'hashtags@day', OLD.published_at / 86400, v, -1, -(OLD.likes + OLD.shares + OLD.replies)
    FROM (SELECT DISTINCT lower(j.value) AS v FROM json_each(CASE WHEN OLD.hashtags != '' AND json_valid('["' || replace(replace(replace(OLD.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(OLD.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'domains', OLD.published_at / 900, v, -1, -(OLD.likes + OLD.shares + OLD.replies)
    FROM (SELECT DISTINCT j.value AS v FROM json_each(CASE WHEN OLD.domains != '' AND json_valid('["' || replace(replace(replace(OLD.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(OLD.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'domains@day', OLD.published_at / 86400, v, -1, -(OLD.likes + OLD.shares + OLD.replies)
    FROM (SELECT DISTINCT j.value AS v FROM json_each(CASE WHEN OLD.domains != '' AND json_valid('["' || replace(replace(replace(OLD.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(OLD.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'hashtags', NEW.published_at / 900, v, 1, (NEW.likes + NEW.shares + NEW.replies)
    FROM (SELECT DISTINCT lower(j.value) AS v FROM json_each(CASE WHEN NEW.hashtags != '' AND json_valid('["' || replace(replace(replace(NEW.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(NEW.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'hashtags@day', NEW.published_at / 86400, v, 1, (NEW.likes + NEW.shares + NEW.replies)
    FROM (SELECT DISTINCT lower(j.value) AS v FROM json_each(CASE WHEN NEW.hashtags != '' AND json_valid('["' || replace(replace(replace(NEW.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(NEW.hashtags, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'domains', NEW.published_at / 900, v, 1, (NEW.likes + NEW.shares + NEW.replies)
    FROM (SELECT DISTINCT j.value AS v FROM json_each(CASE WHEN NEW.domains != '' AND json_valid('["' || replace(replace(replace(NEW.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(NEW.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
    INSERT INTO entity_rollup (kind, bucket, value, posts, engagement)
    SELECT 'domains@day', NEW.published_at / 86400, v, 1, (NEW.likes + NEW.shares + NEW.replies)
    FROM (SELECT DISTINCT j.value AS v FROM json_each(CASE WHEN NEW.domains != '' AND json_valid('["' || replace(replace(replace(NEW.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]') THEN '["' || replace(replace(replace(NEW.domains, '\', '\\'), '"', '\"'), ' ', '","') || '"]' ELSE '[]' END) AS j)
    WHERE true
    ON CONFLICT (kind, bucket, value) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement;
END;
