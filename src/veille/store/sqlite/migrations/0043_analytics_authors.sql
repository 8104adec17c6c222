-- Author rollup: per UTC day (day = published_at / 86400), platform and author
-- handle, the posts, engagement (likes + shares + replies), largest follower
-- count, largest author_name and sentiment counts, over every post (topic_id 0)
-- and over the posts filed under each topic (post_topics). Top authors and the
-- distinct-author count of a period read whole UTC days from here and the
-- partial days at its edges from posts (veille.analytics.authors); a topic's
-- overall sentiment too. Kept exact by triggers under late-arriving posts,
-- updated counts, corrected sentiment, posts filed or unfiled, and deletions:
-- sums are adjusted, and a maximum is recomputed from the posts of that
-- author-day (posts_platform_published) only when the post that held it goes
-- or shrinks. Generated; tests/analytics/test_author_rollup.py recounts it.
CREATE TABLE author_rollup (
    topic_id INTEGER NOT NULL,    -- 0: every post
    day INTEGER NOT NULL,         -- published_at / 86400 (UTC)
    platform TEXT NOT NULL,
    handle TEXT NOT NULL,
    posts INTEGER NOT NULL,
    engagement INTEGER NOT NULL,
    followers INTEGER NOT NULL,   -- max(coalesce(author_followers, 0))
    name TEXT,                    -- max(author_name)
    positive INTEGER NOT NULL,
    negative INTEGER NOT NULL,
    neutral INTEGER NOT NULL,
    PRIMARY KEY (topic_id, day, platform, handle)
) WITHOUT ROWID;

INSERT INTO author_rollup
SELECT 0, p.published_at / 86400, p.platform, p.author_handle, count(*), sum((p.likes + p.shares + p.replies)),
       max(coalesce(p.author_followers, 0)), max(p.author_name), sum((p.sentiment IS 'positive')),
       sum((p.sentiment IS 'negative')), sum((p.sentiment IS 'neutral'))
FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT t.topic_id, p.published_at / 86400, p.platform, p.author_handle, count(*), sum((p.likes + p.shares + p.replies)),
       max(coalesce(p.author_followers, 0)), max(p.author_name), sum((p.sentiment IS 'positive')),
       sum((p.sentiment IS 'negative')), sum((p.sentiment IS 'neutral'))
FROM post_topics t JOIN posts p ON p.pk = t.post_pk GROUP BY 1, 2, 3, 4;

CREATE TRIGGER author_rollup_insert AFTER INSERT ON posts BEGIN
    INSERT INTO author_rollup VALUES (0, NEW.published_at / 86400, NEW.platform, NEW.author_handle, 1, (NEW.likes + NEW.shares + NEW.replies), coalesce(NEW.author_followers, 0), NEW.author_name,
        (NEW.sentiment IS 'positive'), (NEW.sentiment IS 'negative'), (NEW.sentiment IS 'neutral'))
    ON CONFLICT (topic_id, day, platform, handle) DO UPDATE SET posts = posts + excluded.posts, engagement = engagement + excluded.engagement,
        followers = max(followers, excluded.followers),
        name = coalesce(max(name, excluded.name), name, excluded.name),
        positive = positive + excluded.positive, negative = negative + excluded.negative,
        neutral = neutral + excluded.neutral;
END;

CREATE TRIGGER author_rollup_filed AFTER INSERT ON post_topics BEGIN
    INSERT INTO author_rollup
    SELECT NEW.topic_id, p.published_at / 86400, p.platform, p.author_handle, 1, (p.likes + p.shares + p.replies), coalesce(p.author_followers, 0), p.author_name,
        (p.sentiment IS 'positive'), (p.sentiment IS 'negative'), (p.sentiment IS 'neutral')
    FROM posts p WHERE p.pk = NEW.post_pk
    ON CONFLICT (topic_id, day, platform, handle) DO UPDATE SET posts = posts + excluded.posts, engagement = engagement + excluded.engagement,
        followers = max(followers, excluded.followers),
        name = coalesce(max(name, excluded.name), name, excluded.name),
        positive = positive + excluded.positive, negative = negative + excluded.negative,
        neutral = neutral + excluded.neutral;
