-- An erasure killed midway (a crash, a deploy, a reboot) said nothing: the
-- person's remaining posts stayed until someone ran it again. Each erasure
-- is now recorded here as it starts, whom it forgets (the handle, in lower
-- case; platform '' for every platform), and the row goes in the same
-- transaction as its entry in the erasure log. A row left is an unfinished
-- erasure: veille run finishes it, /healthz and veille privacy log show it,
-- veille store migrate refuses to move until it is done.
CREATE TABLE IF NOT EXISTS erasures_unfinished (
    handle     TEXT NOT NULL,
    platform   TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,
    PRIMARY KEY (handle, platform)
);
