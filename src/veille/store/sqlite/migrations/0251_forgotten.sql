-- What an erasure forgot (veille.store.sqlite.privacy): people (kind 'author':
-- a hash of the platform, '*' for every one, and the handle) and their posts
-- ('post': a hash of the id), with the time of the last erasure. A write of
-- posts leaves out a person's posts published until then, so a feed that
-- still serves them, or a batch collected before the erasure and written
-- after it, stores nothing of them again; a story keyed by an erased post is
-- given its new key. The same hashes as the ClickHouse store's table (not
-- keyed: no handle is written in clear, but a known handle can be tested).
CREATE TABLE forgotten (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    erased_at INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
