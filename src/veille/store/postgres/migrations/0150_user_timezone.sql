-- Each user's own time zone for the times the web app shows them, as
-- SQLite's 0720; empty: the workspace's.
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
