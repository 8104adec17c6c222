"""Combining marks are part of their word, Arabic and Hebrew points are
folded away as accents are, and a zero-width space beside a Thai, Lao,
Burmese or Khmer letter separates words (see :mod:`veille.textnorm`):
``हिन्दी`` was indexed as the letters ``ह न द``, ``مُحَمَّد`` was not found by
``محمد``, and ``ภาษา\\u200bไทย`` was one word.

The index's own tokenizer (FTS5 ``unicode61``) also cut words at combining
marks, so the index is made again with every mark a token character
(``tokenchars``), from the stored text with today's words (posts deleted
since the last write go with it: the pending deletions are then void), as
migration 0160 did. Content hashes stay as they are (computed from the
words of before). Saved topics file their posts again the first time they
are read when a stored post's words changed (it holds a combining mark, a
character of :data:`veille.textnorm.RECUT` or a zero-width space); else only
the topics whose query holds one. One transaction: a run that stops changes
nothing, and the next opening runs it again.
"""

from __future__ import annotations

import sqlite3

ABOUT = (
    "re-indexing every post so that words holding combining marks (Hindi, Thai, "
    "Arabic vowel points…) are found whole (हिन्दी is one word, محمد finds مُحَمَّد)."
)
_INSERT = "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)"


def _characters(ranges: str) -> str:
    """The characters of a character-class body (``a-cx`` -> ``abcx``)."""
    out: list[str] = []
    i = 0
    while i < len(ranges):
        if i + 2 < len(ranges) and ranges[i + 1] == "-":
            out.extend(map(chr, range(ord(ranges[i]), ord(ranges[i + 2]) + 1)))
            i += 3
        else:
            out.append(ranges[i])
            i += 1
    return "".join(out)


def migrate(conn: sqlite3.Connection) -> int:
    """Make the index again; return how many posts it holds."""
    from veille.store.sqlite.rows import fts_row
    from veille.textmarks import MARKS
    from veille.textnorm import RECUT

    conn.execute("DROP TABLE posts_fts")
    conn.execute(
        "CREATE VIRTUAL TABLE posts_fts USING fts5 (title, body, content = '', "
        f"tokenize = \"unicode61 remove_diacritics 0 tokenchars '{_characters(MARKS)}'\")"
    )
    conn.execute("DELETE FROM posts_fts_pending")
    last, done = -(2**63), 0
    # Whether a stored post holds a character that now cuts its words
    # differently, checked here as each post is indexed again (a GLOB of
    # these hundreds of characters over every post took 15 minutes at 1M).
    marked = frozenset(_characters(MARKS + RECUT) + "\u200b")
    changed = False
    while True:
        # Keyset pages, so no cursor stays open on posts while the index grows.
        chunk = conn.execute(
            "SELECT pk, title, text FROM posts WHERE pk > ? ORDER BY pk LIMIT 2000", (last,)
        ).fetchall()
        if not chunk:
            break
        last, done = chunk[-1][0], done + len(chunk)
        conn.executemany(_INSERT, [fts_row(*row) for row in chunk])
        changed = changed or any(
            not marked.isdisjoint(t) for row in chunk for t in row[1:] if t and not t.isascii()
        )
    pattern = f"*[{MARKS}{RECUT}\u200b]*"
    here = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'topic_versions'"
    ).fetchone()
    if changed or not here:
        conn.execute("DELETE FROM topic_sync")
    else:
        conn.execute(
            "DELETE FROM topic_sync WHERE topic_id IN "
            "(SELECT topic_id FROM topic_versions WHERE query GLOB :p)",
            {"p": pattern},
        )
    return done
