-- Accounts of the web app: users, server-side sessions, API tokens, login
-- attempts (rate limiting) and the audit log. Secrets are stored hashed only.
CREATE TABLE users (
    username TEXT PRIMARY KEY,             -- lower-case
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,           -- argon2
    language TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,              -- sha256 of the cookie's value
    username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (username);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    secret_hash TEXT NOT NULL UNIQUE,      -- sha256 of the token
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,                     -- username and client address
    at INTEGER NOT NULL,
    success INTEGER NOT NULL
);
CREATE INDEX login_attempts_by_key ON login_attempts (key, at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
