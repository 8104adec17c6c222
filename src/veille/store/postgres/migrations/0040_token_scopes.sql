-- API tokens' scope, expiry and requests per minute, as SQLite's 0440: a
-- token made before scopes existed keeps the access it had (the widest
-- scope its user's role allows).
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'write';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
UPDATE api_tokens SET scope = 'admin'
    WHERE username IN (SELECT username FROM users WHERE role = 'admin');
UPDATE api_tokens SET scope = 'read'
    WHERE username IN (SELECT username FROM users WHERE role = 'viewer');
CREATE TABLE api_token_minutes (
    token_id BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    minute BIGINT NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY (token_id, minute)
);
