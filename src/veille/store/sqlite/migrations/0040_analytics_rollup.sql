-- Analytics rollup: posts, engagement and reach per quarter-hour
-- (bucket = published_at / 900), in total and by each of platform, lang,
-- country and sentiment and by each pair of them, so that dashboards over the
-- whole workspace (or filtered by platform or language) never scan posts.
--   dim ''               v1 = v2 = ''
--   dim 'platform'       v1 = platform, v2 = ''
--   dim 'lang+platform'  v1 = lang, v2 = platform (dimension names sorted)
-- Missing values are ''. Triggers keep it exact under late-arriving posts,
-- updated counts, corrected sentiment and deletions: a change subtracts the
-- old row's contribution and adds the new one's. Generated; see
-- veille.analytics.rollup for the reader.
CREATE TABLE post_rollup (
    dim TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    v1 TEXT NOT NULL,
    v2 TEXT NOT NULL,
    posts INTEGER NOT NULL,
    engagement INTEGER NOT NULL,  -- likes + shares + replies
    reach INTEGER NOT NULL,       -- sum of author followers
    PRIMARY KEY (dim, bucket, v1, v2)
) WITHOUT ROWID;

INSERT INTO post_rollup
SELECT '', p.published_at / 900, '', '', count(*),
       sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0))
FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT 'platform', p.published_at / 900, p.platform, '', count(*),
       sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0))
FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT 'lang', p.published_at / 900, coalesce(p.lang, ''), '', count(*),
       sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0))
FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT 'country', p.published_at / 900, coalesce(p.country, ''), '', count(*),
       sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0))
FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT 'sentiment', p.published_at / 900, coalesce(p.sentiment, ''), '', count(*),
       sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0))
FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT 'lang+platform', p.published_at / 900, coalesce(p.lang, ''), p.platform, count(*),
       sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0))
FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT 'country+platform', p.published_at / 900, coalesce(p.country, ''), p.platform, count(*),
       sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0))
FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT 'platform+sentiment', p.published_at / 900, p.platform, coalesce(p.sentiment, ''), count(*),
       sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0))
FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT 'country+lang', p.published_at / 900, coalesce(p.country, ''), coalesce(p.lang, ''), count(*),
       sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0))
FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT 'lang+sentiment', p.published_at / 900, coalesce(p.lang, ''), coalesce(p.sentiment, ''), count(*),
       sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0))
FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT 'country+sentiment', p.published_at / 900, coalesce(p.country, ''), coalesce(p.sentiment, ''), count(*),
       sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0))
FROM posts p GROUP BY 2, 3, 4;

CREATE TRIGGER post_rollup_insert AFTER INSERT ON posts BEGIN
    INSERT INTO post_rollup (dim, bucket, v1, v2, posts, engagement, reach)
    SELECT d.column1, NEW.published_at / 900, d.column2, d.column3, 1,
        (NEW.likes + NEW.shares + NEW.replies), coalesce(NEW.author_followers, 0)
    FROM (VALUES
        ('', '', ''),
        ('platform', NEW.platform, ''),
        ('lang', coalesce(NEW.lang, ''), ''),
        ('country', coalesce(NEW.country, ''), ''),
        ('sentiment', coalesce(NEW.sentiment, ''), ''),
        ('lang+platform', coalesce(NEW.lang, ''), NEW.platform),
        ('country+platform', coalesce(NEW.country, ''), NEW.platform),
        ('platform+sentiment', NEW.platform, coalesce(NEW.sentiment, '')),
        ('country+lang', coalesce(NEW.country, ''), coalesce(NEW.lang, '')),
        ('lang+sentiment', coalesce(NEW.lang, ''), coalesce(NEW.sentiment, '')),
        ('country+sentiment', coalesce(NEW.country, ''), coalesce(NEW.sentiment, ''))
    ) AS d WHERE true
    ON CONFLICT (dim, bucket, v1, v2) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement, reach = reach + excluded.reach;
END;

CREATE TRIGGER post_rollup_delete AFTER DELETE ON posts BEGIN
    INSERT INTO post_rollup (dim, bucket, v1, v2, posts, engagement, reach)
    SELECT d.column1, OLD.published_at / 900, d.column2, d.column3, -1,
        -(OLD.likes + OLD.shares + OLD.replies), -coalesce(OLD.author_followers, 0)
    FROM (VALUES
        ('', '', ''),
        ('platform', OLD.platform, ''),
        ('lang', coalesce(OLD.lang, ''), ''),
        ('country', coalesce(OLD.country, ''), ''),
        ('sentiment', coalesce(OLD.sentiment, ''), ''),
        ('lang+platform', coalesce(OLD.lang, ''), OLD.platform),
        ('country+platform', coalesce(OLD.country, ''), OLD.platform),
        ('platform+sentiment', OLD.platform, coalesce(OLD.sentiment, '')),
        ('country+lang', coalesce(OLD.country, ''), coalesce(OLD.lang, '')),
        ('lang+sentiment', coalesce(OLD.lang, ''), coalesce(OLD.sentiment, '')),
        ('country+sentiment', coalesce(OLD.country, ''), coalesce(OLD.sentiment, ''))
    ) AS d WHERE true
    ON CONFLICT (dim, bucket, v1, v2) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement, reach = reach + excluded.reach;
