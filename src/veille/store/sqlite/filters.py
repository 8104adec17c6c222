"""Pieces every SQLite domain module shares: plain post filters as SQL,
sqlite3 errors as errors a user can act on, and the write-ahead journal
a file is opened in."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from veille.errors import DiskFull, StoreError, StoreLocked, tr
from veille.store.base import PostFilter
from veille.store.sqlite.rows import key_floor


def translate_error(exc: sqlite3.Error, path: str) -> StoreError:
    """A sqlite3 error as the VeilleError a user can act on."""
    msg = str(exc)
    if "locked" in msg or "busy" in msg:
        return StoreLocked(
            tr("%(path)s is locked by another veille process", path=path),
            hint=tr("Wait for it to finish (or stop it) and run the command again."),
        )
    if "disk is full" in msg or "database or disk is full" in msg:
        return DiskFull(
            tr("the disk holding %(path)s is full; nothing of this batch was written", path=path),
            hint=tr("Free some space and run the command again."),
        )
    return StoreError(f"{path}: {msg}")


def write_ahead(conn: sqlite3.Connection, timeout: float) -> None:
    """Put the file ``conn`` opened in SQLite's write-ahead journal mode,
    waiting up to ``timeout`` seconds for another process doing the same.

    A file still in the rollback journal (one an older veille or the
    sqlite3 shell made, a backup copied back) is changed by the first
    process that opens it. Two opening it at once (the collector and the
    web app started together) each held a shared lock and asked for the
    exclusive one; SQLite sees that neither can wait for the other and
    answers "database is locked" at once, busy timeout or not: one of the
    two stopped (four times in five in a test). The one refused tries
    again, and finds the file changed by the other.
    """
    until = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            msg = str(exc)
            if not ("locked" in msg or "busy" in msg) or time.monotonic() >= until:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def store_away(exc: sqlite3.Error, path: str) -> StoreError | None:
    """:func:`translate_error` for the errors that say the database cannot
    be written now (locked beyond the busy timeout, its disk full), which
    are no caller's fault; None for the others (a constraint a caller
    broke, a statement of its own that is wrong)."""
    msg = str(exc)
    if "locked" in msg or "busy" in msg or "full" in msg:
        return translate_error(exc, path)
    return None


class Answering:
    """A transaction's connection whose statements raise the database being
    away (:func:`store_away`) as the store's error at once. An ingest
    stage's hook calls the transaction from inside the pipeline, which
    takes an error it does not know for the stage's own bug: SQLite's disk
    full (or its lock held beyond the busy timeout) during a stage's write
    was said as "stage X failed … fix or remove it", not as the store. The
    rest is the connection itself."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self._conn = conn
        self._path = path

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            raise (store_away(exc, self._path) or exc) from exc

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        try:
            return self._conn.executemany(sql, rows)
        except sqlite3.OperationalError as exc:
            raise (store_away(exc, self._path) or exc) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def filter_sql(flt: PostFilter | None, alias: str = "posts") -> tuple[str, list[Any]]:
    """``(where_sql, params)`` for a :class:`PostFilter` over the posts table ``alias``."""
    clauses: list[str] = []
    params: list[Any] = []
    if flt is not None:
        if flt.since is not None:
            clauses.append(f"{alias}.published_at >= ?")
            params.append(int(flt.since.timestamp()))
        if flt.until is not None:
            clauses.append(f"{alias}.published_at < ?")
            params.append(int(flt.until.timestamp()))
        if flt.platforms:
            clauses.append(f"{alias}.platform IN ({','.join('?' * len(flt.platforms))})")
            params.extend(flt.platforms)
        if flt.languages:
            clauses.append(f"{alias}.lang IN ({','.join('?' * len(flt.languages))})")
            params.extend(flt.languages)
    return (" AND ".join(clauses) if clauses else "1"), params


def key_range(flt: PostFilter | None, column: str) -> tuple[str, list[int]]:
    """``flt``'s period as a range of post keys on ``column`` (``p.pk``,
    ``rowid`` of the full-text index, ``post_pk`` of the filings): the SQL to
    add to a ``WHERE`` (`` AND column >= ? AND column < ?``, the bounds it
    has) and its values. Posts are keyed by time (see ``rows.key_floor``), so
    an index on the key reads only the period's part."""
    sql, values = "", []
    if flt is not None and flt.since is not None:
        sql += f" AND {column} >= ?"
        values.append(key_floor(int(flt.since.timestamp())))
    if flt is not None and flt.until is not None:
        sql += f" AND {column} < ?"
        values.append(key_floor(int(flt.until.timestamp())))
    return sql, values
