-- The state side of forgetting, as SQLite's 0170: the erasure log and the
-- key of pseudonymized exports (carried by `veille store migrate`, so the
-- same person keeps the same pseudonym after a move).
CREATE TABLE erasures (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,          -- "author" or "retention"
    platform TEXT,
    subject TEXT NOT NULL,       -- keyed hash of platform:handle, or the cutoff
    posts BIGINT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE privacy_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key BYTEA NOT NULL
);
