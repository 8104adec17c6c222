"""The posts' kept terms made again when ``extract_terms`` changed.

Each post keeps its trending terms (migration 0300), and ``kept_terms``
the version of the extraction that made them (migration 0360). A veille
whose extraction gives other terms (``trends.TERMS_VERSION`` raised, or a
new simplemma or stop-word list: see ``trends.terms_version``) makes every
post's terms again when it opens the workspace, as a migration does: one
transaction (a run that stops changes nothing and starts again the next
time), said before and after, one process at a time.
"""

from __future__ import annotations

import logging
import sqlite3
import time

from veille.store.sqlite.migrations import _migrating

log = logging.getLogger(__name__)


def _kept(conn: sqlite3.Connection) -> str | None:
    found = conn.execute("SELECT version FROM kept_terms").fetchone()
    return None if found is None else str(found[0])


def fill_terms(conn: sqlite3.Connection) -> int:
    """Make every stored post's terms from its title, text and language, as
    a post written today gets them (inside the caller's transaction);
    return how many posts got theirs."""
    from veille.store.sqlite.rows import terms_row

    last, done = -(2**63), 0
    while True:
        # Keyset pages, so no cursor stays open on posts while they change.
        chunk = conn.execute(
            "SELECT pk, title, text, lang FROM posts WHERE pk > ? ORDER BY pk LIMIT 2000",
            (last,),
        ).fetchall()
        if not chunk:
            return done
        last = chunk[-1][0]
        conn.executemany(
            "UPDATE posts SET term_keys = ?, term_forms = ? WHERE pk = ?",
            [(*terms_row(title, text, lang), pk) for pk, title, text, lang in chunk],
        )
        done += len(chunk)


def terms_again(conn: sqlite3.Connection, *, path: str = "the database") -> int:
    """Make every post's terms again if they are another version's than
    this veille's; return how many posts got theirs (0: none to make)."""
    from veille.analytics.trends import terms_version

    target = terms_version()
    if _kept(conn) == target:
        return 0
    with _migrating(path):
        conn.execute("BEGIN IMMEDIATE")
        try:
            kept = _kept(conn)  # (another process may have done it meanwhile)
            if kept == target:
                conn.execute("COMMIT")
                return 0
            started = time.monotonic()
            total = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
            if total:
                log.warning(
                    "%s: the trending terms of its %s posts were made by another version "
                    "of veille's term extraction (%s; this one is %s): they are made "
                    "again, once, now. It is safe to interrupt: nothing changes until it "
                    "ends, and it starts again the next time the workspace opens.",
                    path, f"{total:,}", kept or "none", target,
                )  # fmt: skip
            done = fill_terms(conn)
            conn.execute("DELETE FROM kept_terms")
            conn.execute("INSERT INTO kept_terms VALUES (?)", (target,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
    if total:
        log.warning(
            "%s: the terms of %s posts made again in %.1f s.",
            path, f"{done:,}", time.monotonic() - started,
        )  # fmt: skip
    return done
