"""SQLite implementation of :mod:`veille.store.protocols.analytics`.

The reads are split by theme: volume and breakdowns
(:mod:`~veille.store.sqlite.analytics_volume`), top lists and headline counts
(:mod:`~veille.store.sqlite.analytics_tops`), authors and their links
(:mod:`~veille.store.sqlite.analytics_people`); a scope compiles to SQL in
:mod:`~veille.store.sqlite.analytics_sql`, and the column copy a dashboard
process keeps lives in :mod:`~veille.store.sqlite.analytics_columns`.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from veille.store.sqlite.analytics_people import SQLitePeople
from veille.store.sqlite.analytics_sql import scope_sql
from veille.store.sqlite.analytics_tops import SQLiteTops
from veille.store.sqlite.topics import file_filings

if TYPE_CHECKING:
    from veille.analytics.scope import Scope


class SQLiteAnalytics(SQLiteTops, SQLitePeople):
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    def topic_filed_version(self, topic_id: int) -> int | None:
        """The version of the topic whose matches every stored post has been
        filed for (``None``: never completed)."""
        row = self.conn.execute(
            "SELECT version FROM topic_sync WHERE topic_id = ?", (topic_id,)
        ).fetchone()
        return None if row is None else int(row[0])

    def file_topic_backlog(self, topic_id: int, version: int, matching: Scope) -> int:
        """File every stored post of ``matching`` (the topic's current query)
        under the topic and take out those it no longer matches, then record
        ``version`` as complete; return how many filings changed."""
        conn = self.conn
        where, params = scope_sql(conn, matching)
        # Read without the write lock (over a large workspace, seconds that
        # would hold every writer) ...
        want = {pk for (pk,) in conn.execute(f"SELECT p.pk FROM posts p WHERE {where}", params)}
        have = {
            pk
            for (pk,) in conn.execute(
                "SELECT post_pk FROM post_topics WHERE topic_id = ?", (topic_id,)
            )
        }
        conn.execute("BEGIN IMMEDIATE")
        try:
            # ... then, under it, the posts that would change read again: a
            # writer may have stored, filed, edited or deleted one in
            # between (a post stored and filed by a collector after the first
            # read is in ``have`` but not ``want``: without this, its filing
            # was taken out).
            add = self._matching(where, params, want - have)
            drop = (have - want) - self._matching(where, params, have - want)
            file_filings(conn, [(pk, topic_id) for pk in sorted(add)])
            conn.executemany(
                "DELETE FROM post_topics WHERE post_pk = ? AND topic_id = ?",
                [(pk, topic_id) for pk in sorted(drop)],
            )
            conn.execute(
                "INSERT INTO topic_sync (topic_id, version) VALUES (?, ?) "
                "ON CONFLICT (topic_id) DO UPDATE SET version = excluded.version",
                (topic_id, version),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return len(add) + len(drop)

    def _matching(self, where: str, params: list[Any], pks: set[int]) -> set[int]:
        """Those of the posts ``pks`` that exist and match ``where`` now."""
        found: set[int] = set()
        chunk = sorted(pks)
        for i in range(0, len(chunk), 10_000):
            part = json.dumps(chunk[i : i + 10_000])
            found.update(
                pk
                for (pk,) in self.conn.execute(
                    f"SELECT p.pk FROM posts p WHERE p.pk IN (SELECT value FROM json_each(?)) "
                    f"AND {where}",
                    [part, *params],
                )
            )
        return found


class SQLiteAnalyticsTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection
