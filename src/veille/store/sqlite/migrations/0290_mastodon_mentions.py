"""Mastodon mentions are qualified with their instance, as authors are: an
account of the instance read (``claire`` read on piaille.fr) is
``claire@piaille.fr``, and the ``@claire`` its post shows in the text is that
account, not a second person (see :func:`veille.enrich.entities.qualified_mentions`).

The Mastodon posts stored before held ``claire`` (their own instance's
accounts), or both ``claire_tech@mastodon.social`` and ``claire_tech`` (the
short form found in the text): ``veille top mentions`` listed one person
twice, and the conversation graph held two. Their mentions are written as a
post collected today holds them; nothing else of the post changes (its
content hash stays). Saved topics whose query names a mention (``@…``) file
their posts again the first time they are read. One transaction: a run that
stops changes nothing, and the next opening runs it again.
"""

from __future__ import annotations

import sqlite3

ABOUT = (
    "qualifying the Mastodon mentions stored without their instance (claire read "
    "on piaille.fr is claire@piaille.fr), so that top mentions lists each person once."
)


def migrate(conn: sqlite3.Connection) -> int:
    """Qualify the stored Mastodon mentions; return how many posts changed."""
    from veille.enrich.entities import qualified_mentions

    last, changed = -(2**63), 0
    while True:
        # Keyset pages, so no cursor stays open on posts while they change.
        chunk = conn.execute(
            "SELECT pk, id, mentions FROM posts WHERE pk > ? AND platform = 'mastodon' "
            "AND mentions != '' ORDER BY pk LIMIT 2000",
            (last,),
        ).fetchall()
        if not chunk:
            break
        last = chunk[-1][0]
        updates = []
        for pk, post_id, mentions in chunk:
            items = mentions.split()
            if all("@" in m for m in items):
                continue
            now = " ".join(qualified_mentions(items, post_id))
            if now != mentions:
                updates.append((now, pk))
        conn.executemany("UPDATE posts SET mentions = ? WHERE pk = ?", updates)
        changed += len(updates)
    if changed:
        here = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'topic_versions'"
        ).fetchone()
        if here:
            conn.execute(
                "DELETE FROM topic_sync WHERE topic_id IN "
                "(SELECT topic_id FROM topic_versions WHERE query GLOB '*@*')"
            )
        else:  # topics held in another store, whose queries cannot be read here
            conn.execute("DELETE FROM topic_sync")
    return changed