END;

CREATE TRIGGER post_rollup_update AFTER UPDATE OF
    published_at, platform, lang, country, sentiment, likes, shares, replies, author_followers
ON posts
WHEN OLD.published_at IS NOT NEW.published_at
  OR OLD.platform IS NOT NEW.platform
  OR OLD.lang IS NOT NEW.lang
  OR OLD.country IS NOT NEW.country
  OR OLD.sentiment IS NOT NEW.sentiment
  OR OLD.likes IS NOT NEW.likes
  OR OLD.shares IS NOT NEW.shares
  OR OLD.replies IS NOT NEW.replies
  OR OLD.author_followers IS NOT NEW.author_followers
BEGIN
    INSERT INTO post_rollup (dim, bucket, v1, v2, posts, engagement, reach)
    SELECT d.column1, OLD.published_at / 900, d.column2, d.column3, -1,
        -(OLD.likes + OLD.shares + OLD.replies), -coalesce(OLD.author_followers, 0)
    FROM (VALUES
        ('', '', ''),
        ('platform', OLD.platform, ''),
        ('lang', coalesce(OLD.lang, ''), ''),
        ('country', coalesce(OLD.country, ''), ''),
        ('sentiment', coalesce(OLD.sentiment, ''), ''),
        ('lang+platform', coalesce(OLD.lang, ''), OLD.platform),
        ('country+platform', coalesce(OLD.country, ''), OLD.platform),
        ('platform+sentiment', OLD.platform, coalesce(OLD.sentiment, '')),
        ('country+lang', coalesce(OLD.country, ''), coalesce(OLD.lang, '')),
        ('lang+sentiment', coalesce(OLD.lang, ''), coalesce(OLD.sentiment, '')),
        ('country+sentiment', coalesce(OLD.country, ''), coalesce(OLD.sentiment, ''))
    ) AS d WHERE true
    ON CONFLICT (dim, bucket, v1, v2) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement, reach = reach + excluded.reach;
    INSERT INTO post_rollup (dim, bucket, v1, v2, posts, engagement, reach)
    SELECT d.column1, NEW.published_at / 900, d.column2, d.column3, 1,
        (NEW.likes + NEW.shares + NEW.replies), coalesce(NEW.author_followers, 0)
    FROM (VALUES
        ('', '', ''),
        ('platform', NEW.platform, ''),
        ('lang', coalesce(NEW.lang, ''), ''),
        ('country', coalesce(NEW.country, ''), ''),
        ('sentiment', coalesce(NEW.sentiment, ''), ''),
        ('lang+platform', coalesce(NEW.lang, ''), NEW.platform),
        ('country+platform', coalesce(NEW.country, ''), NEW.platform),
        ('platform+sentiment', NEW.platform, coalesce(NEW.sentiment, '')),
        ('country+lang', coalesce(NEW.country, ''), coalesce(NEW.lang, '')),
        ('lang+sentiment', coalesce(NEW.lang, ''), coalesce(NEW.sentiment, '')),
        ('country+sentiment', coalesce(NEW.country, ''), coalesce(NEW.sentiment, ''))
    ) AS d WHERE true
    ON CONFLICT (dim, bucket, v1, v2) DO UPDATE SET posts = posts + excluded.posts,
        engagement = engagement + excluded.engagement, reach = reach + excluded.reach;
END;

-- Top posts by engagement or reach without sorting the period.
CREATE INDEX posts_engagement ON posts ((likes + shares + replies), published_at);
CREATE INDEX posts_reach ON posts (coalesce(author_followers, 0), published_at);
-- Stories: the clustered posts of a period, read from this index alone.
CREATE INDEX posts_clustered ON posts (
    published_at, cluster_id, platform, author_followers, likes, shares, replies
) WHERE cluster_id IS NOT NULL;
-- Influencers look authors up by identity (handle without '@', lower-cased).
CREATE INDEX posts_author_identity ON posts (lower(ltrim(author_handle, '@')));
