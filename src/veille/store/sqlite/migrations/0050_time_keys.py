"""Posts keyed by time: ``pk = published_at * 2**SEQ_BITS + n`` (see
:mod:`veille.store.sqlite.rows`).

Every post gets its time key (``n`` counts the posts of a second in the order
of their old keys, that is in the order they were stored), ``post_topics``
follows, and the full-text index, whose rowids are the keys, is rebuilt from
the stored text. The rollups hold no keys and stay as they are.
"""

from __future__ import annotations

import sqlite3


def migrate(conn: sqlite3.Connection) -> None:
    from veille.errors import StoreError
    from veille.store.sqlite.rows import SEQ_BITS, SEQ_LIMIT, TIME_LIMIT, fts_row

    conn.execute("PRAGMA defer_foreign_keys = ON")  # post_topics follows below
    lowest, highest, busiest = conn.execute(
        "SELECT min(published_at), max(published_at), max(n) FROM "
        "(SELECT published_at, count(*) AS n FROM posts GROUP BY published_at)"
    ).fetchone()
    if busiest is None:
        return  # no post yet
    if busiest > SEQ_LIMIT or lowest < -TIME_LIMIT or highest >= TIME_LIMIT:
        raise StoreError(
            "some stored posts cannot be keyed by time (dates too far from 1970, or "
            f"more than {SEQ_LIMIT:,} posts dated the same second); nothing was changed",
            hint="Export the posts, fix their dates and import them into a new workspace.",
        )
    conn.execute("CREATE TEMP TABLE rekey (old INTEGER PRIMARY KEY, new INTEGER NOT NULL)")
    conn.execute(
        f"INSERT INTO rekey SELECT pk, (published_at << {SEQ_BITS}) "
        "+ row_number() OVER (PARTITION BY published_at ORDER BY pk) - 1 FROM posts"
    )
    old_low, old_high, new_high = conn.execute(
        "SELECT min(old), max(old), max(new) FROM rekey"
    ).fetchone()
    # First above every old and new key, then to the new keys: no key is ever
    # taken twice along the way.
    shift = max(old_high, new_high) - old_low + 1
    conn.execute("UPDATE posts SET pk = pk + ?", (shift,))
    conn.execute("UPDATE posts SET pk = (SELECT new FROM rekey WHERE old = posts.pk - ?)", (shift,))
    conn.execute("UPDATE post_topics SET post_pk = post_pk + ?", (shift,))
    conn.execute(
        "UPDATE post_topics SET post_pk = "
        "(SELECT new FROM rekey WHERE old = post_topics.post_pk - ?)",
        (shift,),
    )
    conn.execute("DROP TABLE rekey")
    conn.execute("INSERT INTO posts_fts (posts_fts) VALUES ('delete-all')")
    rows = conn.execute("SELECT pk, title, text FROM posts ORDER BY pk")
    while chunk := rows.fetchmany(2000):
        conn.executemany(
            "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)",
            [fts_row(pk, title, text) for pk, title, text in chunk],
        )
