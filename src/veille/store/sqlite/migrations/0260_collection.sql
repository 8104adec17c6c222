-- Horizontal collection (store/protocols/collection.py): source leases with
-- a fencing epoch, the log of every grant, and the split ingest's pending
-- batches (posts in another store). Times are Unix seconds (REAL).
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    acquired_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE lease_log (
    name TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    holder TEXT NOT NULL,
    acquired_at REAL NOT NULL,
    ended_at REAL,
    PRIMARY KEY (name, epoch)
);
CREATE TABLE ingest_pending (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    post_ids TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX ingest_pending_owner ON ingest_pending (owner);
