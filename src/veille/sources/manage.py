"""Configured sources: add, list, get, remove; their health and quarantine.

The library API under ``veille source …`` (and the web app). Sources live in
the ``sources`` table of the workspace database, their health in
``source_health`` and unmappable items in ``quarantine`` (migration 0010).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from veille.errors import NotFound, UsageError
from veille.sources.base import Source, get_source, registry
from veille.store.base import Store

_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, None: 1}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")


def parse_every(value: str | int | None, default: int) -> int:
    """Seconds from ``90``, ``30s``, ``15m``, ``2h`` or ``1d`` (at least 10 s)."""
    if value is None or value == "":
        return default
    if isinstance(value, int):
        seconds = value
    else:
        m = _EVERY.match(value)
        if not m:
            raise UsageError(
                f"--every {value!r} is not a duration", hint="Use e.g. 30s, 15m, 2h or 1d."
            )
        unit = m.group(2).lower() if m.group(2) else None
        seconds = int(float(m.group(1)) * _UNITS[unit])
    if seconds < 10:
        raise UsageError(f"--every {value!r} is too often", hint="Poll at most every 10 seconds.")
    return seconds


@dataclass(frozen=True)
class SourceRecord:
    name: str
    kind: str
    config: dict[str, Any]
    every: int
    enabled: bool
    created_at: datetime

    def source(self) -> Source[Any]:
        return get_source(self.kind)

    def typed_config(self) -> Any:
        return self.source().config_from_dict(self.config)


@dataclass(frozen=True)
class Health:
    source: str
    kind: str
    enabled: bool
    last_run: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    last_posts: int
    total_posts: int
    runs: int
    quota_left: int | None
    next_due: datetime | None
    quarantined: int


def _ts(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _rows(store: Store, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = getattr(store, "conn", None)
    if conn is None:
        raise UsageError("sources need the sqlite store backend")
    return list(conn.execute(sql, params).fetchall())


def _default_name(kind: str, target: str, taken: set[str]) -> str:
    parts = urlsplit(target)
    if parts.scheme:
        base = (parts.hostname or "") + parts.path
    elif os.path.exists(target):  # a file: its name, not its whole path
        base = os.path.basename(target.rstrip("/"))
    else:
        base = target
    slug = re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-").lower()[:40] or "source"
    name = f"{kind}-{slug}"
    n = 2
    candidate = name
    while candidate in taken:
        candidate = f"{name}-{n}"
        n += 1
    return candidate


def add_source(
    store: Store,
    kind: str,
    target: str,
    *,
    name: str | None = None,
    every: str | int | None = None,
    options: Mapping[str, str] | None = None,
    enabled: bool = True,
) -> SourceRecord:
    """Validate and store a new source; raise a :class:`UsageError` naming the problem."""
    source = get_source(kind)
    config = source.config_from_target(target, dict(options or {}))
    seconds = parse_every(every, source.default_every)
    taken = {r.name for r in list_sources(store)}
    if name is None:
        name = _default_name(kind, target, taken)
    elif not _NAME.match(name):
        raise UsageError(
            f"source name {name!r} is not allowed",
            hint="Use up to 80 letters, digits, '.', '_', ':' or '-' "
            "(starting with a letter or digit).",
        )
    if name in taken:
        raise UsageError(
            f"a source named {name!r} already exists",
            hint="Choose another --name, or remove it first with `veille source remove`.",
        )
    now = int(time.time())
    data = source.config_to_dict(config)
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO sources (name, kind, config, every_seconds, enabled, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, kind, json.dumps(data), seconds, int(enabled), now),
        )
        tx.execute("INSERT INTO source_health (source, next_due) VALUES (?, 0)", (name,))
    return SourceRecord(name, kind, data, seconds, enabled, datetime.fromtimestamp(now, UTC))


def _record(row: tuple[Any, ...]) -> SourceRecord:
    name, kind, config, every, enabled, created = row
    return SourceRecord(name, kind, json.loads(config), every, bool(enabled), _ts(created))  # type: ignore[arg-type]


_COLS = "name, kind, config, every_seconds, enabled, created_at"


def shown_config(record: SourceRecord) -> dict[str, Any]:
    """The record's config with its connector's secret fields masked
    (``env:NAME`` references stay visible: they are not secrets)."""
    source = registry().get(record.kind)
    secrets = source.secret_fields if source is not None else ()
    return {
        key: "***" if key in secrets and value and not str(value).startswith("env:") else value
        for key, value in record.config.items()
    }


def list_sources(store: Store) -> list[SourceRecord]:
    return [_record(r) for r in _rows(store, f"SELECT {_COLS} FROM sources ORDER BY name")]


def get_source_record(store: Store, name: str) -> SourceRecord:
    rows = _rows(store, f"SELECT {_COLS} FROM sources WHERE name = ?", (name,))
    if not rows:
        known = [r.name for r in list_sources(store)]
        raise NotFound(
            f"no source named {name!r}",
            hint=f"Known sources: {', '.join(known)}."
            if known
            else "Add one with `veille source add`.",
        )
    return _record(rows[0])


def remove_source(store: Store, name: str) -> None:
    """Remove a source, its cursor and health; its posts stay."""
    get_source_record(store, name)
    with store.transaction() as tx:
        tx.execute("DELETE FROM source_health WHERE source = ?", (name,))
        tx.execute("DELETE FROM sources WHERE name = ?", (name,))
        tx.execute("DELETE FROM cursors WHERE source = ?", (cursor_name(name),))


def set_enabled(store: Store, name: str, enabled: bool) -> None:
    get_source_record(store, name)
    with store.transaction() as tx:
        tx.execute("UPDATE sources SET enabled = ? WHERE name = ?", (int(enabled), name))


def cursor_name(source: str) -> str:
    """The name under which a source's cursor is stored."""
    return f"source:{source}"


def health(store: Store, name: str | None = None) -> list[Health]:
    sql = (
        "SELECT s.name, s.kind, s.enabled, h.last_run, h.last_success, h.last_error, "
        "h.last_error_at, coalesce(h.consecutive_failures, 0), coalesce(h.last_posts, 0), "
        "coalesce(h.total_posts, 0), coalesce(h.runs, 0), h.quota_left, h.next_due, "
        "(SELECT count(*) FROM quarantine q WHERE q.source = s.name) "
        "FROM sources s LEFT JOIN source_health h ON h.source = s.name"
    )
    params: tuple[Any, ...] = ()
    if name is not None:
        get_source_record(store, name)
        sql += " WHERE s.name = ?"
        params = (name,)
    out = []
    for r in _rows(store, sql + " ORDER BY s.name", params):
        out.append(
            Health(
                r[0], r[1], bool(r[2]), _ts(r[3]), _ts(r[4]), r[5], _ts(r[6]), r[7], r[8], r[9],
                r[10], r[11], _ts(r[12]), r[13],
            )
        )  # fmt: skip
    return out


@dataclass(frozen=True)
class QuarantinedItem:
    id: int
    source: str
    error: str
    raw: dict[str, Any]
    created_at: datetime


def quarantined(
    store: Store, source: str | None = None, limit: int = 1000
) -> list[QuarantinedItem]:
    sql = "SELECT id, source, error, raw, created_at FROM quarantine"
    params: tuple[Any, ...] = ()
    if source:
        sql += " WHERE source = ?"
        params = (source,)
    rows = _rows(store, sql + " ORDER BY id LIMIT ?", (*params, limit))
    return [QuarantinedItem(r[0], r[1], r[2], json.loads(r[3]), _ts(r[4])) for r in rows]  # type: ignore[arg-type]
