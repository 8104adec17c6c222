-- Source rollup: per saved topic, UTC day (published_at / 86400), platform
-- and source, the posts filed under the topic and their engagement (likes +
-- shares + replies). The dashboard's uneven-sources check (which source
-- brought a compared topic's posts, and which brought none) read every post
-- of each topic over the period, 73 ms of a first view's 127 at 1M posts; it
-- now reads whole UTC days here and the partial days at the edges of a local
-- period from the posts (veille.store.sqlite.analytics_sources), the answer a
-- count of the posts gives.
--
-- It counts the posts held, always: filing adds to it where topic_rollup is
-- added to (veille.store.sqlite.topics.file_filings, grouped), and these
-- triggers take out a post unfiled, deleted (an erasure, and a retention
-- purge too: unlike the volume rollups, it keeps nothing of posts gone, as a
-- count of the posts would not) or moved, and follow its counts. A row whose
-- posts fall to 0 is deleted. tests/analytics/test_source_rollup.py recounts it.
CREATE TABLE source_rollup (
    topic_id INTEGER NOT NULL,
    day INTEGER NOT NULL,          -- published_at / 86400 (UTC)
    platform TEXT NOT NULL,
    source TEXT NOT NULL,          -- coalesce(posts.source, '')
    posts INTEGER NOT NULL,
    engagement INTEGER NOT NULL,
    PRIMARY KEY (topic_id, day, platform, source)
) WITHOUT ROWID;

INSERT INTO source_rollup
SELECT t.topic_id, p.published_at / 86400, p.platform, coalesce(p.source, ''), count(*),
       sum(p.likes + p.shares + p.replies)
FROM post_topics t JOIN posts p ON p.pk = t.post_pk GROUP BY 1, 2, 3, 4;

-- A post leaving a topic, the post still stored (when the post is deleted,
-- source_rollup_post_deleted took it out before and this finds no post).
CREATE TRIGGER source_rollup_unfiled AFTER DELETE ON post_topics BEGIN
    UPDATE source_rollup SET posts = posts - 1,
        engagement = engagement - (x.likes + x.shares + x.replies)
    FROM (SELECT published_at, platform, source, likes, shares, replies FROM posts
          WHERE pk = OLD.post_pk) AS x
    WHERE source_rollup.topic_id = OLD.topic_id AND source_rollup.day = x.published_at / 86400
      AND source_rollup.platform = x.platform AND source_rollup.source = coalesce(x.source, '');
    DELETE FROM source_rollup WHERE posts <= 0 AND topic_id = OLD.topic_id
      AND (day, platform, source) = (SELECT x.published_at / 86400, x.platform,
          coalesce(x.source, '') FROM posts x WHERE x.pk = OLD.post_pk);
END;

-- Before the delete, while the post's topics can still be read.
CREATE TRIGGER source_rollup_post_deleted BEFORE DELETE ON posts BEGIN
    UPDATE source_rollup SET posts = posts - 1,
        engagement = engagement - (OLD.likes + OLD.shares + OLD.replies)
    WHERE topic_id IN (SELECT topic_id FROM post_topics WHERE post_pk = OLD.pk)
      AND day = OLD.published_at / 86400 AND platform = OLD.platform
      AND source = coalesce(OLD.source, '');
    DELETE FROM source_rollup WHERE posts <= 0
      AND topic_id IN (SELECT topic_id FROM post_topics WHERE post_pk = OLD.pk)
      AND day = OLD.published_at / 86400 AND platform = OLD.platform
      AND source = coalesce(OLD.source, '');
END;

-- Its counts changed (a post seen again), same day, platform and source.
CREATE TRIGGER source_rollup_post_changed AFTER UPDATE OF
    published_at, platform, source, likes, shares, replies
ON posts
WHEN NEW.published_at / 86400 = OLD.published_at / 86400 AND NEW.platform = OLD.platform
  AND NEW.source IS OLD.source
  AND (OLD.likes IS NOT NEW.likes OR OLD.shares IS NOT NEW.shares OR OLD.replies IS NOT NEW.replies)
BEGIN
    UPDATE source_rollup SET engagement = engagement
        + (NEW.likes + NEW.shares + NEW.replies) - (OLD.likes + OLD.shares + OLD.replies)
    WHERE topic_id IN (SELECT topic_id FROM post_topics WHERE post_pk = NEW.pk)
      AND day = NEW.published_at / 86400 AND platform = NEW.platform
      AND source = coalesce(NEW.source, '');
END;

-- Moved to another day, platform or source: out of the old row, into the new.
CREATE TRIGGER source_rollup_post_moved AFTER UPDATE OF
    published_at, platform, source, likes, shares, replies
ON posts
WHEN NOT (NEW.published_at / 86400 = OLD.published_at / 86400 AND NEW.platform = OLD.platform
  AND NEW.source IS OLD.source)
BEGIN
    UPDATE source_rollup SET posts = posts - 1,
        engagement = engagement - (OLD.likes + OLD.shares + OLD.replies)
    WHERE topic_id IN (SELECT topic_id FROM post_topics WHERE post_pk = OLD.pk)
      AND day = OLD.published_at / 86400 AND platform = OLD.platform
      AND source = coalesce(OLD.source, '');
    DELETE FROM source_rollup WHERE posts <= 0
      AND topic_id IN (SELECT topic_id FROM post_topics WHERE post_pk = OLD.pk)
      AND day = OLD.published_at / 86400 AND platform = OLD.platform
      AND source = coalesce(OLD.source, '');
    INSERT INTO source_rollup (topic_id, day, platform, source, posts, engagement)
    SELECT t.topic_id, NEW.published_at / 86400, NEW.platform, coalesce(NEW.source, ''), 1,
           NEW.likes + NEW.shares + NEW.replies
    FROM post_topics t WHERE t.post_pk = NEW.pk
    ON CONFLICT (topic_id, day, platform, source) DO UPDATE SET
        posts = posts + excluded.posts, engagement = engagement + excluded.engagement;
END;
