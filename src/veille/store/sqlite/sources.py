"""SQLite implementation of veille.store.protocols.sources."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any


class SQLiteSources:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    # -- used by collection (pipeline/collect.py; added by engineer D) --------

    if TYPE_CHECKING:  # given by SQLiteStore

        def transaction(self) -> AbstractContextManager[Any]: ...

    def source_schedule(self, now: int) -> tuple[set[str], set[str]]:
        due: set[str] = set()
        known: set[str] = set()
        for name, next_due in self.conn.execute("SELECT source, next_due FROM source_health"):
            known.add(name)
            if next_due <= now:
                due.add(name)
        return due, known

    def consecutive_failures(self, source: str) -> int:
        row = self.conn.execute(
            "SELECT consecutive_failures FROM source_health WHERE source = ?", (source,)
        ).fetchone()
        return int(row[0]) if row else 0

    def record_success(self, source: str, at: int, new_posts: int, next_due: int) -> None:
        with self.transaction() as tx:
            tx.execute(
                "UPDATE source_health SET last_run = ?, last_success = ?, "
                "consecutive_failures = 0, last_posts = ?, runs = runs + 1, next_due = ? "
                "WHERE source = ?",
                (at, at, new_posts, next_due, source),
            )

    def record_failure(
        self, source: str, at: int, error: str | None, failures: int, new_posts: int, next_due: int
    ) -> None:
        with self.transaction() as tx:
            tx.execute(
                "UPDATE source_health SET last_run = ?, last_error = ?, last_error_at = ?, "
                "consecutive_failures = ?, last_posts = ?, runs = runs + 1, next_due = ? "
                "WHERE source = ?",
                (at, error, at, failures, new_posts, next_due, source),
            )

    def set_quarantine_error(self, item_id: int, error: str) -> None:
        with self.transaction() as tx:
            tx.execute("UPDATE quarantine SET error = ? WHERE id = ?", (error, item_id))


class SQLiteSourcesTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection

    # -- used by collection (pipeline/collect.py; added by engineer D) --------

    def quarantine(self, source: str, items: Sequence[tuple[str, Any]], at: int) -> None:
        self.conn.executemany(
            "INSERT INTO quarantine (source, error, raw, created_at) VALUES (?, ?, ?, ?)",
            [(source, err, json.dumps(raw, default=str), at) for err, raw in items],
        )

    def count_collected(self, source: str, new_posts: int, quota_left: int | None) -> None:
        self.conn.execute(
            "INSERT INTO source_health (source, total_posts, quota_left) VALUES (?, ?, ?) "
            "ON CONFLICT (source) DO UPDATE SET "
            "total_posts = total_posts + excluded.total_posts, "
            "quota_left = coalesce(excluded.quota_left, quota_left)",
            (source, new_posts, quota_left),
        )

    def release_quarantined(self, item_ids: Sequence[int]) -> None:
        self.conn.executemany("DELETE FROM quarantine WHERE id = ?", [(i,) for i in item_ids])
