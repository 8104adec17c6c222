-- The handles holding a character outside printable ASCII (an accent, a
-- ligature, an invisible character), each post's: the only ones whose folded
-- form SQLite's lower() does not give, so an author: query asks Python about
-- these few, and finds every other handle through posts_author_identity
-- (the query compiler's author clause; at 1M posts a count of author:x read
-- every post through Python, two seconds). Only those posts' rows are
-- indexed: ingest of the other posts is unchanged.
CREATE INDEX posts_author_unusual ON posts (author_handle)
    WHERE author_handle GLOB '*[^ -~]*';
