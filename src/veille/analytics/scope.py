"""What an aggregation looks at: a :class:`Scope` (plain filters plus
restrictions) and a :class:`Period` in the workspace time zone.

A scope says which posts in the domain's words (a saved topic, a query, words,
platforms, languages); each storage backend compiles it in its own dialect
(:mod:`veille.store.sqlite.analytics_sql` for SQLite), so the same
aggregations serve the whole workspace, a topic, a query or a platform on
every backend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from veille.errors import UsageError, tr
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


#: A period veille listened to all but this much of counts as whole (the
#: plan's rule: posts that begin hours into a period count its whole period).
LEAST_SHORT = 0.5  # days


def days_held(period: Period, begin: datetime | None) -> tuple[int, int] | None:
    """``(held, days)`` where veille did not listen to all of ``period``
    (what it counts begins after its start, by more than
    :data:`LEAST_SHORT`): the days of it that it holds, and its days;
    ``None`` where it holds the whole period (or ``begin``, when what it
    counts begins, is unknown)."""
    if begin is None:
        return None
    days = round((period.until - period.since).total_seconds() / 86400)
    held = (period.until - begin).total_seconds() / 86400
    if held > days - LEAST_SHORT:
        return None
    return max(0, round(held)), days


def _midnight(day: date, tz: tzinfo) -> datetime:
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
            raise UsageError(
                tr("period %(value)r ends before it starts", value=text),
                hint=tr("Write FROM..TO, the earlier date first."),
            )
        return Period(since, until)
    raise UsageError(
        tr("unknown period %(value)r", value=text),
        hint=tr(
            "Use last-week, last-month, last-7d, last-30d or FROM..TO "
            "(e.g. 2026-03-01..2026-03-31)."
        ),
    )


def _bound(value: str, tz: ZoneInfo, *, end: bool, text: str) -> datetime:
    try:
        # A date-time the clock shows twice or never is refused, naming the period.
        return time_bound(value, tz, end=end, field=tr("period %(value)r:", value=text))
    except ValueError:
        raise UsageError(
            tr("period %(value)r: %(part)r is not a date", value=text, part=value),
            hint=tr("Write the dates as YYYY-MM-DD, e.g. 2026-03-01..2026-03-31."),
        ) from None


def time_bound(
    value: str, tz: tzinfo, *, end: bool = False, naive: tzinfo | None = None, field: str = ""
) -> datetime:
    """One end of a period as people write it: an ISO date is a day in ``tz``
    (its midnight; with ``end``, the next day's, so that the day is
    included); an ISO date-time keeps its offset, or is read in ``naive``
    (default ``tz``) without one. ``ValueError`` when it is neither. Periods,
    the command line's ``--since``/``--until`` and the API's dates read their
    days here. ``field`` (``--since``): a date-time without an offset that
    the clock shows twice or never is refused, naming it (:class:`UnclearTime`)."""
    text = value.strip()
    if "T" in text or ":" in text:
        dt = datetime.fromisoformat(text)
        if dt.tzinfo:
            return dt
        dt = dt.replace(tzinfo=naive or tz)
        if field:
            from veille.timefmt import check_shown_once

            check_shown_once(dt, field)
        return dt
    day = date.fromisoformat(text)
    return _midnight(day + timedelta(days=1) if end else day, tz)


@dataclass(frozen=True)
class Scope:
    """Which posts an aggregation reads: plain filters plus restrictions that
    every storage backend compiles in its own dialect (a saved topic, words
    looked up in the full-text index, compiled queries)."""

    flt: PostFilter = field(default_factory=PostFilter)
    label: str = ""
    # Set when the restriction is exactly "filed under this topic" (its filings
    # complete for its current query): aggregations may read the topic's rollups.
    topic_id: int | None = None
    # Compiled queries (query ASTs) the posts must match; compiled by the backend
    # so that their full-text lookups are bounded by the period (posts are keyed
    # by time).
    queries: tuple[Any, ...] = ()
    # Saved topics (ids) the posts must be filed under.
    topics: tuple[int, ...] = ()
    # Groups of words (folded tokens) the posts must all hold, per group.
    words: tuple[tuple[str, ...], ...] = ()
    # Read every post instead of the rollups: the same answer, slower; tests
    # compare the two.
    scan: bool = False

    @property
    def restricted(self) -> bool:
        """True when the scope has a restriction beyond plain filters."""
        return bool(self.queries or self.topics or self.words or self.scan)

    def during(self, period: Period) -> Scope:
        return replace(self, flt=replace(self.flt, since=period.since, until=period.until))

    def within_topic(self, topic_id: int, label: str = "") -> Scope:
        """This scope AND filed under the saved topic ``topic_id``."""
        return replace(
            self,
            topics=(*self.topics, topic_id),
            label=label or self.label,
            topic_id=None if self.restricted else topic_id,
        )


def words_scope(text: str, base: Scope | None = None) -> Scope:
    """Posts holding every word of ``text`` (case and accents ignored), via the
    full-text index."""
    from veille.textnorm import tokens

    words = tuple(tokens(text))
    if not words:
        raise UsageError(tr("%(text)r holds no word to look for", text=text))
    scope = base or Scope()
    return replace(scope, words=(*scope.words, words), label=text, topic_id=None)
