"""Since this migration a retention purge names each post it deletes in
``forgotten`` (kind ``purged``, a hash of the id), and a write of posts
leaves those out: after the retention is made longer, the posts within it
that no purge deleted are stored. The purges made before named nothing: the
latest cutoff they reached (the day of the last ``retention`` entry of the
privacy log) is kept as kind ``purged_unnamed``, and a write still leaves
out every post published before it (so nothing is counted twice).
"""

from __future__ import annotations

import sqlite3


def _has(conn: sqlite3.Connection, table: str) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    return found.fetchone() is not None


def migrate(conn: sqlite3.Connection) -> None:
    # (A database some of whose tables came later has nothing to keep.)
    if not _has(conn, "forgotten") or not _has(conn, "erasures"):
        return
    conn.execute(
        "INSERT INTO forgotten (kind, key, erased_at) "
        "SELECT 'purged_unnamed', '', CAST(strftime('%s', max(subject)) AS INTEGER) "
        "FROM erasures WHERE kind = 'retention' "
        "AND subject GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' "
        "HAVING max(subject) IS NOT NULL "
        "ON CONFLICT (kind, key) DO UPDATE SET erased_at = max(erased_at, excluded.erased_at)"
    )
