"""French elisions leave the words (``l'ACEI`` is the word ``acei``, not
``l`` then ``acei``; see :mod:`veille.textnorm`).

The contentless full-text index is rebuilt from the stored text with today's
words (posts deleted since the last write go with it: the pending deletions
are then void), and the content hash of every post whose title or text holds
an apostrophe, the only ones whose words changed, is computed again.
"""

from __future__ import annotations

import sqlite3


def migrate(conn: sqlite3.Connection) -> None:
    from veille.models import content_hash
    from veille.textnorm import hash_text

    def fts_row(pk: int, title: str | None, text: str) -> tuple[int, str, str]:
        # The words of this migration's time (folded by case and accents
        # only), which migration 0283 takes out and folds again.
        return (pk, hash_text(title) if title else "", hash_text(text))

    conn.execute("INSERT INTO posts_fts (posts_fts) VALUES ('delete-all')")
    conn.execute("DELETE FROM posts_fts_pending")
    last = None
    while True:
        # Keyset pages, so no cursor stays open on posts while it is updated.
        chunk = conn.execute(
            "SELECT pk, title, text FROM posts WHERE pk > coalesce(?, -9223372036854775808) "
            "ORDER BY pk LIMIT 2000",
            (last,),
        ).fetchall()
        if not chunk:
            break
        last = chunk[-1][0]
        conn.executemany(
            "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)",
            [fts_row(pk, title, text) for pk, title, text in chunk],
        )
        conn.executemany(
            "UPDATE posts SET content_hash = ? WHERE pk = ?",
            [
                (content_hash(title, text), pk)
                for pk, title, text in chunk
                if any(a in f"{title or ''}{text}" for a in "'\u2019")
            ],
        )
