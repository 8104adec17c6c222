-- Stories: the clustered posts of a period are read from this index alone
-- (0040). A story's engagement is unknown where none of its posts gave
-- counts (posts.counts_given, 0410), so the index holds that column too:
-- without it each clustered post's row was read as well.
DROP INDEX IF EXISTS posts_clustered;
CREATE INDEX posts_clustered ON posts (
    published_at, cluster_id, platform, author_followers, likes, shares, replies, counts_given
) WHERE cluster_id IS NOT NULL;
