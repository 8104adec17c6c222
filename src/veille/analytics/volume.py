"""Volume over time, breakdowns, net sentiment and share of voice.

Counts are grouped by quarter-hour by the store (its ``post_totals`` and
``posts_per_bucket``) and put in local hours, days or weeks here: every time
zone offset is a multiple of 15 minutes, so this is exact across DST changes
and half-hour zones. How the store answers (rollups kept exact by triggers,
the full-text index, a column copy) is its own business.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from veille.analytics.scope import Period, Scope, days_held
from veille.errors import UsageError, tr

if TYPE_CHECKING:
    import numpy as np

Interval = Literal["hour", "day", "week"]
INTERVALS: tuple[str, ...] = ("hour", "day", "week")
DIMENSIONS: tuple[str, ...] = ("platform", "lang", "country", "sentiment")
QUARTER = 900


def grouped(
    store: Any, scope: Scope, dims: tuple[str, ...] = (), *, by_bucket: bool | _Buckets = False
) -> list[tuple[Any, ...]]:
    """Rows ``([bucket,] *dims, posts, engagement, reach)`` for ``scope``.

    ``by_bucket=True`` groups by quarter-hour; a :class:`_Buckets` groups by
    its local hour, day or week numbers. Missing dimension values come back
    as ``""``.
    """
    for d in dims:
        if d not in DIMENSIONS:
            raise UsageError(
                tr("unknown breakdown %(d)r", d=d),
                hint=tr("Use one of %(names)s.", names=", ".join(DIMENSIONS)),
            )
    rows: list[tuple[Any, ...]] = store.post_totals(scope, dims, by_bucket)
    return rows


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
            raise UsageError(
                tr("unknown interval %(interval)r", interval=interval),
                hint=tr("Use hour, day or week."),
            )
        self.interval = interval
        self.tz = tz
        self._day_offset: dict[int, int | None] = {}
        self.segments: list[tuple[int, int]] = []  # (first quarter, offset), set by keys()
        self._keys: dict[int, datetime] = {}

    def _offset(self, t: int) -> int:
        day = t // 86400
        if day not in self._day_offset:
            first = datetime.fromtimestamp(day * 86400, self.tz).utcoffset()
            last = datetime.fromtimestamp(day * 86400 + 86399, self.tz).utcoffset()
            steady = first is not None and first == last
            # A zero offset (UTC) is steady too: only a change within the day is not.
            self._day_offset[day] = (
                int(first.total_seconds()) if steady and first is not None else None
            )
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
        offset changes (``segments``), so that a backend groups by local hour,
        day or week itself."""
        start = int(period.since.timestamp()) // QUARTER
        end = -(-int(period.until.timestamp()) // QUARTER)
        seen: dict[int, None] = {}
        self.segments = []  # (first quarter, offset)
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
                if not self.segments or self.segments[-1][1] != off:
                    self.segments.append((p, off))
                idx = self.index(p)
                if idx not in seen:
                    seen[idx] = None
                    self.key(p)
            q = day_end
        self._seen = list(seen)
        return [self._keys[i] for i in seen]

    def numpy(self, quarters: np.ndarray) -> np.ndarray:
        """The bucket number of each quarter-hour of ``quarters`` (after :meth:`keys`)."""
        # Imported here: the caller (the column store's aggregation) holds
        # NumPy already, while the web app's pages and the CLI import this
        # module for its records and would load NumPy (~0.15 s) at start.
        import numpy as np

        segs = self.segments or [(0, 0)]
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
    """A bucket of the period beside the bucket at the same offset from the
    start of the period before (``previous_start``). ``previous_start`` is
    ``None`` (and ``previous`` 0) where the period before is shorter and has
    no bucket there (the 29th to 31st of March against February): no data,
    not a drop. ``previous`` is ``None`` where veille holds nothing of that
    bucket (it ends before what is counted begins, :func:`held_before`): a
    day veille did not collect is not 0."""

    start: datetime
    posts: int
    previous_start: datetime | None
    previous: int | None


@dataclass(frozen=True)
class Bucket:
    start: datetime
    posts: int


@dataclass(frozen=True)
class Volume:
    """``previous_total`` counts every post of the period before; those of
    its buckets past the length of this period (31 October against a
    30-day November) are beside no point and listed in ``previous_extra``,
    so that ``sum(p.previous for p in points) + sum(b.posts for b in
    previous_extra) == previous_total``."""

    interval: str
    period: Period
    points: list[VolumePoint]
    total: int
    previous_total: int
    previous_extra: list[Bucket] = field(default_factory=list)
    # Where veille holds only part of the period before (:func:`held_before`):
    # the days of it held, and its days; its total is then no measure of a change.
    previous_held_days: int | None = None
    previous_days: int | None = None

    @property
    def change(self) -> float | None:
        """Relative change against the previous period (``None`` from zero,
        and where veille holds only part of it)."""
        if self.previous_held_days is not None:
            return None
        return change(self.total, self.previous_total)


def listening_since(store: Any, scope: Scope, posts: datetime | None = None) -> datetime | None:
    """When what ``scope`` counts begins: the oldest post held (``posts``,
    when the caller read it already), or, for a saved topic, its counts a
    retention purge kept where they begin earlier (as the plan's KPIs read
    them); ``None`` where the store does not say."""
    if posts is None:
        begin = getattr(store, "posts_begin", None)  # a posts endpoint serves none
        posts = begin() if begin is not None else None
    kept = getattr(store, "topic_counts_begin", None)
    if scope.topic_id is not None and kept is not None:
        counts = kept(scope.topic_id)
        # The counts go by quarter-hours: the one the oldest post held falls
        # in is that post's, not older counts.
        if counts is not None and (
            posts is None or counts.timestamp() < posts.timestamp() // 900 * 900
        ):
            return counts
    return posts


def held_before(vol: Volume, begin: datetime | None) -> Volume:
    """``vol`` saying how much of the period before veille holds, where what
    it counts (:func:`listening_since`: ``begin``) begins inside it or after
    it: its change is then unknown, and the buckets of it that end before
    ``begin`` are not held (``previous`` ``None``, not 0)."""
    if begin is None:
        return vol
    # Each bucket of the period before ends where the next one starts.
    starts = [p.previous_start for p in vol.points if p.previous_start is not None]
    ends = dict(zip(starts, [*starts[1:], *(b.start for b in vol.previous_extra)], strict=False))
    last = vol.period.previous().until
    points = [
        replace(p, previous=None)
        if p.previous_start is not None and ends.get(p.previous_start, last) <= begin
        else p
        for p in vol.points
    ]
    short = days_held(vol.period.previous(), begin)
    held, days = short if short is not None else (None, None)
    return replace(vol, points=points, previous_held_days=held, previous_days=days)


def change(now: float, before: float) -> float | None:
    return None if not before else (now - before) / before


def _series(
    store: Any, scope: Scope, period: Period, interval: str, tz: ZoneInfo
) -> dict[datetime, int]:
    buckets = _Buckets(interval, tz)
    series = dict.fromkeys(buckets.keys(period), 0)
    rows = store.posts_per_bucket(scope.during(period), period, buckets, list(series))
    for idx, posts in rows:
        key = buckets.key_of_index(idx)
        if key in series:
            series[key] += posts
    return series


def volume(
    store: Any, scope: Scope, period: Period, *, interval: str = "day", timezone: str = "UTC"
) -> Volume:
    """Posts per local hour, day or week of ``period``, with the previous
    period of the same length beside each bucket."""
    tz = ZoneInfo(timezone)
    previous = period.previous()
    now_keys = bucket_keys(period, interval, tz)
    before_keys = bucket_keys(previous, interval, tz)
    if previous.until == period.since and set(now_keys).isdisjoint(before_keys):
        # No bucket holds time of both periods (whole local days or hours, or
        # weeks from a Monday): one read of the two, split by bucket. A query
        # less for each chart (5 to 6 ms on ClickHouse).
        both = _series(store, scope, Period(previous.since, period.until), interval, tz)
        now = {k: both.get(k, 0) for k in now_keys}
        before = {k: both.get(k, 0) for k in before_keys}
    else:
        now = _series(store, scope, period, interval, tz)
        before = _series(store, scope, previous, interval, tz)
    # Buckets are paired by their offset from the start of each period (the
    # n-th day beside the n-th day); what the longer period has beyond the
    # other's length is beside nothing, and said so.
    prev_keys = list(before)
    points = []
    for i, (start, n) in enumerate(now.items()):
        pk = prev_keys[i] if i < len(prev_keys) else None
        points.append(VolumePoint(start, n, pk, before[pk] if pk is not None else 0))
    extra = [Bucket(k, before[k]) for k in prev_keys[len(points) :]]
    return Volume(interval, period, points, sum(now.values()), sum(before.values()), extra)


# -- breakdowns -----------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A value's part of the posts of a period and of the one before; a share
    is ``None`` (unknown, shown "–") where that period has no post: 0 out of 0
    is no 0%. Engagement is ``None`` where none of the value's posts gave
    counts, reach where none gave a follower count: unknown is not zero."""

    key: str
    posts: int
    share: float | None
    previous: int
    previous_share: float | None
    engagement: int | None
    reach: int | None
    # Where veille holds only part of the period before (:func:`shares_held_before`).
    previous_held_days: int | None = None
    previous_days: int | None = None


def breakdown(
    store: Any, scope: Scope, period: Period, dim: str, *, held: bool = True
) -> list[Share]:
    """Posts by ``dim`` (platform, lang, country or sentiment) with their share,
    beside the previous period; unknown values are keyed ``und``. Country rows
    cover only posts whose country is known. A saved topic's sentiment counts
    the posts retention purges took out too (:func:`with_purged_sentiment`).
    ``held``: say how much of the period before veille holds
    (:func:`shares_held_before`; a ``min()`` more, 6 ms in chDB at 300,000
    posts), which a caller that shows no figure of it (a spike's
    platforms) does without."""
    now = grouped(store, scope.during(period), (dim,))
    before = grouped(store, scope.during(period.previous()), (dim,))
    if dim == "sentiment":
        now = with_purged_sentiment(store, scope.during(period), now)
        before = with_purged_sentiment(store, scope.during(period.previous()), before)
    out = shares(now, before, dim)
    return shares_held_before(out, period, listening_since(store, scope)) if held else out


_Shared = TypeVar("_Shared", "Share", "Voice")


def shares_held_before(
    rows: list[_Shared], period: Period, begin: datetime | None
) -> list[_Shared]:
    """``rows`` (shares by platform, language… or of voice) of ``period``
    saying how much of the period before veille holds, where what they
    count (:func:`listening_since`: ``begin``) begins inside it or after
    it. Its shares stay: each is a part of the posts of the days veille
    holds, which the days it missed leave out of the part and of the whole
    alike; its counts are of those days only (a share by platform of an
    October held from the 8th was shown as October's, unmarked)."""
    short = days_held(period.previous(), begin)
    if short is None:
        return rows
    held, days = short
    return [replace(r, previous_held_days=held, previous_days=days) for r in rows]


def purged_sentiment(
    store: Any, scope: Scope, buckets: Any = False, *, unscored: bool = True
) -> list[tuple[Any, ...]]:
    """The store's ``purged_sentiment`` of ``scope`` (a saved topic's posts
    that retention purges took out, by sentiment): none for any other scope,
    or from a store that keeps no such figures."""
    read = getattr(store, "purged_sentiment", None)
    if scope.topic_id is None or read is None:
        return []
    rows: list[tuple[Any, ...]] = read(scope, buckets, unscored=unscored)
    return rows


def with_purged_sentiment(
    store: Any, scope: Scope, rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Rows ``(sentiment, posts, engagement, reach)`` of ``scope`` (bounded
    to a period) with the posts retention purges took out of its saved
    topic, which its headline figures count: a topic's breakdown by
    sentiment read the posts held only (5/5/5 beside a headline of
    14/14/14). The purge kept no engagement or reach by sentiment: a row
    that holds purged posts has them unknown (``None``)."""
    purged = purged_sentiment(store, scope)
    if not purged:
        return rows
    out = {r[0]: list(r) for r in rows}
    for label, posts in purged:
        got = out.setdefault(label, [label, 0, None, None])
        got[1] += int(posts)
        got[2] = got[3] = None
    return [tuple(r) for r in out.values()]


def shares(now: list[tuple[Any, ...]], before: list[tuple[Any, ...]], dim: str) -> list[Share]:
    """:func:`breakdown` of the rows ``(value, posts, engagement, reach)`` of
    a period and of the one before."""
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
            Share(key, posts, posts / total if total else None, p,
                  p / ptotal if ptotal else None, eng, reach)
        )  # fmt: skip
    for key, p in prev.items():
        out.append(
            Share(key, 0, 0.0 if total else None, p, p / ptotal if ptotal else None, None, None)
        )
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


def buckets_of(period: Period, interval: str, timezone: str = "UTC") -> _Buckets:
    """The local hours, days or weeks of ``period`` :func:`net_sentiment`
    groups by, for a store call that reads its rows with other figures:
    ready for a store (where the zone's offset changes in ``period`` learned,
    as a store groups by them)."""
    buckets = _Buckets(interval, ZoneInfo(timezone))
    buckets.keys(period)
    return buckets


def net_sentiment(
    store: Any,
    scope: Scope,
    period: Period,
    *,
    interval: str = "day",
    timezone: str = "UTC",
    read: tuple[_Buckets, list[tuple[Any, ...]]] | None = None,
) -> list[SentimentPoint]:
    """Positive, negative and neutral posts per bucket; unscored posts are left out.
    ``read``: the buckets (:func:`buckets_of` for ``period``, ``interval``
    and ``timezone``) and the store's rows ``(bucket, sentiment, posts,
    engagement, reach)`` of ``scope`` over ``period`` by them, when read
    already (a report reads them with its breakdowns:
    :func:`veille.analytics.tops.headline_and_sentiment`'s ``series``)."""
    if read is None:
        buckets = buckets_of(period, interval, timezone)
        rows = grouped(store, scope.during(period), ("sentiment",), by_bucket=buckets)
    else:
        buckets, rows = read
    counts: dict[datetime, dict[str, int]] = {k: defaultdict(int) for k in buckets.keys(period)}
    for idx, label, posts, _e, _r in rows:
        key = buckets.key_of_index(idx)
        if key in counts:
            counts[key][label] += posts
    # A saved topic's posts that retention purges took out, as the purge
    # kept them per quarter-hour: exact in every hour, day or week.
    for idx, label, posts in purged_sentiment(store, scope.during(period), buckets, unscored=False):
        key = buckets.key_of_index(idx)
        if key in counts:
            counts[key][label] += posts
    return [
        SentimentPoint(k, c["positive"], c["negative"], c["neutral"]) for k, c in counts.items()
    ]


def overall_sentiment(store: Any, scope: Scope, period: Period) -> SentimentPoint:
    """Sentiment counts over the whole period (its start as ``start``)."""
    positive, negative, neutral = store.sentiment_totals(scope, period)
    return SentimentPoint(period.since, positive, negative, neutral)


# -- share of voice --------------------------------------------------------------


@dataclass(frozen=True)
class Voice:
    """A topic's part of the compared topics' posts and engagement; a share is
    ``None`` (unknown, shown "–") where the topics together have nothing to
    share in that period: 0 out of 0 is no 0%. A topic's engagement is
    ``None`` where none of its posts gave counts (a feed's): unknown, so is
    its engagement share; the others' shares are of the engagement known."""

    topic: str
    posts: int
    share: float | None
    previous: int
    previous_share: float | None
    engagement: int | None
    engagement_share: float | None
    # Where veille holds only part of the period before (:func:`shares_held_before`).
    previous_held_days: int | None = None
    previous_days: int | None = None


def share_of_voice(store: Any, topics: Mapping[str, Scope], period: Period) -> list[Voice]:
    """Each topic's posts and engagement as a share of all the topics' together
    (the brand against its competitors), beside the previous period."""
    if not topics:
        raise UsageError(
            tr("share of voice needs at least one topic"), hint=tr("Name topics with --topic.")
        )
    now = {t: grouped(store, s.during(period)) for t, s in topics.items()}
    before = {t: grouped(store, s.during(period.previous())) for t, s in topics.items()}

    def first(rows: list[tuple[Any, ...]], i: int) -> int:
        return int(rows[0][i] or 0) if rows else 0

    def engagement(rows: list[tuple[Any, ...]]) -> int | None:
        return rows[0][1] if rows else None  # None: no post gave counts

    voices = voices_of(
        {t: (first(now[t], 0), engagement(now[t]), first(before[t], 0)) for t in topics}
    )
    return shares_held_before(voices, period, compared_since(store, topics.values()))


def compared_since(store: Any, scopes: Iterable[Scope]) -> datetime | None:
    """When what every one of the compared ``scopes`` counts begins (the
    latest of their :func:`listening_since`: the shares of the period
    before are of the days all of them hold); ``None`` where the store does
    not say."""
    posts = getattr(store, "posts_begin", None)
    first = posts() if posts is not None else None
    begins = [listening_since(store, s, first) for s in scopes]
    known = [b for b in begins if b is not None]
    return max(known) if known else None


def voices_of(counted: Mapping[str, tuple[int, int | None, int]]) -> list[Voice]:
    """:func:`share_of_voice` of topics whose figures were read already:
    each topic's ``(posts, engagement, posts of the period before)``, its
    engagement ``None`` where no post gave counts (the dashboard's cards
    read them for both periods: read again here, they were two queries a
    topic, a third of a first view's reads on ClickHouse)."""
    total = sum(posts for posts, _e, _p in counted.values())
    ptotal = sum(prev for _n, _e, prev in counted.values())
    etotal = sum(e for _n, e, _p in counted.values() if e is not None)
    out = []
    for t, (posts, eng, prev) in counted.items():
        eshare = None if eng is None or not etotal else eng / etotal
        out.append(
            Voice(t, posts, posts / total if total else None, prev,
                  prev / ptotal if ptotal else None, eng, eshare)
        )  # fmt: skip
    out.sort(key=lambda v: -v.posts)
    return out


@dataclass(frozen=True)
class UnevenSource:
    """A source that brought posts for some of the compared topics and none
    for others that have posts: it may search only some of the names (an
    API search for the brand alone), so the shares lean toward what it covers."""

    source: str
    covers: tuple[str, ...]
    misses: tuple[str, ...]
    posts: int
    engagement: int
    engagement_share: float  # of every compared topic's engagement together

    def message(self, lang: str = "en") -> str:
        from babel.lists import format_list

        from veille.analytics.findings import num, pct
        from veille.i18n import join, locale

        # The topics it missed, each one it brought none of: "none on vexa or
        # orbita", « aucune sur vexa ni sur orbita » (not "vexa, orbita").
        covers = join(self.covers, lang)
        # "on lumio and vexa, and none on orbita": a comma where it covers several.
        comma = "," if len(self.covers) > 1 else ""
        if lang == "fr":
            misses = (", " if len(self.misses) > 2 else " ").join(
                ("ni sur " if i else "") + m for i, m in enumerate(self.misses)
            )
            n = num(self.posts, lang)
            return (
                f"La source {self.source} a apporté {n} publication{'s' if self.posts > 1 else ''}"
                f" sur {covers}{comma} et aucune sur {misses} "
                f"({pct(self.engagement_share, lang)} de l’engagement comparé)\u202f: "
                "elle ne cherche peut-être que certains des noms "
                f"comparés, et les parts penchent vers {covers}. Comparez des sources qui "
                "couvrent tous les sujets (un filtre de plateforme) ou ajoutez les noms "
                "manquants à sa requête."
            )
        misses = format_list(list(self.misses), style="or", locale=locale("en"))
        return (
            f"Source {self.source} brought {num(self.posts, lang)} "
            f"post{'s' if self.posts != 1 else ''} on {covers}{comma} and none on {misses} "
            f"({pct(self.engagement_share, lang)} of the compared engagement): it may search "
            f"only some of the compared names, so the shares lean toward {covers}. Compare "
            "sources that cover every topic (a platform filter), or add the missing names to "
            "its query."
        )


def uneven_sources(
    store: Any, topics: Mapping[str, Scope], period: Period, *, min_share: float = 0.1
) -> list[UnevenSource]:
    """Sources that cover the compared topics unevenly over ``period``: each
    brought posts for some topics and none for others that have posts, and
    carries weight (at least ``min_share`` of a covered topic's posts, or of
    the engagement compared). Their engagement share is read ``100/0/0``."""
    per_topic = {t: store.posts_by_source(s.during(period)) for t, s in topics.items()}
    active = [t for t in topics if per_topic[t]]
    if len(active) < 2:
        return []
    engagement = sum(e for rows in per_topic.values() for _n, e in rows.values())
    sources = sorted({src for rows in per_topic.values() for src in rows})
    out = []
    for src in sources:
        covers = tuple(t for t in active if src in per_topic[t])
        misses = tuple(t for t in active if src not in per_topic[t])
        if not misses:
            continue
        posts = sum(per_topic[t][src][0] for t in covers)
        eng = sum(per_topic[t][src][1] for t in covers)
        share_of_topic = max(
            per_topic[t][src][0] / sum(n for n, _e in per_topic[t].values()) for t in covers
        )
        eshare = eng / engagement if engagement else 0.0
        if share_of_topic >= min_share or eshare >= min_share:
            out.append(UnevenSource(src or "?", covers, misses, posts, eng, eshare))
    out.sort(key=lambda u: (-u.engagement_share, -u.posts, u.source))
    return out