END;

-- A post leaving a topic (the post itself still stored; when the post is
-- deleted, author_rollup_post_deleted has already taken it out).
CREATE TRIGGER author_rollup_unfiled AFTER DELETE ON post_topics BEGIN
    UPDATE author_rollup SET posts = posts - 1, engagement = engagement - (x.likes + x.shares + x.replies),
        positive = positive - (x.sentiment IS 'positive'), negative = negative - (x.sentiment IS 'negative'),
        neutral = neutral - (x.sentiment IS 'neutral'),
        followers = CASE WHEN coalesce(x.author_followers, 0) < followers THEN followers ELSE coalesce(
            (SELECT max(coalesce(q.author_followers, 0)) FROM posts q WHERE q.platform = x.platform AND q.author_handle = x.author_handle
              AND q.published_at >= x.published_at / 86400 * 86400 AND q.published_at < x.published_at / 86400 * 86400 + 86400 AND q.pk != x.pk
              AND (author_rollup.topic_id = 0 OR EXISTS (SELECT 1 FROM post_topics t
                   WHERE t.post_pk = q.pk AND t.topic_id = author_rollup.topic_id))), 0) END,
        name = CASE WHEN x.author_name IS NULL OR x.author_name < name THEN name ELSE
            (SELECT max(q.author_name) FROM posts q WHERE q.platform = x.platform AND q.author_handle = x.author_handle
              AND q.published_at >= x.published_at / 86400 * 86400 AND q.published_at < x.published_at / 86400 * 86400 + 86400 AND q.pk != x.pk
              AND (author_rollup.topic_id = 0 OR EXISTS (SELECT 1 FROM post_topics t
                   WHERE t.post_pk = q.pk AND t.topic_id = author_rollup.topic_id))) END
    FROM (SELECT * FROM posts WHERE pk = OLD.post_pk) AS x WHERE topic_id = OLD.topic_id AND author_rollup.day = x.published_at / 86400 AND author_rollup.platform = x.platform AND author_rollup.handle = x.author_handle;
    DELETE FROM author_rollup WHERE posts <= 0 AND topic_id = OLD.topic_id AND (day, platform, handle) = (SELECT x.published_at / 86400, x.platform, x.author_handle FROM posts x WHERE x.pk = OLD.post_pk);
END;

-- Before the delete, while the post's topics can still be read.
CREATE TRIGGER author_rollup_post_deleted BEFORE DELETE ON posts BEGIN
    UPDATE author_rollup SET posts = posts - 1, engagement = engagement - (OLD.likes + OLD.shares + OLD.replies),
        positive = positive - (OLD.sentiment IS 'positive'), negative = negative - (OLD.sentiment IS 'negative'),
        neutral = neutral - (OLD.sentiment IS 'neutral'),
        followers = CASE WHEN coalesce(OLD.author_followers, 0) < followers THEN followers ELSE coalesce(
            (SELECT max(coalesce(q.author_followers, 0)) FROM posts q WHERE q.platform = OLD.platform AND q.author_handle = OLD.author_handle
              AND q.published_at >= OLD.published_at / 86400 * 86400 AND q.published_at < OLD.published_at / 86400 * 86400 + 86400 AND q.pk != OLD.pk
              AND (author_rollup.topic_id = 0 OR EXISTS (SELECT 1 FROM post_topics t
                   WHERE t.post_pk = q.pk AND t.topic_id = author_rollup.topic_id))), 0) END,
        name = CASE WHEN OLD.author_name IS NULL OR OLD.author_name < name THEN name ELSE
            (SELECT max(q.author_name) FROM posts q WHERE q.platform = OLD.platform AND q.author_handle = OLD.author_handle
              AND q.published_at >= OLD.published_at / 86400 * 86400 AND q.published_at < OLD.published_at / 86400 * 86400 + 86400 AND q.pk != OLD.pk
              AND (author_rollup.topic_id = 0 OR EXISTS (SELECT 1 FROM post_topics t
                   WHERE t.post_pk = q.pk AND t.topic_id = author_rollup.topic_id))) END
    WHERE (topic_id = 0 OR topic_id IN (SELECT topic_id FROM post_topics WHERE post_pk = OLD.pk)) AND author_rollup.day = OLD.published_at / 86400 AND author_rollup.platform = OLD.platform AND author_rollup.handle = OLD.author_handle;
    DELETE FROM author_rollup WHERE posts <= 0 AND (topic_id = 0 OR topic_id IN (SELECT topic_id FROM post_topics WHERE post_pk = OLD.pk)) AND author_rollup.day = OLD.published_at / 86400 AND author_rollup.platform = OLD.platform AND author_rollup.handle = OLD.author_handle;
