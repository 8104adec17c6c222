-- The engagement inbox, as SQLite's 0230 (store/portable/inbox.py runs the
-- same SQL on both). The post is copied into the item: the posts live in
-- another store, and an item outlives its post.
CREATE TABLE inbox_topics (
    topic_id BIGINT PRIMARY KEY REFERENCES topics (id) ON DELETE CASCADE
);
CREATE TABLE inbox_items (
    id BIGSERIAL PRIMARY KEY,
    post_id TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    lang TEXT,
    author TEXT NOT NULL,
    author_name TEXT,
    followers BIGINT,
    url TEXT,
    title TEXT,
    text TEXT NOT NULL,
    parent_id TEXT,
    thread_id TEXT,
    sentiment TEXT,
    published_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    assignee TEXT,
    priority TEXT NOT NULL DEFAULT 'normal',
    topics TEXT NOT NULL DEFAULT '',
    first_response_at BIGINT,
    closed_at BIGINT,
    deleted_upstream_at BIGINT,
    -- Who is writing a reply now, until when (the collision warning).
    replying TEXT,
    replying_until BIGINT,
    -- Optimistic concurrency: every change moves it; a write names the one it read.
    version BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);
CREATE INDEX inbox_items_status ON inbox_items (status, created_at);
CREATE INDEX inbox_items_assignee ON inbox_items (assignee, status, created_at);
CREATE INDEX inbox_items_created ON inbox_items (created_at);
CREATE TABLE inbox_labels (
    item_id BIGINT NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,      -- "tag" or "category"
    value TEXT NOT NULL,
    PRIMARY KEY (item_id, kind, value)
);
CREATE INDEX inbox_labels_value ON inbox_labels (kind, value, item_id);
CREATE TABLE inbox_events (
    id BIGSERIAL PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX inbox_events_item ON inbox_events (item_id, id);
CREATE TABLE inbox_replies (
    id BIGSERIAL PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,    -- pending_approval, sending, sent, failed, outside
    error TEXT,
    remote_id TEXT,
    remote_url TEXT,
    approved_by TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX inbox_replies_item ON inbox_replies (item_id, id);
CREATE TABLE inbox_rules (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL,
    conditions TEXT NOT NULL,  -- JSON
    actions TEXT NOT NULL,     -- JSON list
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    runs BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    error_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE TABLE inbox_team_members (
    team TEXT NOT NULL,
    username TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (team, username)
);
CREATE TABLE inbox_round_robin (
    team TEXT PRIMARY KEY,
    next_index INTEGER NOT NULL
);
CREATE TABLE inbox_views (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    filters TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
CREATE TABLE inbox_canned (
    name TEXT NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (name, lang)
);
-- A running daemon rebuilds its matcher when a rule's query or a topic's
-- inbox flag changes (veille_bump_rules of 0001). A rule's run counts and
-- errors are not a change of what matches.
CREATE TRIGGER rules_inbox_topics AFTER INSERT OR DELETE ON inbox_topics
FOR EACH STATEMENT EXECUTE FUNCTION veille_bump_rules();
CREATE TRIGGER rules_inbox_rules_insert_delete AFTER INSERT OR DELETE ON inbox_rules
FOR EACH STATEMENT EXECUTE FUNCTION veille_bump_rules();
CREATE TRIGGER rules_inbox_rules_update AFTER UPDATE OF
    name, position, conditions, actions, enabled ON inbox_rules
FOR EACH STATEMENT EXECUTE FUNCTION veille_bump_rules();
