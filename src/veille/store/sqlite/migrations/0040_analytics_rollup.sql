-- Analytics rollup: posts, engagement and reach per quarter-hour and per
-- platform, language, country and sentiment. Triggers keep it exact under
-- late-arriving posts, updated counts, corrected sentiment and deletions, so
-- dashboards over the whole workspace never scan posts.
-- Missing values are stored as '' (so they can be part of the key).
CREATE TABLE post_rollup (
    bucket INTEGER NOT NULL,          -- published_at / 900
    platform TEXT NOT NULL,
    lang TEXT NOT NULL,
    country TEXT NOT NULL,
    sentiment TEXT NOT NULL,
    posts INTEGER NOT NULL,
    engagement INTEGER NOT NULL,      -- likes + shares + replies
    reach INTEGER NOT NULL,           -- sum of author followers
    PRIMARY KEY (bucket, platform, lang, country, sentiment)
) WITHOUT ROWID;

INSERT INTO post_rollup
SELECT published_at / 900, platform, coalesce(lang, ''), coalesce(country, ''),
       coalesce(sentiment, ''), count(*), sum(likes + shares + replies),
       sum(coalesce(author_followers, 0))
FROM posts GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER post_rollup_insert AFTER INSERT ON posts BEGIN
    INSERT INTO post_rollup VALUES (
        NEW.published_at / 900, NEW.platform, coalesce(NEW.lang, ''),
        coalesce(NEW.country, ''), coalesce(NEW.sentiment, ''), 1,
        NEW.likes + NEW.shares + NEW.replies, coalesce(NEW.author_followers, 0))
    ON CONFLICT DO UPDATE SET posts = posts + 1,
        engagement = engagement + excluded.engagement, reach = reach + excluded.reach;
END;

CREATE TRIGGER post_rollup_delete AFTER DELETE ON posts BEGIN
    UPDATE post_rollup SET posts = posts - 1,
        engagement = engagement - (OLD.likes + OLD.shares + OLD.replies),
        reach = reach - coalesce(OLD.author_followers, 0)
    WHERE bucket = OLD.published_at / 900 AND platform = OLD.platform
      AND lang = coalesce(OLD.lang, '') AND country = coalesce(OLD.country, '')
      AND sentiment = coalesce(OLD.sentiment, '');
END;

CREATE TRIGGER post_rollup_update AFTER UPDATE OF
    published_at, platform, lang, country, sentiment, likes, shares, replies, author_followers
ON posts
WHEN OLD.published_at IS NOT NEW.published_at OR OLD.platform IS NOT NEW.platform
  OR OLD.lang IS NOT NEW.lang OR OLD.country IS NOT NEW.country
  OR OLD.sentiment IS NOT NEW.sentiment OR OLD.likes IS NOT NEW.likes
  OR OLD.shares IS NOT NEW.shares OR OLD.replies IS NOT NEW.replies
  OR OLD.author_followers IS NOT NEW.author_followers
BEGIN
    UPDATE post_rollup SET posts = posts - 1,
        engagement = engagement - (OLD.likes + OLD.shares + OLD.replies),
        reach = reach - coalesce(OLD.author_followers, 0)
    WHERE bucket = OLD.published_at / 900 AND platform = OLD.platform
      AND lang = coalesce(OLD.lang, '') AND country = coalesce(OLD.country, '')
      AND sentiment = coalesce(OLD.sentiment, '');
    INSERT INTO post_rollup VALUES (
        NEW.published_at / 900, NEW.platform, coalesce(NEW.lang, ''),
        coalesce(NEW.country, ''), coalesce(NEW.sentiment, ''), 1,
        NEW.likes + NEW.shares + NEW.replies, coalesce(NEW.author_followers, 0))
    ON CONFLICT DO UPDATE SET posts = posts + 1,
        engagement = engagement + excluded.engagement, reach = reach + excluded.reach;
END;

-- Influencers look authors up by identity (handle without '@', lower-cased).
CREATE INDEX posts_author_identity ON posts (lower(ltrim(author_handle, '@')));