END;

-- Counts, followers, name or sentiment changed, same author-day.
CREATE TRIGGER author_rollup_post_changed AFTER UPDATE OF published_at, platform, author_handle, author_name, author_followers, likes, shares, replies, sentiment
ON posts
WHEN NEW.published_at / 86400 = OLD.published_at / 86400 AND NEW.platform = OLD.platform
  AND NEW.author_handle = OLD.author_handle
  AND (OLD.author_name IS NOT NEW.author_name OR OLD.author_followers IS NOT NEW.author_followers
       OR OLD.likes IS NOT NEW.likes OR OLD.shares IS NOT NEW.shares
       OR OLD.replies IS NOT NEW.replies OR OLD.sentiment IS NOT NEW.sentiment)
BEGIN
    UPDATE author_rollup SET engagement = engagement + (NEW.likes + NEW.shares + NEW.replies) - (OLD.likes + OLD.shares + OLD.replies),
        positive = positive + (NEW.sentiment IS 'positive') - (OLD.sentiment IS 'positive'),
        negative = negative + (NEW.sentiment IS 'negative') - (OLD.sentiment IS 'negative'),
        neutral = neutral + (NEW.sentiment IS 'neutral') - (OLD.sentiment IS 'neutral'),
        followers = CASE WHEN coalesce(NEW.author_followers, 0) >= followers THEN coalesce(NEW.author_followers, 0)
            WHEN coalesce(OLD.author_followers, 0) < followers THEN followers ELSE coalesce(
            (SELECT max(coalesce(q.author_followers, 0)) FROM posts q WHERE q.platform = NEW.platform AND q.author_handle = NEW.author_handle
              AND q.published_at >= NEW.published_at / 86400 * 86400 AND q.published_at < NEW.published_at / 86400 * 86400 + 86400
              AND (author_rollup.topic_id = 0 OR EXISTS (SELECT 1 FROM post_topics t
                   WHERE t.post_pk = q.pk AND t.topic_id = author_rollup.topic_id))), 0) END,
        name = CASE WHEN NEW.author_name IS NOT NULL AND (name IS NULL OR NEW.author_name >= name)
            THEN NEW.author_name WHEN OLD.author_name IS NULL OR OLD.author_name < name THEN name ELSE
            (SELECT max(q.author_name) FROM posts q WHERE q.platform = NEW.platform AND q.author_handle = NEW.author_handle
              AND q.published_at >= NEW.published_at / 86400 * 86400 AND q.published_at < NEW.published_at / 86400 * 86400 + 86400
              AND (author_rollup.topic_id = 0 OR EXISTS (SELECT 1 FROM post_topics t
                   WHERE t.post_pk = q.pk AND t.topic_id = author_rollup.topic_id))) END
    WHERE (topic_id = 0 OR topic_id IN (SELECT topic_id FROM post_topics WHERE post_pk = NEW.pk)) AND author_rollup.day = NEW.published_at / 86400 AND author_rollup.platform = NEW.platform AND author_rollup.handle = NEW.author_handle;
