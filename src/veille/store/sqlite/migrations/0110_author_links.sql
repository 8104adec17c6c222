-- What the user decided about two accounts that may be one person on two
-- platforms (veille influencers link): 'same' merges them in the influencer
-- ranking, 'different' stops offering them. Stored with the pair in a fixed
-- order (the smaller platform:handle first) so that a decision is found
-- whichever way round it is asked.
CREATE TABLE author_links (
    platform_a TEXT NOT NULL,
    handle_a TEXT NOT NULL,
    platform_b TEXT NOT NULL,
    handle_b TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('same', 'different')),
    evidence TEXT NOT NULL DEFAULT '',
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (platform_a, handle_a, platform_b, handle_b)
);
