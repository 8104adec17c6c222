"""Ligatures are spelt out, the characters invisible inside a word left out
and the modifier letter apostrophe read as an apostrophe (``Œuvre`` is the
word ``oeuvre``, ``cyber\\u00adsécurité`` the word ``cybersecurite``,
``lʼœuvre`` the word ``oeuvre``; see :mod:`veille.textnorm`).

The index rows of the posts whose title or text holds one of those
characters (:data:`veille.textnorm.REFOLDED`), the only ones whose words
changed, are made again: each is taken out with the words it was given,
those of :func:`veille.textnorm.hash_text` (the folding before), and put
back with today's. The posts deleted since the last write that wait to leave
the index (``posts_fts_pending``) leave it the same way now. Content hashes
stay as they are: they are computed from the words of before, so no post
stored looks changed when it is collected again. Saved topics filed their
posts with the words of before (a topic ``oeuvre`` left out ``œuvre``):
their sync marks go, so each topic files its posts again, missing ones
added and wrong ones taken out, the first time it is read
(:func:`veille.analytics.topics.topic_scope`). Where no post was
re-indexed, only the topics whose query holds such a character lose theirs
(a workspace without them keeps its filings: refiling every topic of a large
store costs minutes for nothing). One transaction: a run that
stops changes nothing, and the next opening runs it again.
"""

from __future__ import annotations

import sqlite3

ABOUT = (
    "re-indexing the posts whose title or text holds œ, æ, ʼ or a soft hyphen, "
    "so that searches find them by their spelt-out words (oeuvre finds Œuvre)."
)
_DELETE = "INSERT INTO posts_fts (posts_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)"
_INSERT = "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)"


def migrate(conn: sqlite3.Connection) -> int:
    """Fold the index again; return how many posts were re-indexed."""
    from veille.store.sqlite.rows import fts_row
    from veille.textnorm import REFOLDED, hash_text

    def as_before(pk: int, title: str | None, text: str) -> tuple[int, str, str]:
        return (pk, hash_text(title) if title else "", hash_text(text))

    holds = "(coalesce(title, '') GLOB :pattern OR text GLOB :pattern)"
    pattern = f"*[{REFOLDED}]*"
    gone = conn.execute(
        f"SELECT pk, title, text FROM posts_fts_pending WHERE {holds}", {"pattern": pattern}
    ).fetchall()
    conn.executemany(_DELETE, [as_before(*row) for row in gone])
    conn.executemany("DELETE FROM posts_fts_pending WHERE pk = ?", [(row[0],) for row in gone])
    last, reworked = -(2**63), len(gone)
    while True:
        # Keyset pages, so no cursor stays open on posts while the index changes.
        chunk = conn.execute(
            f"SELECT pk, title, text FROM posts WHERE pk > :last AND {holds} "
            "ORDER BY pk LIMIT 2000",
            {"last": last, "pattern": pattern},
        ).fetchall()
        if not chunk:
            break
        last, reworked = chunk[-1][0], reworked + len(chunk)
        conn.executemany(_DELETE, [as_before(*row) for row in chunk])
        conn.executemany(_INSERT, [fts_row(*row) for row in chunk])
    here = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'topic_versions'"
    ).fetchone()
    if reworked or not here:
        # Posts whose words changed (or topics held in another store, whose
        # queries cannot be read here): every topic files its posts again.
        conn.execute("DELETE FROM topic_sync")
    else:
        # No post changed: only a topic whose query holds such a character
        # (œuvre, now the word oeuvre) finds other posts than it filed.
        conn.execute(
            "DELETE FROM topic_sync WHERE topic_id IN "
            "(SELECT topic_id FROM topic_versions WHERE query GLOB :pattern)",
            {"pattern": pattern},
        )
    return reworked