END;

-- Moved to another day, platform or handle: out of the old row, into the new.
CREATE TRIGGER author_rollup_post_moved AFTER UPDATE OF published_at, platform, author_handle, author_name, author_followers, likes, shares, replies, sentiment
ON posts
WHEN NOT (NEW.published_at / 86400 = OLD.published_at / 86400 AND NEW.platform = OLD.platform
  AND NEW.author_handle = OLD.author_handle)
BEGIN
    UPDATE author_rollup SET posts = posts - 1, engagement = engagement - (OLD.likes + OLD.shares + OLD.replies),
        positive = positive - (OLD.sentiment IS 'positive'), negative = negative - (OLD.sentiment IS 'negative'),
        neutral = neutral - (OLD.sentiment IS 'neutral'),
        followers = CASE WHEN coalesce(OLD.author_followers, 0) < followers THEN followers ELSE coalesce(
            (SELECT max(coalesce(q.author_followers, 0)) FROM posts q WHERE q.platform = OLD.platform AND q.author_handle = OLD.author_handle
              AND q.published_at >= OLD.published_at / 86400 * 86400 AND q.published_at < OLD.published_at / 86400 * 86400 + 86400 AND q.pk != OLD.pk
              AND (author_rollup.topic_id = 0 OR EXISTS (SELECT 1 FROM post_topics t
                   WHERE t.post_pk = q.pk AND t.topic_id = author_rollup.topic_id))), 0) END,
        name = CASE WHEN OLD.author_name IS NULL OR OLD.author_name < name THEN name ELSE
            (SELECT max(q.author_name) FROM posts q WHERE q.platform = OLD.platform AND q.author_handle = OLD.author_handle
              AND q.published_at >= OLD.published_at / 86400 * 86400 AND q.published_at < OLD.published_at / 86400 * 86400 + 86400 AND q.pk != OLD.pk
              AND (author_rollup.topic_id = 0 OR EXISTS (SELECT 1 FROM post_topics t
                   WHERE t.post_pk = q.pk AND t.topic_id = author_rollup.topic_id))) END
    WHERE (topic_id = 0 OR topic_id IN (SELECT topic_id FROM post_topics WHERE post_pk = OLD.pk)) AND author_rollup.day = OLD.published_at / 86400 AND author_rollup.platform = OLD.platform AND author_rollup.handle = OLD.author_handle;
    DELETE FROM author_rollup WHERE posts <= 0 AND (topic_id = 0 OR topic_id IN (SELECT topic_id FROM post_topics WHERE post_pk = OLD.pk)) AND author_rollup.day = OLD.published_at / 86400 AND author_rollup.platform = OLD.platform AND author_rollup.handle = OLD.author_handle;
    INSERT INTO author_rollup
    SELECT t.topic_id, NEW.published_at / 86400, NEW.platform, NEW.author_handle, 1, (NEW.likes + NEW.shares + NEW.replies), coalesce(NEW.author_followers, 0), NEW.author_name,
        (NEW.sentiment IS 'positive'), (NEW.sentiment IS 'negative'), (NEW.sentiment IS 'neutral')
    FROM (SELECT 0 AS topic_id UNION ALL SELECT topic_id FROM post_topics WHERE post_pk = NEW.pk) AS t
    WHERE true ON CONFLICT (topic_id, day, platform, handle) DO UPDATE SET posts = posts + excluded.posts, engagement = engagement + excluded.engagement,
        followers = max(followers, excluded.followers),
        name = coalesce(max(name, excluded.name), name, excluded.name),
        positive = positive + excluded.positive, negative = negative + excluded.negative,
        neutral = neutral + excluded.neutral;
END;
