-- Each user's own time zone (an IANA name) for the times the web app shows
-- them: a team spread over Montréal and Paris read every time in the one
-- [workspace] timezone. Empty: the workspace's (every account made before).
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
