-- The engagement inbox: posts people answer, their handling, rules and replies.

-- Topics flagged for engagement: every post they match enters the inbox.
CREATE TABLE inbox_topics (
    topic_id INTEGER PRIMARY KEY REFERENCES topics (id) ON DELETE CASCADE
);
-- The post is copied into the item (not referenced by key): a post removed
-- from the store (retention, deleted upstream) leaves its item readable.
CREATE TABLE inbox_items (
    id INTEGER PRIMARY KEY,
    post_id TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    lang TEXT,
    author TEXT NOT NULL,
    author_name TEXT,
    followers INTEGER,
    url TEXT,
    title TEXT,
    text TEXT NOT NULL,
    parent_id TEXT,
    thread_id TEXT,
    sentiment TEXT,
    published_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    assignee TEXT,
    priority TEXT NOT NULL DEFAULT 'normal',
    topics TEXT NOT NULL DEFAULT '',
    first_response_at INTEGER,
    closed_at INTEGER,
    deleted_upstream_at INTEGER,
    -- Who is writing a reply now, until when (the collision warning).
    replying TEXT,
    replying_until INTEGER,
    -- Optimistic concurrency: every change moves it; a write names the one it read.
    version INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL
);
CREATE INDEX inbox_items_status ON inbox_items (status, created_at);
CREATE INDEX inbox_items_assignee ON inbox_items (assignee, status, created_at);
CREATE INDEX inbox_items_created ON inbox_items (created_at);
-- Tags and categories of an item.
CREATE TABLE inbox_labels (
    item_id INTEGER NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,      -- "tag" or "category"
    value TEXT NOT NULL,
    PRIMARY KEY (item_id, kind, value)
) WITHOUT ROWID;
CREATE INDEX inbox_labels_value ON inbox_labels (kind, value, item_id);
-- Everything that happened to an item: notes, assignments, status changes,
-- each action of a rule (actor "rule:NAME"), replies.
CREATE TABLE inbox_events (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX inbox_events_item ON inbox_events (item_id, id);
-- Replies written in veille: sent, failed (text kept), waiting for approval,
-- or answered outside veille.
CREATE TABLE inbox_replies (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,    -- pending_approval, sending, sent, failed, outside
    error TEXT,
    remote_id TEXT,
    remote_url TEXT,
    approved_by TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX inbox_replies_item ON inbox_replies (item_id, id);
-- Rules run in position order on every new item.
CREATE TABLE inbox_rules (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL,
    conditions TEXT NOT NULL,  -- JSON
    actions TEXT NOT NULL,     -- JSON list
    enabled INTEGER NOT NULL DEFAULT 1,
    runs INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    error_at INTEGER,
    created_at INTEGER NOT NULL
);
-- Teams for round-robin assignment; next_index says whose turn it is.
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
-- Saved views: named filters, a person's own or shared (owner '').
CREATE TABLE inbox_views (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    filters TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
-- Canned responses written by the workspace (built-in ones ship with veille).
CREATE TABLE inbox_canned (
    name TEXT NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (name, lang)
);
-- The inbox shows a post with its replies.
CREATE INDEX posts_parent ON posts (parent_id) WHERE parent_id IS NOT NULL;
-- A running daemon rebuilds its matcher when a rule's query or a topic's
-- inbox flag changes (the rules_version counter of 0130).
CREATE TRIGGER rules_inbox_topics_insert AFTER INSERT ON inbox_topics
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rules_inbox_topics_delete AFTER DELETE ON inbox_topics
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rules_inbox_rules_insert AFTER INSERT ON inbox_rules
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rules_inbox_rules_update AFTER UPDATE OF
    name, position, conditions, actions, enabled ON inbox_rules
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rules_inbox_rules_delete AFTER DELETE ON inbox_rules
BEGIN UPDATE rules_version SET n = n + 1 WHERE id = 1; END;
