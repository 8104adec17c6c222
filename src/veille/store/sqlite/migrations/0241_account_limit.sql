-- The length limit an account's server announces (a Mastodon instance's
-- configuration.statuses.max_characters), learnt when the account is added;
-- NULL: the platform guide's.
ALTER TABLE publish_accounts ADD COLUMN max_characters INTEGER;
