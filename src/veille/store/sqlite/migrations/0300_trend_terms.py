"""Each post keeps its trending terms (``term_keys``, ``term_forms``: see
:data:`veille.store.sqlite.rows.TERM_COLUMNS`), written with it, so that
trends gather them instead of extracting them from every post of a period
and its baseline at each first view (about 12 s for ``/trends`` at 1M
posts). The posts stored before get theirs here, from their title, text and
language, as a post written today does. One transaction: a run that stops
changes nothing, and the next opening runs it again.
"""

from __future__ import annotations

import sqlite3

ABOUT = (
    "keeping each stored post's trending terms beside it, so that trends and "
    "reports gather them instead of extracting them from the text at each view."
)


def migrate(conn: sqlite3.Connection) -> int:
    """Add the columns and fill them; return how many posts got theirs."""
    from veille.store.sqlite.terms import fill_terms

    conn.execute("ALTER TABLE posts ADD COLUMN term_keys TEXT")
    conn.execute("ALTER TABLE posts ADD COLUMN term_forms TEXT")
    return fill_terms(conn)
