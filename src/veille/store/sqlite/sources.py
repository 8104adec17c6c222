"""SQLite implementation of veille.store.protocols.sources (migration 0010)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from veille.errors import restored, storable
from veille.store.protocols.sources import Health, QuarantinedItem, SourceRecord

_COLS = "name, kind, config, every_seconds, enabled, created_at"
_HEALTH = (
    "SELECT s.name, s.kind, s.enabled, h.last_run, h.last_success, h.last_error, "
    "h.last_error_at, coalesce(h.consecutive_failures, 0), coalesce(h.last_posts, 0), "
    "coalesce(h.total_posts, 0), coalesce(h.runs, 0), h.quota_left, nullif(h.next_due, 0), "
    "(SELECT count(*) FROM quarantine q WHERE q.source = s.name), "
    "coalesce(h.dated_ahead, 0), h.dated_ahead_last, coalesce(h.suppressed, 0), "
    "coalesce(h.expired, 0) "
    "FROM sources s LEFT JOIN source_health h ON h.source = s.name"
)


def _ts(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _kept(error: str | None) -> str | None:
    return restored(error) if error else error


def _secs(at: datetime) -> int:
    return int(at.timestamp())


def _record(row: tuple[Any, ...]) -> SourceRecord:
    name, kind, config, every, enabled, created = row
    return SourceRecord(
        name, kind, json.loads(config), every, bool(enabled), datetime.fromtimestamp(created, UTC)
    )


class SQLiteSources:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    def list_sources(self) -> list[SourceRecord]:
        rows = self.conn.execute(f"SELECT {_COLS} FROM sources ORDER BY name")
        return [_record(r) for r in rows]

    def find_source(self, name: str) -> SourceRecord | None:
        row = self.conn.execute(f"SELECT {_COLS} FROM sources WHERE name = ?", (name,)).fetchone()
        return _record(row) if row else None

    def due_sources(self, now: datetime) -> set[str]:
        rows = self.conn.execute(
            "SELECT s.name FROM sources s LEFT JOIN source_health h ON h.source = s.name "
            "WHERE h.source IS NULL OR h.next_due <= ?",
            (_secs(now),),
        )
        return {r[0] for r in rows}

    def source_health(self, name: str | None = None) -> list[Health]:
        sql, params = _HEALTH, ()  # type: tuple[str, tuple[Any, ...]]
        if name is not None:
            sql, params = sql + " WHERE s.name = ?", (name,)
        rows = self.conn.execute(sql + " ORDER BY s.name", params)
        return [
            Health(
                r[0], r[1], bool(r[2]), _ts(r[3]), _ts(r[4]), _kept(r[5]), _ts(r[6]), r[7], r[8],
                r[9], r[10], r[11], _ts(r[12]), r[13], r[14], _ts(r[15]), r[16], r[17],
            )
            for r in rows
        ]  # fmt: skip

    def consecutive_failures(self, name: str) -> int:
        row = self.conn.execute(
            "SELECT consecutive_failures FROM source_health WHERE source = ?", (name,)
        ).fetchone()
        return int(row[0]) if row else 0

    def quarantined(self, source: str | None = None, limit: int = 1000) -> list[QuarantinedItem]:
        sql = "SELECT id, source, error, raw, created_at, item_key FROM quarantine"
        params: tuple[Any, ...] = ()
        if source:
            sql, params = sql + " WHERE source = ?", (source,)
        rows = self.conn.execute(sql + " ORDER BY id LIMIT ?", (*params, limit))
        return [
            QuarantinedItem(
                r[0],
                r[1],
                restored(r[2]),
                json.loads(r[3]),
                datetime.fromtimestamp(r[4], UTC),
                r[5],
            )
            for r in rows
        ]


class SQLiteSourcesTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection

    def add_source(self, record: SourceRecord) -> None:
        self.conn.execute(
            f"INSERT INTO sources ({_COLS}) VALUES (?, ?, ?, ?, ?, ?)",
            (
                record.name,
                record.kind,
                json.dumps(record.config),
                record.every,
                int(record.enabled),
                _secs(record.created_at),
            ),
        )
        self.conn.execute(
            "INSERT INTO source_health (source, next_due) VALUES (?, 0)", (record.name,)
        )

    def remove_source(self, name: str, *, cursor: str) -> None:
        self.conn.execute("DELETE FROM source_health WHERE source = ?", (name,))
        self.conn.execute("DELETE FROM sources WHERE name = ?", (name,))
        self.conn.execute("DELETE FROM cursors WHERE source = ?", (cursor,))

    def set_source_enabled(self, name: str, enabled: bool) -> None:
        self.conn.execute("UPDATE sources SET enabled = ? WHERE name = ?", (int(enabled), name))

    def quarantine(
        self,
        source: str,
        failed: Sequence[tuple[str, Any]],
        at: datetime,
        keys: Sequence[str | None] = (),
    ) -> None:
        named = list(keys) or [None] * len(failed)
        self.conn.executemany(
            "INSERT INTO quarantine (source, error, raw, created_at, item_key) "
            "VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (source, item_key) WHERE item_key IS NOT NULL DO UPDATE SET "
            "error = excluded.error, raw = excluded.raw, created_at = excluded.created_at",
            [
                (source, storable(err), json.dumps(raw, default=str), _secs(at), key)
                for (err, raw), key in zip(failed, named, strict=True)
            ],
        )

    def set_quarantine_error(self, item_id: int, error: str) -> None:
        self.conn.execute(
            "UPDATE quarantine SET error = ? WHERE id = ?", (storable(error), item_id)
        )

    def release_quarantined(self, item_ids: Sequence[int]) -> None:
        self.conn.executemany("DELETE FROM quarantine WHERE id = ?", [(i,) for i in item_ids])

    def release_quarantined_keys(self, source: str, keys: Sequence[str]) -> None:
        self.conn.executemany(
            "DELETE FROM quarantine WHERE source = ? AND item_key = ?", [(source, k) for k in keys]
        )

    def count_collected(
        self,
        source: str,
        new_posts: int,
        quota_left: int | None,
        *,
        dated_ahead: int = 0,
        dated_ahead_last: datetime | None = None,
        suppressed: int = 0,
        expired: int = 0,
    ) -> None:
        last = _secs(dated_ahead_last) if dated_ahead_last is not None else None
        self.conn.execute(
            "INSERT INTO source_health (source, total_posts, quota_left, dated_ahead, "
            "dated_ahead_last, suppressed, expired) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (source) DO UPDATE SET "
            "total_posts = total_posts + excluded.total_posts, "
            "quota_left = coalesce(excluded.quota_left, quota_left), "
            "dated_ahead = dated_ahead + excluded.dated_ahead, "
            "dated_ahead_last = coalesce(excluded.dated_ahead_last, dated_ahead_last), "
            "suppressed = suppressed + excluded.suppressed, "
            "expired = expired + excluded.expired",
            (source, new_posts, quota_left, dated_ahead, last, suppressed, expired),
        )

    def record_success(
        self, source: str, at: datetime, *, new_posts: int, next_due: datetime
    ) -> None:
        self.conn.execute(
            "UPDATE source_health SET last_run = ?, last_success = ?, "
            "consecutive_failures = 0, last_posts = ?, runs = runs + 1, next_due = ? "
            "WHERE source = ?",
            (_secs(at), _secs(at), new_posts, _secs(next_due), source),
        )

    def record_failure(
        self,
        source: str,
        at: datetime,
        *,
        error: str,
        failures: int,
        new_posts: int,
        next_due: datetime,
    ) -> None:
        self.conn.execute(
            "UPDATE source_health SET last_run = ?, last_error = ?, last_error_at = ?, "
            "consecutive_failures = ?, last_posts = ?, runs = runs + 1, next_due = ? "
            "WHERE source = ?",
            (_secs(at), storable(error), _secs(at), failures, new_posts, _secs(next_due), source),
        )
