-- Enrichment state (issue 5).
-- MinHash signatures of stored posts and their LSH band keys, so that a copy
-- arriving tomorrow joins the cluster of a story stored yesterday.
CREATE TABLE minhash (
    post_id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE INDEX minhash_cluster ON minhash (cluster_id);
CREATE TABLE minhash_bands (
    band_key INTEGER NOT NULL,
    post_id TEXT NOT NULL
);
CREATE INDEX minhash_bands_key ON minhash_bands (band_key);
CREATE INDEX minhash_bands_post ON minhash_bands (post_id);
CREATE INDEX posts_cluster ON posts (cluster_id);

-- Every sentiment correction a user made, kept even when corrected again.
CREATE TABLE sentiment_corrections (
    id INTEGER PRIMARY KEY,
    post_id TEXT NOT NULL,
    old_label TEXT,
    new_label TEXT NOT NULL,
    corrected_by TEXT NOT NULL,
    corrected_at INTEGER NOT NULL
);
CREATE INDEX sentiment_corrections_post ON sentiment_corrections (post_id);
