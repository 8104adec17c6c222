"""Response times and backlog: the figures the plan's customer-service KPIs read.

For the plan (and anyone)::

    from veille.inbox import metrics
    metrics.first_response_times(state, since, until, settings=ws.settings)
    metrics.resolution_times(state, since, until, settings=ws.settings)
    metrics.backlog(state, at, settings=ws.settings)
    metrics.breakdown(state, since, until, by="person", settings=ws.settings)

Times are counted in working time (``[inbox]`` hours, days, holidays and
time zone), from the moment an item entered the inbox to its first reply
(sent, or answered outside veille) or to its closing. Without ``settings``
the defaults apply (09:00-18:00 Monday to Friday, UTC).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from veille.errors import UsageError, tr
from veille.inbox.hours import Targets, WorkingTime

if TYPE_CHECKING:
    from veille.config import Settings
    from veille.store.protocols.inbox import ItemTimes

GROUPS = ("person", "team", "platform", "week", "priority")


@dataclass(frozen=True)
class Times:
    """A set of response (or resolution) times, in working seconds."""

    items: int  # items that entered the inbox in the period
    answered: int  # of which answered (or closed, for resolution)
    median_seconds: float | None
    p90_seconds: float | None
    mean_seconds: float | None
    within_target: float | None  # share of answered items within their target
    waiting: int = 0  # not answered yet

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items, "answered": self.answered, "waiting": self.waiting,
            "median_seconds": self.median_seconds, "p90_seconds": self.p90_seconds,
            "mean_seconds": self.mean_seconds, "within_target": self.within_target,
        }  # fmt: skip


@dataclass(frozen=True)
class Backlog:
    """Items open at a moment: how many, by priority, and how many past their target."""

    at: datetime
    total: int
    by_priority: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    by_person: dict[str, int] = field(default_factory=dict)


def _setup(settings: Settings | None) -> tuple[WorkingTime, Targets]:
    from veille.config import Settings as _Settings

    settings = settings or _Settings()
    hours = WorkingTime.from_settings(settings)
    return hours, Targets.from_settings(settings, hours)


def _ts(value: datetime) -> int:
    if value.tzinfo is None:
        raise UsageError(f"{value} has no time zone", hint="Give an aware datetime (UTC).")
    return int(value.timestamp())


def _dt(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _summarize(
    rows: Sequence[ItemTimes], hours: WorkingTime, targets: dict[str, timedelta], kind: str
) -> Times:
    spans: list[float] = []
    within = 0
    for row in rows:
        end = row.first_response_at if kind == "first_response" else row.closed_at
        if end is None:
            continue
        span = hours.between(_dt(row.created_at), _dt(end))
        spans.append(span.total_seconds())
        target = targets.get(row.priority)
        if target is not None and span <= target:
            within += 1
    if not spans:
        return Times(len(rows), 0, None, None, None, None, len(rows))
    ordered = sorted(spans)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return Times(
        items=len(rows),
        answered=len(spans),
        median_seconds=float(statistics.median(ordered)),
        p90_seconds=float(p90),
        mean_seconds=float(statistics.fmean(ordered)),
        within_target=round(within / len(spans), 4),
        waiting=len(rows) - len(spans),
    )


def first_response_times(
    state: Any, since: datetime, until: datetime, *, settings: Settings | None = None
) -> Times:
    """First-response times of the items that entered the inbox in ``[since, until)``."""
    hours, targets = _setup(settings)
    rows = state.item_times(_ts(since), _ts(until))
    return _summarize(rows, hours, targets.first_response, "first_response")


def resolution_times(
    state: Any, since: datetime, until: datetime, *, settings: Settings | None = None
) -> Times:
    """Times to close the items that entered the inbox in ``[since, until)``."""
    hours, targets = _setup(settings)
    rows = state.item_times(_ts(since), _ts(until))
    return _summarize(rows, hours, targets.resolution, "resolution")


def backlog(state: Any, at: datetime, *, settings: Settings | None = None) -> Backlog:
    """Items open at ``at`` (entered, not closed or ignored by then)."""
    hours, targets = _setup(settings)
    rows = state.open_item_times(_ts(at))
    by_priority: dict[str, int] = defaultdict(int)
    by_person: dict[str, int] = defaultdict(int)
    overdue = 0
    for row in rows:
        by_priority[row.priority] += 1
        by_person[row.assignee or ""] += 1
        target = targets.first_response.get(row.priority)
        answered = row.first_response_at is not None and row.first_response_at <= _ts(at)
        if target is not None and not answered and hours.add(_dt(row.created_at), target) < at:
            overdue += 1
    return Backlog(at, len(rows), dict(by_priority), overdue, dict(by_person))


def _keys(
    row: ItemTimes, by: str, teams: dict[str, list[str]], hours: WorkingTime
) -> Iterable[str]:
    if by == "person":
        return [row.assignee or "(unassigned)"]
    if by == "platform":
        return [row.platform]
    if by == "priority":
        return [row.priority]
    if by == "week":
        year, week, _ = _dt(row.created_at).astimezone(hours.tz).isocalendar()
        return [f"{year}-W{week:02d}"]
    found = [team for team, members in teams.items() if row.assignee in members]
    return found or ["(no team)"]


def breakdown(
    state: Any,
    since: datetime,
    until: datetime,
    *,
    by: str = "person",
    settings: Settings | None = None,
) -> list[dict[str, Any]]:
    """Per person, team, platform, week or priority: first-response and
    resolution times of the items entered in ``[since, until)``, and the
    backlog at ``until``."""
    if by not in GROUPS:
        raise UsageError(
            tr("grouping (by) %(value)r is unknown", value=by),
            hint=tr("Use %(known)s.", known=", ".join(GROUPS)),
        )
    hours, targets = _setup(settings)
    teams = state.inbox_teams() if by == "team" else {}
    groups: dict[str, list[ItemTimes]] = defaultdict(list)
    for row in state.item_times(_ts(since), _ts(until)):
        for key in _keys(row, by, teams, hours):
            groups[key].append(row)
    open_groups: dict[str, int] = defaultdict(int)
    for row in state.open_item_times(_ts(until)):
        for key in _keys(row, by, teams, hours):
            open_groups[key] += 1
    out = []
    for key in sorted(set(groups) | set(open_groups)):
        rows = groups.get(key, [])
        first = _summarize(rows, hours, targets.first_response, "first_response")
        resolved = _summarize(rows, hours, targets.resolution, "resolution")
        out.append(
            {
                by: key,
                "items": len(rows),
                "first_response": first.as_dict(),
                "resolution": resolved.as_dict(),
                "backlog": open_groups.get(key, 0),
            }
        )
    return out
