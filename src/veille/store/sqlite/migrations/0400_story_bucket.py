"""Each post keeps the sample part of its story (``story_bucket``: see
:func:`veille.store.protocols.analytics.story_bucket`), indexed with its
date and what trends count of it (its story and its kept terms), so that
trends read the posts of their sample of stories from that index alone,
instead of every post of the period and its baseline from the table (the
first view of ``/trends`` at 1M posts read about 400,000 posts to keep
100,000; see :func:`veille.store.sqlite.terms.kept_term_counts`).

Written with the post, and again when its story changes (clustered, or
keyed anew after an erasure); the trigger empties it when another program
changes a post's story without it, and trends then compute that post's
part from its story as before. One transaction:
a run that stops changes nothing, and the next opening runs it again.
"""

from __future__ import annotations

import sqlite3

ABOUT = (
    "keeping the sample part of each stored post's story beside it, so that "
    "trends over a large period read only the posts of their sample."
)

TRIGGER = """
CREATE TRIGGER posts_story_moved AFTER UPDATE OF id, cluster_id ON posts
WHEN coalesce(NEW.cluster_id, NEW.id) IS NOT coalesce(OLD.cluster_id, OLD.id)
    AND NEW.story_bucket IS NOT NULL AND NEW.story_bucket IS OLD.story_bucket
BEGIN
    UPDATE posts SET story_bucket = NULL WHERE pk = NEW.pk;
END
"""


def migrate(conn: sqlite3.Connection) -> int:
    """Add the column, fill it, index it; return how many posts got theirs."""
    from veille.store.protocols.analytics import story_bucket

    conn.execute("ALTER TABLE posts ADD COLUMN story_bucket INTEGER")
    last, done = -(2**63), 0
    while True:
        chunk = conn.execute(
            "SELECT pk, coalesce(cluster_id, id) FROM posts WHERE pk > ? ORDER BY pk LIMIT 5000",
            (last,),
        ).fetchall()
        if not chunk:
            break
        last = chunk[-1][0]
        conn.executemany(
            "UPDATE posts SET story_bucket = ? WHERE pk = ?",
            [(story_bucket(story), pk) for pk, story in chunk],
        )
        done += len(chunk)
    # With what trends read of a post: they read this index alone.
    conn.execute(
        "CREATE INDEX posts_story_terms ON posts "
        "(story_bucket, published_at, cluster_id, id, term_keys, term_forms)"
    )
    conn.execute(TRIGGER)
    return done
