"""SQLite side of :mod:`veille.store.transfer`.

The file keeps posts and state together: posts-side tables (the posts, their
full-text index, change log and rollups) are left to the PostStore copy.
Filings are keyed by the post's row key here and by its id elsewhere:
``post_topics`` is exported with post ids and imported through them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from veille.store.transfer import TableShape, coerce, page_sql, split_page, upsert_sql
from veille.store.transfer import ident as _ident

_POST_SIDE = {
    "posts", "post_changes", "rules_version", "topic_sync", "author_links", "forgotten",
    # Whether the posts were read once for erasures cut before 0640: the
    # posts store's own mark (a new store reads them once, if it must).
    "erasures_scanned",
    # What a retention purge kept of a topic's sentiment (migration 0650):
    # beside the posts' rollups, moved by store migrate with the posts.
    "topic_purged_sentiment",
}  # fmt: skip


def _post_side(name: str) -> bool:
    return (
        name in _POST_SIDE
        or name.startswith(("posts_", "sqlite_"))
        or "rollup" in name
        or name.startswith("analytics_")
    )


def _kind(declared: str) -> str:
    declared = declared.upper()
    if "INT" in declared:
        return "int"
    if "REAL" in declared or "FLOA" in declared or "DOUB" in declared:
        return "float"
    if "BLOB" in declared:
        return "bytes"
    return "text"


_FILINGS = TableShape(
    "post_topics", {"post_id": "text", "topic_id": "int"}, ("post_id", "topic_id")
)


class SQLiteTransfer:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:  # given by SQLiteStore

        def transaction(self) -> AbstractContextManager[Any]: ...

    def transfer_tables(self) -> dict[str, TableShape]:
        found: dict[str, TableShape] = {}
        tables = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        for name, sql in tables:
            if _post_side(name) or "_fts" in name:
                continue
            if name == "post_topics":
                found[name] = _FILINGS
                continue
            info = self.conn.execute(f"PRAGMA table_info({_ident(name)})").fetchall()
            columns = {r[1]: _kind(r[2]) for r in info}
            key = tuple(r[1] for r in sorted(info, key=lambda r: r[5]) if r[5])
            # Paged by rowid, or by the key of a table without one (whose key
            # SQLite keeps NOT NULL).
            keyed = "WITHOUT ROWID" in (sql or "").upper()
            found[name] = TableShape(name, columns, key, key if keyed else ())
        return found

    def export_rows(
        self,
        shape: TableShape,
        columns: Sequence[str],
        *,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> tuple[list[tuple[Any, ...]], tuple[Any, ...] | None]:
        # Paged by position (see transfer_tables); filings by post and topic.
        if shape.name == "post_topics":
            order = ["t.post_pk", "t.topic_id"]
            source = "post_topics t JOIN posts p ON p.pk = t.post_pk"
            picked = "p.id, t.topic_id"
        else:
            order = [_ident(c) for c in shape.paged_by] or ["rowid"]
            source = _ident(shape.name)
            picked = ", ".join(_ident(c) for c in columns)
        where, by = page_sql(order, after, ", ".join("?" * len(order)))
        rows = self.conn.execute(
            f"SELECT {', '.join(order)}, {picked} FROM {source}{where}{by} LIMIT ?",
            (*(after or ()), limit),
        ).fetchall()
        return split_page(rows, len(order), after)

    def import_rows(
        self, shape: TableShape, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if not rows:
            return
        kinds = [shape.columns[c] for c in columns]
        values = [[coerce(v, k) for v, k in zip(row, kinds, strict=True)] for row in rows]
        if shape.name == "post_topics":
            at = {c: i for i, c in enumerate(columns)}
            self._import_filings([(v[at["post_id"]], v[at["topic_id"]]) for v in values])
            return
        sql = upsert_sql(shape, columns, "?")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany(sql, values)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _import_filings(self, filings: Sequence[tuple[str, int]]) -> None:
        """``(post id, topic id)`` filings filed as ingest files them, which
        adds them to the topics' rollup too: an insert of its own left a
        topic's volume at nought in the copy (the rollup is kept by the code
        that files, not by a trigger, since migration 0245)."""
        with self.transaction() as tx:
            tx.file_posts(filings)

    def clear_rows(self, shape: TableShape) -> None:
        self.conn.execute(f"DELETE FROM {_ident(shape.name)}")

    def finish_import(self, shape: TableShape) -> None:
        """SQLite's integer keys continue after the largest by themselves."""

    def numbers_given(self) -> dict[str, int]:
        if not self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
        ).fetchone():
            return {}  # no AUTOINCREMENT table yet
        return {
            str(n): int(s) for n, s in self.conn.execute("SELECT name, seq FROM sqlite_sequence")
        }

    def continue_numbers(self, shape: TableShape, highest: int) -> None:
        row = self.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (shape.name,)
        ).fetchone()
        if not row or "AUTOINCREMENT" not in (row[0] or "").upper():
            return  # a plain row id continues after the largest row only: nothing to keep
        with self.transaction():
            found = self.conn.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = ?", (shape.name,)
            ).fetchone()
            if found is None:
                self.conn.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (shape.name, highest)
                )
            elif int(found[0]) < highest:
                self.conn.execute(
                    "UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (highest, shape.name)
                )
