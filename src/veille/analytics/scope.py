"""What an aggregation looks at: a :class:`Scope` (plain filters plus an
optional SQL restriction) and a :class:`Period` in the workspace time zone.

Every aggregation in :mod:`veille.analytics` reads ``posts`` under the alias
``p`` and takes a scope; a topic or a query compiles to the restriction
(``where_sql``, ``params``) over that alias, so the same code serves the whole
workspace, a topic, a query or a platform.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from veille.errors import UsageError
from veille.store.base import PostFilter


@dataclass(frozen=True)
class Period:
    """A half-open time range ``[since, until)`` (aware datetimes).

    Arithmetic is on the local clock of ``since``: the week before a week that
    holds a change to summer time starts on the previous Monday at midnight,
    and the period before a calendar month (``unit="month"``) is the month
    before it.
    """

    since: datetime
    until: datetime
    unit: str = ""

    @property
    def length(self) -> timedelta:
        """Length on the local clock (a week is 7 days, even across DST)."""
        return self.until - self.since

    @property
    def seconds(self) -> int:
        return int(self.until.timestamp() - self.since.timestamp())

    def previous(self) -> Period:
        """The period of the same (local) length just before this one."""
        if self.unit == "month":
            start = (self.since - timedelta(days=1)).replace(day=1)
            return Period(start, self.since, "month")
        return Period(self.since - self.length, self.since, self.unit)

    def label(self, timezone: str = "UTC") -> str:
        tz = ZoneInfo(timezone)
        start = self.since.astimezone(tz)
        end = (self.until - timedelta(seconds=1)).astimezone(tz)
        return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


_RANGE = re.compile(r"^\s*(\S+)\s*\.\.\s*(\S+)\s*$")
_LAST_DAYS = re.compile(r"^last-(\d+)d$")


def parse_period(text: str, *, timezone: str = "UTC", now: datetime | None = None) -> Period:
    """A period from ``last-week`` (the last full Monday–Sunday week),
    ``last-month`` (the last full calendar month), ``last-7d``/``last-30d``
    (that many full days up to today's midnight) or ``FROM..TO`` (ISO dates,
    ``TO`` included; or ISO date-times, ``TO`` excluded), in ``timezone``."""
    tz = ZoneInfo(timezone)
    today = (now or datetime.now(tz)).astimezone(tz).date()
    value = text.strip().lower()
    if value == "last-week":
        monday = today - timedelta(days=today.weekday())
        return Period(_midnight(monday - timedelta(days=7), tz), _midnight(monday, tz))
    if value == "last-month":
        first = today.replace(day=1)
        prev = (first - timedelta(days=1)).replace(day=1)
        return Period(_midnight(prev, tz), _midnight(first, tz), "month")
    m = _LAST_DAYS.match(value)
    if m and int(m.group(1)) > 0:
        return Period(_midnight(today - timedelta(days=int(m.group(1))), tz), _midnight(today, tz))
    m = _RANGE.match(text)
    if m:
        since = _bound(m.group(1), tz, end=False, text=text)
        until = _bound(m.group(2), tz, end=True, text=text)
        if until <= since:
            raise UsageError(f"period {text!r} ends before it starts", hint="Write FROM..TO.")
        return Period(since, until)
    raise UsageError(
        f"unknown period {text!r}",
        hint="Use last-week, last-month, last-7d, last-30d or FROM..TO "
        "(e.g. 2026-03-01..2026-03-31).",
    )


def _bound(value: str, tz: ZoneInfo, *, end: bool, text: str) -> datetime:
    try:
        if "T" in value or ":" in value:
            dt = datetime.fromisoformat(value)
            return dt if dt.tzinfo else dt.replace(tzinfo=tz)
        day = date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"period {text!r}: {value!r} is not an ISO date",
            hint="Write dates as YYYY-MM-DD, e.g. 2026-03-01..2026-03-31.",
        ) from None
    return _midnight(day + timedelta(days=1) if end else day, tz)


@dataclass(frozen=True)
class Scope:
    """Which posts an aggregation reads: plain filters plus an optional SQL
    restriction over the alias ``p`` (a compiled query or a topic)."""

    flt: PostFilter = field(default_factory=PostFilter)
    where: str = ""
    params: tuple[Any, ...] = ()
    label: str = ""
    # Set when the restriction is exactly "filed under this topic" (post_topics
    # complete for its current query): aggregations may read topic_rollup.
    topic_id: int | None = None
    # Compiled queries (query ASTs) the posts must match; compiled in sql() so
    # their full-text lookups are bounded by the period (posts are keyed by time).
    queries: tuple[Any, ...] = ()

    def sql(self) -> tuple[str, list[Any]]:
        """``(where_sql, params)`` over ``posts p``."""
        from veille.store.sqlite.store import filter_sql

        f = self.flt
        plain, params = filter_sql(f, "p")
        clauses = [] if plain == "1" else [plain]
        if self.where:
            clauses.append(f"({self.where})")
            params.extend(self.params)
        if self.queries:
            from veille.query.sqlite import to_sqlite

            since = None if f.since is None else int(f.since.timestamp())
            until = None if f.until is None else int(f.until.timestamp())
            for node in self.queries:
                qsql, qparams = to_sqlite(node, since=since, until=until)
                clauses.append(f"({qsql})")
                params.extend(qparams)
        return (" AND ".join(clauses) if clauses else "1"), params

    def fts_match(self, conn: Any) -> str | None:
        """One FTS5 expression that says all of ``queries`` exactly, when the
        full-text index of ``conn`` can answer for them alone; else None (no
        query, one FTS5 cannot say, or deleted posts still in the index until
        the store's next write)."""
        from veille.query.ast import And
        from veille.query.sqlite import fts_expr

        if not self.queries:
            return None
        node = self.queries[0] if len(self.queries) == 1 else And(tuple(self.queries))
        match = fts_expr(node)
        if match is None or conn.execute("SELECT 1 FROM posts_fts_pending LIMIT 1").fetchone():
            return None
        return match

    @property
    def restricted(self) -> bool:
        """True when the scope has a restriction beyond plain filters."""
        return bool(self.where or self.queries)

    def during(self, period: Period) -> Scope:
        return replace(self, flt=replace(self.flt, since=period.since, until=period.until))

    def narrowed(self, where: str, params: Sequence[Any] = (), label: str = "") -> Scope:
        """This scope AND another restriction."""
        both = f"({self.where}) AND ({where})" if self.where else where
        return replace(self, where=both, params=(*self.params, *params), label=label or self.label)


def words_scope(text: str, base: Scope | None = None) -> Scope:
    """Posts holding every word of ``text`` (case and accents ignored), via FTS."""
    from veille.textnorm import tokens

    words = tokens(text)
    if not words:
        raise UsageError(f"{text!r} holds no word to look for")
    match = " ".join(f'"{w}"' for w in words)
    return (base or Scope()).narrowed(
        "p.pk IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)", (match,), label=text
    )
