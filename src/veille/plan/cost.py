"""What the presence will cost: hours per week per channel, from the planned
cadence, the volume veille measures on that platform for the plan's topics
and the response targets; plus the money the user enters (tools, promotion).

Every assumption is a named constant below, with its reasoning; the estimate
lists them beside the figures so the organization can argue with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from veille.errors import Figure, NotFound, Place, UsageError, tr
from veille.plan.common import audit, now_utc
from veille.store.protocols.plan import Channel, CostItem

if TYPE_CHECKING:
    from collections.abc import Mapping

    from veille.workspace import Workspace

#: Writing one post: drafting, an image with its alt text, checking it against
#: the guidelines and the platform's rules, scheduling it.
MINUTES_PER_POST = 30
#: Of the mentions veille measures on a platform for the plan's topics, the
#: share that calls for an answer (questions, complaints, direct mentions);
#: most mentions are conversation about the topic, not to the organization.
REPLY_SHARE = 0.10
#: Reading the mention, checking facts, writing a short answer.
MINUTES_PER_REPLY = 5
#: Reading the stream and the notifications of a channel once a working day.
MONITORING_MINUTES_PER_DAY = 15
#: A response target shorter than a working day means looking again every
#: so many minutes; each extra look costs this much.
MINUTES_PER_CHECK = 2
WORKING_DAYS_PER_WEEK = 5
WORKING_HOURS_PER_DAY = 8
#: Mentions are measured over the last four weeks (one week is too noisy).
MEASURE_DAYS = 28
WEEKS_PER_MONTH = 52 / 12
#: The plan settings that hold what the team has.
HOURS_AVAILABLE = "hours_available"
BUDGET_PER_MONTH = "budget_per_month"

ASSUMPTIONS: list[tuple[str, float, str, str]] = [
    (
        "MINUTES_PER_POST",
        MINUTES_PER_POST,
        "minutes to write one post (draft, image and alt text, checks, scheduling)",
        "minutes pour écrire une publication (rédaction, image et texte alternatif, "
        "vérifications, programmation)",
    ),
    (
        "REPLY_SHARE",
        REPLY_SHARE,
        "share of the mentions measured on the platform that call for an answer",
        "part des mentions mesurées sur la plateforme qui appellent une réponse",
    ),
    ("MINUTES_PER_REPLY", MINUTES_PER_REPLY, "minutes per answer", "minutes par réponse"),
    (
        "MONITORING_MINUTES_PER_DAY",
        MONITORING_MINUTES_PER_DAY,
        "minutes per working day reading a channel's stream and notifications",
        "minutes par jour ouvré pour lire le fil et les notifications d’un canal",
    ),
    (
        "MINUTES_PER_CHECK",
        MINUTES_PER_CHECK,
        "minutes per extra look that a response target shorter than a working day requires",
        "minutes par passage supplémentaire qu’impose un délai de réponse plus court qu’une "
        "journée de travail",
    ),
    (
        "WORKING_DAYS_PER_WEEK",
        WORKING_DAYS_PER_WEEK,
        "working days per week",
        "jours ouvrés par semaine",
    ),
    (
        "WORKING_HOURS_PER_DAY",
        WORKING_HOURS_PER_DAY,
        "working hours per day",
        "heures de travail par jour",
    ),
    (
        "MEASURE_DAYS",
        MEASURE_DAYS,
        "days of mentions averaged into a week",
        "jours de mentions ramenés à une semaine",
    ),
]


@dataclass(frozen=True)
class ChannelCost:
    platform: str
    posts_per_week: float
    mentions_per_week: float
    replies_per_week: float
    checks_per_day: float
    hours_posting: float
    hours_replying: float
    hours_monitoring: float

    @property
    def hours(self) -> float:
        return self.hours_posting + self.hours_replying + self.hours_monitoring


@dataclass(frozen=True)
class CostEstimate:
    channels: list[ChannelCost]
    money: list[CostItem]
    hourly_rate: float | None = None
    topics: tuple[str, ...] = ()
    #: What the team has (``veille plan capacity``): hours a week it can give
    #: the presence, and money a month; ``None`` where it has not been said.
    hours_available: float | None = None
    budget_per_month: float | None = None
    assumptions: list[tuple[str, float, str, str]] = field(default_factory=lambda: ASSUMPTIONS)
    #: The days of the last :data:`MEASURE_DAYS` veille holds posts for,
    #: which the mentions a week are averaged over (:func:`measured_days`).
    measured_days: float = MEASURE_DAYS
    #: The currency of every amount here ([workspace] currency, ISO 4217).
    currency: str = "EUR"

    @property
    def measure_days(self) -> int:
        """The days the mentions are measured over, once veille holds them."""
        return MEASURE_DAYS

    @property
    def partial_days(self) -> int | None:
        """The whole days the mentions were averaged over, when fewer than
        :data:`MEASURE_DAYS` (a workspace collecting for less long)."""
        if self.measured_days >= MEASURE_DAYS:
            return None
        return max(1, round(self.measured_days))

    @property
    def hours_per_week(self) -> float:
        return sum(c.hours for c in self.channels)

    @property
    def money_per_month(self) -> float:
        return sum(m.monthly for m in self.money)

    @property
    def staff_per_month(self) -> float | None:
        if self.hourly_rate is None:
            return None
        return self.hours_per_week * WEEKS_PER_MONTH * self.hourly_rate

    @property
    def hours_over(self) -> float:
        """Hours a week the plan asks beyond what the team has (0 within it,
        or when the team's hours are not known)."""
        if self.hours_available is None:
            return 0.0
        return max(0.0, round(self.hours_per_week, 2) - self.hours_available)

    @property
    def money_over(self) -> float:
        """Money a month the plan asks beyond the budget (0 within it, or
        when there is no budget)."""
        if self.budget_per_month is None:
            return 0.0
        return max(0.0, round(self.money_per_month, 2) - self.budget_per_month)

    @property
    def over_capacity(self) -> bool:
        return self.hours_over > 0 or self.money_over > 0


def checks_per_day(response_minutes: int) -> float:
    """Looks at a channel per working day that a response target requires
    (one when there is no target or it is a working day or longer)."""
    if response_minutes <= 0 or response_minutes >= WORKING_HOURS_PER_DAY * 60:
        return 1.0
    return WORKING_HOURS_PER_DAY * 60 / response_minutes


def channel_cost(channel: Channel, mentions_per_week: float) -> ChannelCost:
    replies = mentions_per_week * REPLY_SHARE
    checks = checks_per_day(channel.response_minutes)
    monitoring = WORKING_DAYS_PER_WEEK * (
        MONITORING_MINUTES_PER_DAY + (checks - 1) * MINUTES_PER_CHECK
    )
    return ChannelCost(
        platform=channel.platform,
        posts_per_week=channel.posts_per_week,
        mentions_per_week=mentions_per_week,
        replies_per_week=replies,
        checks_per_day=checks,
        hours_posting=channel.posts_per_week * MINUTES_PER_POST / 60,
        hours_replying=replies * MINUTES_PER_REPLY / 60,
        hours_monitoring=monitoring / 60,
    )


def plan_topics(state: Any) -> tuple[str, ...]:
    """The topics the objectives name, in order, each once; one that no
    longer exists (deleted under an objective before veille refused to) is
    left out, as the plan's pages say (:mod:`veille.services.dangling`): it
    stopped the plan's page, its cost and its document (a 404 naming it)."""
    known = {t.name for t in state.topics()}
    named = (t for o in state.plan_objectives() for t in o.topics if t in known)
    return tuple(dict.fromkeys(named))


def weekly_by_platform(
    ws: Workspace, topics: tuple[str, ...], now: datetime | None = None
) -> dict[str, float]:
    """Posts per week on each platform in the plan's ``topics`` over the last
    :data:`MEASURE_DAYS` days (a post in two topics counts twice: it may call
    for two answers)."""
    from collections import Counter

    from veille.analytics.topics import topic_scope
    from veille.analytics.volume import grouped
    from veille.plan.kpis import window

    per = window(now_utc(now), MEASURE_DAYS)
    days = measured_days(ws, now)
    posts: Counter[str] = Counter()
    for t in topics:
        for platform, n, _engagement, _reach in grouped(
            ws.store, topic_scope(ws.store, t).during(per), ("platform",)
        ):
            posts[platform] += n
    return {p: n * 7 / days for p, n in posts.items()}


def measured_days(ws: Workspace, now: datetime | None = None) -> float:
    """The days of the last :data:`MEASURE_DAYS` that veille holds posts
    for: all of them, or those since the oldest post held, a day at least.
    A workspace collecting for a week averaged its week of mentions over
    four, and the plan made at the start asked a quarter of the hours that
    answering them takes. (Posts held, as :func:`weekly_by_platform` counts.)"""
    from veille.plan.kpi_measures import listening_since
    from veille.plan.kpis import window

    per = window(now_utc(now), MEASURE_DAYS)
    begin = listening_since(ws)
    if begin is None or begin <= per.since:
        return float(MEASURE_DAYS)
    return max(1.0, (per.until - begin).total_seconds() / 86400)


def estimate(
    ws: Workspace, *, now: datetime | None = None, weekly: Mapping[str, float] | None = None
) -> CostEstimate:
    """What the plan costs; ``weekly``: :func:`weekly_by_platform` of the
    plan's topics, when already read."""
    state = ws.state
    topics = plan_topics(state)
    chosen = state.plan_channels()
    if weekly is None:
        weekly = weekly_by_platform(ws, topics, now) if chosen else {}
    channels = [channel_cost(c, weekly.get(c.platform, 0.0)) for c in chosen]
    settings = state.plan_settings()
    rate = settings.get("hourly_rate")

    def known(key: str) -> float | None:
        value = settings.get(key)
        return None if value is None else float(value)

    return CostEstimate(
        channels,
        state.plan_costs(),
        float(rate) if rate else None,
        topics,
        hours_available=known(HOURS_AVAILABLE),
        budget_per_month=known(BUDGET_PER_MONTH),
        measured_days=measured_days(ws, now) if chosen else float(MEASURE_DAYS),
        currency=ws.settings.workspace.currency,
    )


def set_money(
    state: Any, label: str, monthly: float, *, note: str = "", actor: str | None = None
) -> CostItem:
    label = label.strip()
    if not label:
        raise UsageError(tr("a cost needs a label"), hint=tr("E.g. 'scheduling tool'."))
    if monthly < 0:
        raise UsageError(
            tr(
                "%(field)s: %(value)s is negative",
                field=tr("Amount per month"),
                value=Figure(monthly),
            ),
            hint=tr("Give the amount per month, 0 or more."),
        )
    item = CostItem(label, float(monthly), note.strip())
    state.save_cost(item)
    audit(state, actor, "plan.cost.set", label, str(monthly))
    return item


def remove_money(state: Any, label: str, *, actor: str | None = None) -> None:
    if not state.delete_cost(label):
        raise NotFound(
            tr("no cost is labelled %(label)r", label=label),
            hint=tr(
                "See the plan's costs (%(where)s).", where=Place("veille plan cost", page="/plan")
            ),
        )
    audit(state, actor, "plan.cost.remove", label)


def _finite(value: float | None, what: str) -> None:
    """Refuse what float() reads but is no amount (nan, inf): '--hours nan'
    was stored, and the cost read 'Staff time at NaN an hour'."""
    if value is not None and not math.isfinite(value):
        raise UsageError(
            tr("%(field)s: %(text)r is not a number", field=what, text=str(value)),
            hint=tr("Write a number."),
        )


def set_hourly_rate(state: Any, rate: float | None, *, actor: str | None = None) -> None:
    _finite(rate, "rate")
    if rate is not None and rate < 0:
        raise UsageError(
            tr("hourly rate %(value)s is negative", value=Figure(rate)), hint=tr("Give 0 or more.")
        )
    state.set_plan_setting("hourly_rate", None if rate is None else str(rate))
    audit(state, actor, "plan.cost.rate", str(rate))


def set_capacity(
    state: Any,
    *,
    hours: float | None = None,
    budget: float | None = None,
    clear: bool = False,
    actor: str | None = None,
) -> None:
    """Say what the team has: ``hours`` a week it can give the presence and
    a ``budget`` a month (each left as it is when ``None``; ``clear`` forgets
    both). The cost and the adoption are checked against them."""
    for value, what in ((hours, tr("hours a week")), (budget, tr("budget a month"))):
        _finite(value, what)
        if value is not None and value < 0:
            raise UsageError(
                tr("%(what)s %(value)s is negative", what=what, value=Figure(value)),
                hint=tr("Give 0 or more."),
            )
    if clear:
        state.set_plan_setting(HOURS_AVAILABLE, None)
        state.set_plan_setting(BUDGET_PER_MONTH, None)
    if hours is not None:
        state.set_plan_setting(HOURS_AVAILABLE, str(float(hours)))
    if budget is not None:
        state.set_plan_setting(BUDGET_PER_MONTH, str(float(budget)))
    audit(state, actor, "plan.capacity", "plan", f"hours {hours} budget {budget} clear {clear}")
