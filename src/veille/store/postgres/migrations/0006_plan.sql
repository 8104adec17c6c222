-- The presence plan, as SQLite's 0220 (store/portable/plan.py runs the same
-- SQL on both): lists are JSON arrays, dates ISO text, times Unix seconds.
CREATE TABLE plan_objectives (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    deadline TEXT,
    topics TEXT NOT NULL DEFAULT '[]',
    channels TEXT NOT NULL DEFAULT '[]',
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE plan_kpis (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    target DOUBLE PRECISION NOT NULL,
    period_days INTEGER NOT NULL DEFAULT 30,
    objective TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL DEFAULT '',
    platform TEXT NOT NULL DEFAULT '',
    handle TEXT NOT NULL DEFAULT '',
    compare TEXT NOT NULL DEFAULT '[]',
    deadline TEXT,
    baseline DOUBLE PRECISION,
    set_at BIGINT,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE plan_people (
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    platform TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (username, role, platform)
);
CREATE TABLE plan_guidelines (
    version BIGSERIAL PRIMARY KEY,
    text_en TEXT NOT NULL,
    text_fr TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE TABLE plan_acknowledgements (
    username TEXT NOT NULL,
    version BIGINT NOT NULL REFERENCES plan_guidelines (version),
    at BIGINT NOT NULL,
    PRIMARY KEY (username, version)
);
CREATE TABLE plan_channels (
    platform TEXT PRIMARY KEY,
    objectives TEXT NOT NULL DEFAULT '[]',
    audience TEXT NOT NULL DEFAULT '',
    posts_per_week DOUBLE PRECISION NOT NULL DEFAULT 0,
    tone TEXT NOT NULL DEFAULT '',
    languages TEXT NOT NULL DEFAULT '[]',
    owner TEXT NOT NULL DEFAULT '',
    handle TEXT NOT NULL DEFAULT '',
    response_minutes INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE plan_costs (
    label TEXT PRIMARY KEY,
    monthly DOUBLE PRECISION NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE plan_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE account_snapshots (
    platform TEXT NOT NULL,
    handle TEXT NOT NULL,
    day TEXT NOT NULL,
    followers BIGINT,
    following BIGINT,
    posts BIGINT,
    taken_at BIGINT NOT NULL,
    PRIMARY KEY (platform, handle, day)
);
