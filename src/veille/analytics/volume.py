"""Volume over time, breakdowns, net sentiment and share of voice.

Counts are grouped by quarter-hour (``published_at / 900``) in SQL and put in
local hours, days or weeks in Python: every time zone offset is a multiple of
15 minutes, so this is exact across DST changes and half-hour zones. Scopes
without a SQL restriction read the ``post_rollup`` table (kept exact by
triggers) instead of scanning posts.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np

from veille.analytics import columns
from veille.analytics.scope import Period, Scope
from veille.errors import StoreError, UsageError

Interval = Literal["hour", "day", "week"]
INTERVALS: tuple[str, ...] = ("hour", "day", "week")
DIMENSIONS: tuple[str, ...] = ("platform", "lang", "country", "sentiment")
QUARTER = 900


def connection(store: Any) -> sqlite3.Connection:
    """The SQLite connection behind ``store`` (analytics reads SQL directly)."""
    conn = getattr(store, "conn", None)
    if not isinstance(conn, sqlite3.Connection):
        raise StoreError("analytics needs the SQLite store", hint='Set [store] backend = "sqlite".')
    return conn


def _cube(scope: Scope, dims: tuple[str, ...]) -> list[str] | None:
    """The rollup dimensions that answer ``dims`` under ``scope``'s filters, or
    ``None`` when the rollup cannot (a SQL restriction, bounds not on a
    quarter-hour, or more than two dimensions involved)."""
    f = scope.flt
    if scope.restricted:
        return None
    if not all(t is None or int(t.timestamp()) % QUARTER == 0 for t in (f.since, f.until)):
        return None
    needed = set(dims)
    if f.platforms:
        needed.add("platform")
    if f.languages:
        needed.add("lang")
    return sorted(needed) if len(needed) <= 2 else None


def grouped(
    store: Any, scope: Scope, dims: tuple[str, ...] = (), *, by_bucket: bool | _Buckets = False
) -> list[tuple[Any, ...]]:
    """Rows ``([bucket,] *dims, posts, engagement, reach)`` for ``scope``.

    ``by_bucket=True`` groups by quarter-hour; a :class:`_Buckets` groups by
    its local hour, day or week numbers. Missing dimension values come back
    as ``""``.
    """

    def bucket(q: str) -> list[str]:
        if by_bucket is False:
            return []
        return [q if by_bucket is True else by_bucket.sql().format(q=q)]

    for d in dims:
        if d not in DIMENSIONS:
            raise UsageError(
                f"unknown breakdown {d!r}", hint=f"Use one of {', '.join(DIMENSIONS)}."
            )
    conn = connection(store)
    n = len(dims) + (1 if by_bucket else 0)
    group = f" GROUP BY {', '.join(str(i) for i in range(1, n + 1))}" if n else ""
    f = scope.flt
    aligned = all(t is None or int(t.timestamp()) % QUARTER == 0 for t in (f.since, f.until))
    if scope.topic_id is not None and not dims and aligned and not f.platforms and not f.languages:
        clauses: list[str] = ["topic_id = ?"]
        params: list[Any] = [scope.topic_id]
        if f.since is not None:
            clauses.append("bucket >= ?")
            params.append(int(f.since.timestamp()) // QUARTER)
        if f.until is not None:
            clauses.append("bucket < ?")
            params.append(int(f.until.timestamp()) // QUARTER)
        lead = "".join(c + ", " for c in bucket("bucket"))
        sql = (
            f"SELECT {lead}sum(posts), sum(engagement), sum(reach) FROM topic_rollup "
            f"WHERE {' AND '.join(clauses)}{group}"
        )
        return [r for r in conn.execute(sql, params).fetchall() if r[-3]]
    cube = _cube(scope, dims)
    if cube is not None:
        column = {name: f"v{i + 1}" for i, name in enumerate(cube)}
        clauses = ["dim = ?"]
        params = ["+".join(cube)]
        if f.since is not None:
            clauses.append("bucket >= ?")
            params.append(int(f.since.timestamp()) // QUARTER)
        if f.until is not None:
            clauses.append("bucket < ?")
            params.append(int(f.until.timestamp()) // QUARTER)
        for name, values in (("platform", f.platforms), ("lang", f.languages)):
            if values:
                clauses.append(f"{column[name]} IN ({','.join('?' * len(values))})")
                params.extend(values)
        cols = bucket("bucket") + [column[d] for d in dims]
        sel = ", ".join([*cols, "sum(posts)", "sum(engagement)", "sum(reach)"])
        sql = f"SELECT {sel} FROM post_rollup WHERE {' AND '.join(clauses)}{group}"
        return [r for r in conn.execute(sql, params).fetchall() if r[-3]]
    copy = columns.select(store, scope)
    if copy is not None:
        return columns.grouped(copy, dims, by_bucket)
    where, params = scope.sql()
    cols = bucket("(p.published_at / 900)") + [f"coalesce(p.{d}, '')" for d in dims]
    sel = ", ".join(
        [
            *cols,
            "count(*)",
            "sum(p.likes + p.shares + p.replies)",
            "sum(coalesce(p.author_followers, 0))",
        ]
    )
    sql = f"SELECT {sel} FROM posts p WHERE {where}{group}"
    return [r for r in conn.execute(sql, params).fetchall() if r[-3]]


# -- time buckets -------------------------------------------------------------


def bucket_key(quarter: int, interval: str, tz: ZoneInfo) -> datetime:
    """Local start of the hour, day or week holding quarter-hour ``quarter``."""
    local = datetime.fromtimestamp(quarter * QUARTER, UTC).astimezone(tz)
    if interval == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.date()
    if interval == "week":
        day -= timedelta(days=day.weekday())
    return datetime(day.year, day.month, day.day, tzinfo=tz)


class _Buckets:
    """Quarter-hour -> local hour, day or week, with integer arithmetic.

    A quarter's local time is its UTC time plus the zone's offset, looked up
    once per UTC day (and per quarter only on a day when the offset changes).
    """

    def __init__(self, interval: str, tz: ZoneInfo) -> None:
        if interval not in INTERVALS:
            raise UsageError(f"unknown interval {interval!r}", hint="Use hour, day or week.")
        self.interval = interval
        self.tz = tz
        self._day_offset: dict[int, int | None] = {}
        self._keys: dict[int, datetime] = {}

    def _offset(self, t: int) -> int:
        day = t // 86400
        if day not in self._day_offset:
            first = datetime.fromtimestamp(day * 86400, self.tz).utcoffset()
            last = datetime.fromtimestamp(day * 86400 + 86399, self.tz).utcoffset()
            steady = first is not None and first == last
            self._day_offset[day] = int(first.total_seconds()) if steady and first else None
        off = self._day_offset[day]
        if off is None:
            delta = datetime.fromtimestamp(t, self.tz).utcoffset()
            return int(delta.total_seconds()) if delta else 0
        return off

    def index(self, quarter: int) -> int:
        t = quarter * QUARTER
        local = t + self._offset(t)
        if self.interval == "hour":
            return local // 3600
        days = local // 86400
        return days if self.interval == "day" else (days + 3) // 7  # weeks start on Monday

    def key(self, quarter: int) -> datetime:
        idx = self.index(quarter)
        found = self._keys.get(idx)
        if found is None:
            found = self._keys[idx] = bucket_key(quarter, self.interval, self.tz)
        return found

    def keys(self, period: Period) -> list[datetime]:
        """Bucket starts of ``period`` in order; also learns where the zone's
        offset changes, for :meth:`sql`."""
        start = int(period.since.timestamp()) // QUARTER
        end = -(-int(period.until.timestamp()) // QUARTER)
        seen: dict[int, None] = {}
        self._segments: list[tuple[int, int]] = []  # (first quarter, offset)
        span = 4 if self.interval == "hour" else 96  # quarters in a local hour, day
        q = start
        while q < end:
            # One UTC day at a time: on a day of steady offset, only the
            # quarters where a local hour (or day) starts can start a bucket.
            day = q * QUARTER // 86400
            day_end = min(end, (day + 1) * 86400 // QUARTER)
            self._offset(q * QUARTER)
            steady = self._day_offset[day]
            points: Iterable[int]
            if steady is None:
                points = range(q, day_end)
            else:
                first = q + (-(q + steady // QUARTER)) % span
                points = itertools.chain((q,), range(first, day_end, span))
            for p in points:
                off = self._offset(p * QUARTER)
                if not self._segments or self._segments[-1][1] != off:
                    self._segments.append((p, off))
                idx = self.index(p)
                if idx not in seen:
                    seen[idx] = None
                    self.key(p)
            q = day_end
        self._seen = list(seen)
        return [self._keys[i] for i in seen]

    def sql(self) -> str:
        """The bucket number of quarter ``{q}`` as SQL (after :meth:`keys`), so
        that the database groups by local hour, day or week itself. Offsets are
        integers computed here, never user input."""
        segs = self._segments or [(0, 0)]
        off = str(segs[0][1])
        if len(segs) > 1:
            whens = " ".join(
                f"WHEN {{q}} < {segs[i + 1][0]} THEN {segs[i][1]}" for i in range(len(segs) - 1)
            )
            off = f"CASE {whens} ELSE {segs[-1][1]} END"
        local = f"({{q}} * {QUARTER} + {off})"
        if self.interval == "hour":
            return f"{local} / 3600"
        if self.interval == "day":
            return f"{local} / 86400"
        return f"({local} / 86400 + 3) / 7"

    def numpy(self, quarters: np.ndarray) -> np.ndarray:
        """:meth:`sql` for an array of quarter-hours (after :meth:`keys`)."""
        segs = self._segments or [(0, 0)]
        starts = np.array([q for q, _o in segs[1:]], dtype=np.int64)
        offsets = np.array([o for _q, o in segs], dtype=np.int64)
        local = quarters * QUARTER + offsets[np.searchsorted(starts, quarters, side="right")]
        if self.interval == "hour":
            return local // 3600
        if self.interval == "day":
            return local // 86400
        return (local // 86400 + 3) // 7

    def key_of_index(self, idx: int) -> datetime | None:
        return self._keys.get(idx)


def bucket_keys(period: Period, interval: str, tz: ZoneInfo) -> list[datetime]:
    """Every bucket start of ``period``, in order (empty buckets included)."""
    return _Buckets(interval, tz).keys(period)


@dataclass(frozen=True)
class VolumePoint:
    start: datetime
    posts: int
    previous_start: datetime | None
    previous: int


@dataclass(frozen=True)
class Volume:
    interval: str
    period: Period
    points: list[VolumePoint]
    total: int
    previous_total: int

    @property
    def change(self) -> float | None:
        """Relative change against the previous period (``None`` from zero)."""
        return change(self.total, self.previous_total)


def change(now: float, before: float) -> float | None:
    return None if not before else (now - before) / before


def _series(
    store: Any, scope: Scope, period: Period, interval: str, tz: ZoneInfo
) -> dict[datetime, int]:
    buckets = _Buckets(interval, tz)
    series = dict.fromkeys(buckets.keys(period), 0)
    within = scope.during(period)
    rows = _fts_counts(store, within, period, buckets, list(series))
    if rows is None:
        rows = [(r[0], r[1]) for r in grouped(store, within, by_bucket=buckets)]
    for idx, posts in rows:
        key = buckets.key_of_index(idx)
        if key in series:
            series[key] += posts
    return series


# Above this many buckets, one pass over the matches beats a count per bucket.
_COUNT_PER_BUCKET = 400


def _fts_counts(
    store: Any, scope: Scope, period: Period, buckets: _Buckets, starts: list[datetime]
) -> list[tuple[int, int]] | None:
    """``(bucket index, posts)`` read from the full-text index alone, when one
    FTS5 expression says the whole scope (an ad-hoc query of words, phrases
    and prefixes, no other filter); else None.

    Posts are keyed by time (:mod:`veille.store.sqlite.rows`), so the posts of
    a bucket are a range of index rowids: FTS5 counts them without a lookup in
    the posts table.
    """
    from veille.store.sqlite.rows import SEQ_BITS, key_floor

    f = scope.flt
    if scope.where or scope.topic_id is not None or f.platforms or f.languages:
        return None
    conn = connection(store)
    match = scope.fts_match(conn)
    if match is None:
        return None
    since, until = int(period.since.timestamp()), int(period.until.timestamp())
    if len(starts) > _COUNT_PER_BUCKET:
        sql = (
            f"SELECT {buckets.sql().format(q=f'((rowid >> {SEQ_BITS}) / {QUARTER})')}, "
            "count(*) FROM posts_fts WHERE posts_fts MATCH ? AND rowid >= ? AND rowid < ? "
            "GROUP BY 1"
        )
        return list(conn.execute(sql, (match, key_floor(since), key_floor(until))))
    edges = [max(since, int(s.timestamp())) for s in starts] + [until]
    # One statement per bucket: FTS5 seeks straight to each range of rowids.
    sql = "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ? AND rowid >= ? AND rowid < ?"
    counts = {
        i: conn.execute(sql, (match, key_floor(a), key_floor(b))).fetchone()[0]
        for i, (a, b) in enumerate(itertools.pairwise(edges))
    }
    return [(buckets.index(edges[i] // QUARTER), n) for i, n in counts.items() if n]


def volume(
    store: Any, scope: Scope, period: Period, *, interval: str = "day", timezone: str = "UTC"
) -> Volume:
    """Posts per local hour, day or week of ``period``, with the previous
    period of the same length beside each bucket."""
    tz = ZoneInfo(timezone)
    now = _series(store, scope, period, interval, tz)
    before = _series(store, scope, period.previous(), interval, tz)
    prev_keys = list(before)
    points = []
    for i, (start, n) in enumerate(now.items()):
        pk = prev_keys[i] if i < len(prev_keys) else None
        points.append(VolumePoint(start, n, pk, before.get(pk, 0) if pk else 0))
    return Volume(interval, period, points, sum(now.values()), sum(before.values()))


# -- breakdowns -----------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    key: str
    posts: int
    share: float
    previous: int
    previous_share: float
    engagement: int
    reach: int


def breakdown(store: Any, scope: Scope, period: Period, dim: str) -> list[Share]:
    """Posts by ``dim`` (platform, lang, country or sentiment) with their share,
    beside the previous period; unknown values are keyed ``und``. Country rows
    cover only posts whose country is known."""
    now = grouped(store, scope.during(period), (dim,))
    before = grouped(store, scope.during(period.previous()), (dim,))
    if dim == "country":
        now = [r for r in now if r[0]]
        before = [r for r in before if r[0]]
    total = sum(r[1] for r in now)
    ptotal = sum(r[1] for r in before)
    prev = {r[0] or "und": r[1] for r in before}
    keys = {r[0] or "und": r for r in now}
    out = []
    for key, (_k, posts, eng, reach) in keys.items():
        p = prev.pop(key, 0)
        out.append(
            Share(key, posts, posts / total if total else 0.0, p, p / ptotal if ptotal else 0.0,
                  eng or 0, reach or 0)
        )  # fmt: skip
    for key, p in prev.items():
        out.append(Share(key, 0, 0.0, p, p / ptotal if ptotal else 0.0, 0, 0))
    out.sort(key=lambda s: (-s.posts, -s.previous, s.key))
    return out


@dataclass(frozen=True)
class SentimentPoint:
    start: datetime
    positive: int
    negative: int
    neutral: int

    @property
    def scored(self) -> int:
        return self.positive + self.negative + self.neutral

    @property
    def net(self) -> float | None:
        """Positive share minus negative share of scored posts, in [-1, 1]."""
        return (self.positive - self.negative) / self.scored if self.scored else None


def net_sentiment(
    store: Any, scope: Scope, period: Period, *, interval: str = "day", timezone: str = "UTC"
) -> list[SentimentPoint]:
    """Positive, negative and neutral posts per bucket; unscored posts are left out."""
    tz = ZoneInfo(timezone)
    buckets = _Buckets(interval, tz)
    counts: dict[datetime, dict[str, int]] = {k: defaultdict(int) for k in buckets.keys(period)}
    for idx, label, posts, _e, _r in grouped(
        store, scope.during(period), ("sentiment",), by_bucket=buckets
    ):
        key = buckets.key_of_index(idx)
        if key in counts:
            counts[key][label] += posts
    return [
        SentimentPoint(k, c["positive"], c["negative"], c["neutral"]) for k, c in counts.items()
    ]


def overall_sentiment(store: Any, scope: Scope, period: Period) -> SentimentPoint:
    """Sentiment counts over the whole period (its start as ``start``)."""
    from veille.analytics.authors import sentiment_counts

    fast = sentiment_counts(store, scope, period)
    if fast is not None:
        return SentimentPoint(period.since, *fast)
    c: dict[str, int] = defaultdict(int)
    for label, posts, _e, _r in grouped(store, scope.during(period), ("sentiment",)):
        c[label] += posts
    return SentimentPoint(period.since, c["positive"], c["negative"], c["neutral"])


# -- share of voice --------------------------------------------------------------


@dataclass(frozen=True)
class Voice:
    topic: str
    posts: int
    share: float
    previous: int
    previous_share: float
    engagement: int
    engagement_share: float


def share_of_voice(store: Any, topics: Mapping[str, Scope], period: Period) -> list[Voice]:
    """Each topic's posts and engagement as a share of all the topics' together
    (the brand against its competitors), beside the previous period."""
    if not topics:
        raise UsageError(
            "share of voice needs at least one topic", hint="Name topics with --topic."
        )
    now = {t: grouped(store, s.during(period)) for t, s in topics.items()}
    before = {t: grouped(store, s.during(period.previous())) for t, s in topics.items()}

    def first(rows: list[tuple[Any, ...]], i: int) -> int:
        return int(rows[0][i] or 0) if rows else 0

    total = sum(first(r, 0) for r in now.values())
    ptotal = sum(first(r, 0) for r in before.values())
    etotal = sum(first(r, 1) for r in now.values())
    out = []
    for t in topics:
        posts, eng, prev = first(now[t], 0), first(now[t], 1), first(before[t], 0)
        out.append(
            Voice(t, posts, posts / total if total else 0.0, prev, prev / ptotal if ptotal else 0.0,
                  eng, eng / etotal if etotal else 0.0)
        )  # fmt: skip
    out.sort(key=lambda v: -v.posts)
    return out
