"""Pieces every SQLite domain module shares: plain post filters as SQL, and
sqlite3 errors as errors a user can act on."""

from __future__ import annotations

import sqlite3
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
