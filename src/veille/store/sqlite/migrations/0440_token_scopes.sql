-- API tokens with a scope (read < write < admin: what the token may do, its
-- user's role the ceiling), an optional expiry (seconds), and the requests
-- each token made per minute (the [api] rate limit, shared by every web
-- worker on this state). A token made before scopes existed keeps the access
-- it had: the widest scope its user's role allows.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'write';
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
UPDATE api_tokens SET scope = 'admin'
    WHERE username IN (SELECT username FROM users WHERE role = 'admin');
UPDATE api_tokens SET scope = 'read'
    WHERE username IN (SELECT username FROM users WHERE role = 'viewer');

CREATE TABLE api_token_minutes (
    token_id INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    minute INTEGER NOT NULL,               -- seconds since the epoch // 60
    requests INTEGER NOT NULL,
    PRIMARY KEY (token_id, minute)
);
