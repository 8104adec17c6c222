-- Horizontal collection: a source is collected by one collector at a time,
-- the one holding its lease (renewed by heartbeats; taken over once expired).
-- ``epoch`` grows with every grant, so a commit can check that its writer
-- still holds the lease it started with (a fencing token).
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    acquired_at DOUBLE PRECISION NOT NULL,
    heartbeat_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
-- Every grant, kept: who held what, from when to when (released, or expired).
CREATE TABLE lease_log (
    name TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    holder TEXT NOT NULL,
    acquired_at DOUBLE PRECISION NOT NULL,
    ended_at DOUBLE PRECISION,
    PRIMARY KEY (name, epoch)
);

-- Split ingest (posts in another store): the ids of a batch's new posts are
-- held here before the posts are written and released by the state
-- transaction that files and queues them; a batch whose state transaction
-- never committed is finished from here.
CREATE TABLE ingest_pending (
    id BIGSERIAL PRIMARY KEY,
    owner TEXT NOT NULL,
    post_ids TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX ingest_pending_owner ON ingest_pending (owner);
