-- The keys of the posts inserted, deleted or changed in a field that the
-- analytics column copy holds (veille.analytics.columns), in the order it
-- happened. A process that keeps the copy re-reads only these posts before
-- each aggregation. The store keeps the last 100,000 entries; a copy that has
-- missed more is read again whole.
CREATE TABLE post_changes (
    seq INTEGER PRIMARY KEY,
    pk INTEGER NOT NULL
);
CREATE TRIGGER post_changes_insert AFTER INSERT ON posts BEGIN
    INSERT INTO post_changes (pk) VALUES (NEW.pk);
END;
CREATE TRIGGER post_changes_delete AFTER DELETE ON posts BEGIN
    INSERT INTO post_changes (pk) VALUES (OLD.pk);
END;
CREATE TRIGGER post_changes_update AFTER UPDATE ON posts
WHEN OLD.pk IS NOT NEW.pk OR OLD.platform IS NOT NEW.platform OR OLD.lang IS NOT NEW.lang
    OR OLD.country IS NOT NEW.country OR OLD.sentiment IS NOT NEW.sentiment
    OR OLD.likes IS NOT NEW.likes OR OLD.shares IS NOT NEW.shares
    OR OLD.replies IS NOT NEW.replies OR OLD.author_followers IS NOT NEW.author_followers
    OR OLD.author_handle IS NOT NEW.author_handle OR OLD.author_name IS NOT NEW.author_name
    OR OLD.cluster_id IS NOT NEW.cluster_id OR OLD.hashtags IS NOT NEW.hashtags
    OR OLD.mentions IS NOT NEW.mentions OR OLD.links IS NOT NEW.links
    OR OLD.domains IS NOT NEW.domains
BEGIN
    INSERT INTO post_changes (pk) VALUES (OLD.pk);
    INSERT INTO post_changes (pk) SELECT NEW.pk WHERE NEW.pk IS NOT OLD.pk;
END;
