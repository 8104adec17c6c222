-- The full-text index is contentless: deleting a row from it needs the words
-- it was given, which only veille's tokenizer can make. A deleted post leaves
-- its text here, and the store removes it from the index before it writes
-- again (veille.store.sqlite.store), so the index holds exactly the posts:
-- counts over the index alone are then counts of posts.
CREATE TABLE posts_fts_pending (
    pk INTEGER PRIMARY KEY,
    title TEXT,
    text TEXT NOT NULL
);
CREATE TRIGGER posts_fts_pending_delete AFTER DELETE ON posts BEGIN
    INSERT OR REPLACE INTO posts_fts_pending (pk, title, text) VALUES (OLD.pk, OLD.title, OLD.text);
END;
