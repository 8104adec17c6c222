-- Per-topic rollup: posts, engagement and reach per quarter-hour of the posts
-- filed under each topic (post_topics), so that share of voice and a topic's
-- volume never scan posts. Triggers follow post_topics rows coming and going
-- and the posts' counts changing. topic_sync records which version of each
-- topic's query post_topics was last completed for (veille.analytics.topics
-- files the posts stored before a topic existed, or before its last edit).
CREATE TABLE topic_rollup (
    topic_id INTEGER NOT NULL,
    bucket INTEGER NOT NULL,          -- published_at / 900
    posts INTEGER NOT NULL,
    engagement INTEGER NOT NULL,
    reach INTEGER NOT NULL,
    PRIMARY KEY (topic_id, bucket)
) WITHOUT ROWID;

CREATE TABLE topic_sync (
    topic_id INTEGER PRIMARY KEY REFERENCES topics (id) ON DELETE CASCADE,
    version INTEGER NOT NULL
);

INSERT INTO topic_rollup
SELECT t.topic_id, p.published_at / 900, count(*), sum(p.likes + p.shares + p.replies),
       sum(coalesce(p.author_followers, 0))
FROM post_topics t JOIN posts p ON p.pk = t.post_pk GROUP BY 1, 2;

CREATE TRIGGER topic_rollup_filed AFTER INSERT ON post_topics BEGIN
    INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach)
    SELECT NEW.topic_id, p.published_at / 900, 1, p.likes + p.shares + p.replies,
           coalesce(p.author_followers, 0)
    FROM posts p WHERE p.pk = NEW.post_pk
    ON CONFLICT (topic_id, bucket) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement, reach = reach + excluded.reach;
END;

-- A post leaving a topic (the post itself still stored).
CREATE TRIGGER topic_rollup_unfiled AFTER DELETE ON post_topics BEGIN
    INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach)
    SELECT OLD.topic_id, p.published_at / 900, -1, -(p.likes + p.shares + p.replies),
           -coalesce(p.author_followers, 0)
    FROM posts p WHERE p.pk = OLD.post_pk
    ON CONFLICT (topic_id, bucket) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement, reach = reach + excluded.reach;
END;

-- A deleted post: its post_topics rows go by cascade once the post is gone,
-- so its topics are subtracted here, while they can still be read.
CREATE TRIGGER topic_rollup_post_deleted BEFORE DELETE ON posts BEGIN
    INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach)
    SELECT t.topic_id, OLD.published_at / 900, -1, -(OLD.likes + OLD.shares + OLD.replies),
           -coalesce(OLD.author_followers, 0)
    FROM post_topics t WHERE t.post_pk = OLD.pk
    ON CONFLICT (topic_id, bucket) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement, reach = reach + excluded.reach;
END;

CREATE TRIGGER topic_rollup_post_updated AFTER UPDATE OF
    published_at, likes, shares, replies, author_followers
ON posts
WHEN OLD.published_at IS NOT NEW.published_at OR OLD.likes IS NOT NEW.likes
  OR OLD.shares IS NOT NEW.shares OR OLD.replies IS NOT NEW.replies
  OR OLD.author_followers IS NOT NEW.author_followers
BEGIN
    INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach)
    SELECT t.topic_id, OLD.published_at / 900, -1, -(OLD.likes + OLD.shares + OLD.replies),
           -coalesce(OLD.author_followers, 0)
    FROM post_topics t WHERE t.post_pk = OLD.pk
    ON CONFLICT (topic_id, bucket) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement, reach = reach + excluded.reach;
    INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach)
    SELECT t.topic_id, NEW.published_at / 900, 1, NEW.likes + NEW.shares + NEW.replies,
           coalesce(NEW.author_followers, 0)
    FROM post_topics t WHERE t.post_pk = NEW.pk
    ON CONFLICT (topic_id, bucket) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement, reach = reach + excluded.reach;
END;
