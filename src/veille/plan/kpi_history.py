"""A KPI's history: its value over each of the last windows of its period
(the last one ending now), the windows a count's scope allows read at once,
and how much of its period the oldest window drawn counts. The values
themselves are :mod:`veille.plan.kpi_measures`'s."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from veille.plan.common import local_day, now_utc
from veille.plan.kpi_measures import (
    COUNTED,
    Measure,
    Since,
    _engagement,
    _own_scope,
    _published_from_calendar,
    _replies_not_counted,
    _topic,
    _topic_gone,
    counted_since,
    followers_by_day,
    listening,
    measure,
    window,
)
from veille.store.protocols.plan import KPI

if TYPE_CHECKING:
    from veille.analytics.scope import Period
    from veille.workspace import Workspace

#: How many earlier windows the history shows beside the current one.
HISTORY_POINTS = 8


#: An earlier window veille listened less of than this is not drawn: its count
#: of an hour or two beside whole periods reads as a fall (or a rise) that is
#: not there, and "1 of its 30 days" would overstate it.
LEAST_LISTENED = timedelta(hours=12)
#: The kinds read as a ratio of the posts of a window.
_RATIOS = ("net_sentiment", "share_of_voice")


def _before_listening(
    ws: Workspace, kpi: KPI, per: Period, since: Since, margin: timedelta = timedelta(0)
) -> bool:
    """Whether ``per`` ends before veille holds any post and ``kpi`` counts
    posts (:func:`measure` finds it not measurable whatever the count), or
    ends less than ``margin`` after its first and ``kpi`` is read from posts
    (a count, or a ratio of them: a net sentiment of the hour's one post)."""
    if kpi.kind not in COUNTED and not (margin and kpi.kind in _RATIOS):
        return False
    if (
        kpi.kind == "posts_published"
        and _published_from_calendar(ws, kpi.platform, per) is not None
    ):
        return False
    oldest, _kept = counted_since(ws, kpi, since)
    return oldest is None or oldest >= per.until - margin


def history(
    ws: Workspace,
    kpi: KPI,
    now: datetime | None = None,
    *,
    since: Since | None = None,
    current: Measure | None = None,
) -> list[tuple[date, float]]:
    """The KPI's values, oldest first: daily snapshots for followers, else the
    value over each of the last windows of ``period_days`` (the last one
    ending now), leaving out windows where it cannot be measured.
    ``current``: the value over the last window, where the caller measured
    it already (it is not read again)."""
    when = now_utc(now)
    if kpi.kind == "followers":
        return followers_by_day(ws, kpi, local_day(when, ws.settings.workspace.timezone))
    if _topic_gone(ws, kpi) is not None:
        # Its windows, read together, looked the topic up and the plan page
        # answered 404 (measure() says why it is not measurable).
        return []
    since = since or listening(ws)
    ends = [when - timedelta(days=kpi.period_days * i) for i in range(HISTORY_POINTS - 1, -1, -1)]
    known: dict[int, Measure] = {len(ends) - 1: current} if current is not None else {}
    # Not measurable, whatever the count: not read.
    # (The current window is drawn however little of it veille listened to:
    # its value is the KPI's, and its reason says how many days it counts.)
    last = len(ends) - 1
    gaps = {
        i
        for i, e in enumerate(ends)
        if _before_listening(
            ws,
            kpi,
            window(e, kpi.period_days),
            since,
            LEAST_LISTENED if i < last else timedelta(0),
        )
    }
    todo = [i for i in range(len(ends)) if i not in known and i not in gaps]
    together = _measure_windows(ws, kpi, [window(ends[i], kpi.period_days) for i in todo])
    if together is not None:
        known.update(zip(todo, together, strict=True))
    points = []
    for i, end in enumerate(ends):
        if i in gaps and i not in known:
            continue
        got = known.get(i) or measure(ws, kpi, window(end, kpi.period_days), since=since)
        if got.value is not None:
            # Dated by the local day each window ends on (as the deadline).
            points.append((local_day(end, ws.settings.workspace.timezone), got.value))
    return points


def first_point_days(
    ws: Workspace,
    kpi: KPI,
    points: list[tuple[date, float]],
    now: datetime | None = None,
    *,
    since: Since | None = None,
) -> int | None:
    """How many days of its period the first of a count's history ``points``
    (from :func:`history` at ``now``) counts, when veille held no post for
    its first days (``None`` when it counts them all): the oldest window
    drawn is often the one the posts begin in, and a third of a month drawn
    beside whole months reads as growth that is not there."""
    if kpi.kind not in COUNTED or not points:
        return None
    when = now_utc(now)
    ends = [when - timedelta(days=kpi.period_days * i) for i in range(HISTORY_POINTS)]
    tz = ws.settings.workspace.timezone
    end = next((e for e in ends if local_day(e, tz) == points[0][0]), None)
    if end is None:
        return None
    per = window(end, kpi.period_days)
    if (
        kpi.kind == "posts_published"
        and _published_from_calendar(ws, kpi.platform, per) is not None
    ):
        return None  # the calendar's record: whole
    oldest, _kept = counted_since(ws, kpi, since or listening(ws))
    if oldest is None or not per.since < oldest < per.until:
        return None
    # As measure() counts a value's days (part of a day is a day); a window
    # the posts begin a few hours into counts its whole period as near as
    # days go, and is not said to count "only 30 of its 30 days".
    days = max(1, round((per.until - oldest).total_seconds() / 86400))
    return days if days < round((per.until - per.since).total_seconds() / 86400) else None


def _measure_windows(ws: Workspace, kpi: KPI, pers: list[Period]) -> list[Measure] | None:
    """:func:`_measure` over each of ``pers`` (windows side by side, each
    ending after the posts begin), a count's scope read once for all of them
    (:meth:`~veille.store.protocols.analytics.AnalyticsPosts.window_totals`);
    ``None`` for a kind measured one window at a time."""
    kind = kpi.kind
    if not pers or kind not in ("mentions", "share_of_voice", "engagement", "posts_published"):
        return None
    if kind == "mentions":
        return [Measure(float(n)) for n, _e in ws.store.window_totals(_topic(ws, kpi.topic), pers)]
    if kind == "share_of_voice":
        from veille.services.analytics import brand_and_competitors

        others = list(kpi.compare) or [t for t in brand_and_competitors(ws)[1] if t != kpi.topic]
        if not others:
            return None  # the reason, from one window
        voices = {
            t: [n for n, _e in ws.store.window_totals(_topic(ws, t), pers)]
            for t in [kpi.topic, *others]
        }
        totals = [sum(counts[i] for counts in voices.values()) for i in range(len(pers))]
        return [
            Measure(round(voices[kpi.topic][i] / total * 100, 1) if total else None)
            for i, total in enumerate(totals)
        ]
    if kind == "posts_published" and any(
        _published_from_calendar(ws, kpi.platform, per) is not None for per in pers
    ):
        return None  # the calendar's record, window by window
    scope = _own_scope(ws, kpi)
    if isinstance(scope, Measure):
        return None  # the reason, from one window
    found = []
    for per, (posts, engagement) in zip(pers, ws.store.window_totals(scope, pers), strict=True):
        if kind == "engagement":
            replies = _replies_not_counted(ws, scope, per)
            found.append(_engagement(kpi, posts, engagement, replies))
        else:
            found.append(Measure(float(posts)))
    return found
