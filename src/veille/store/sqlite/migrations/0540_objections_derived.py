"""An erasure made before erasures objected to further processing (a
person erased was collected again the next day) recorded whom it forgot
(``forgotten``, kind ``author``: a hash of the platform and handle) but no
objection: that person's later posts were stored. Each such record is the
erasure of a person who asked to be forgotten, so it is given the objection
an erasure records today (dated at the erasure; none where an objection or
its lifting is already recorded), and their later posts are refused until
``veille privacy lift``.

What cannot be derived is said (logged as a warning: any command opening the
workspace shows it on stderr): an erasure logged before veille kept that
record (migration 0251) names the person by a keyed hash alone, which no
record matches, so no objection can be derived for it; the posts the
person published between the erasure and this upgrade were stored, and stay
until they are erased again.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

from veille.errors import tr

log = logging.getLogger("veille.store.sqlite.migrations")


def _has(conn: sqlite3.Connection, table: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        is not None
    )


def migrate(conn: sqlite3.Connection) -> None:
    if not _has(conn, "forgotten"):
        return
    erased = conn.execute(
        "SELECT key, erased_at FROM forgotten f WHERE kind = 'author' AND NOT EXISTS "
        "(SELECT 1 FROM forgotten o WHERE o.key = f.key AND o.kind IN ('objection', 'lifted'))"
    ).fetchall()
    # An objection's time is in milliseconds, an erasure's in seconds.
    conn.executemany(
        "INSERT INTO forgotten (kind, key, erased_at) VALUES ('objection', ?, ?) "
        "ON CONFLICT (kind, key) DO NOTHING",
        [(key, int(at) * 1000) for key, at in erased],
    )
    if erased:
        log.warning(
            tr(
                "migration 0540: the objection to further processing of %(count)s %(people)s "
                "erased before erasures recorded one is recorded: their later posts are not "
                "stored until 'veille privacy lift'. Posts they published between their "
                "erasure and now were stored: erase them again (veille privacy erase "
                "--author ...) to remove those.",
                count=len(erased), people=tr("person") if len(erased) == 1 else tr("people"),
            )
        )  # fmt: skip
    if not _has(conn, "erasures"):
        return
    (first,) = conn.execute("SELECT min(erased_at) FROM forgotten WHERE kind = 'author'").fetchone()
    # Erasures logged before the first record of whom one forgot (0251)
    # name their person by a keyed hash alone: nothing matches them.
    blind, last = conn.execute(
        "SELECT count(*), max(at) FROM erasures WHERE kind = 'author' AND at < ?",
        (first if first is not None else 2**62,),
    ).fetchone()
    if blind:
        day = datetime.fromtimestamp(int(last), UTC).date().isoformat()
        log.warning(
            tr(
                "migration 0540: %(count)s %(erasures)s of people logged until %(day)s "
                "(veille privacy log --kind author) cannot be given an objection: the log "
                "names each person by a keyed hash alone, and veille did not yet record whom "
                "it forgot. Erase each of those people again (veille privacy erase --author "
                "...) to record their objection; until then their new posts are collected.",
                count=blind, erasures=tr("erasure") if blind == 1 else tr("erasures"), day=day,
            )
        )  # fmt: skip
