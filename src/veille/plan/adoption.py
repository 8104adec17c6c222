"""Adopting the plan: an explicit step, taken after the cost is shown, which
records who committed to what (hours per week and money per month)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from veille.errors import Figure, Money, Place, Text, UsageError, tr
from veille.plan.common import audit, now_utc
from veille.plan.objectives import OBJECTIVE_ADD

if TYPE_CHECKING:
    from veille.plan.cost import CostEstimate
    from veille.workspace import Workspace


ADOPT_OVER_HINT = tr(
    "Lower the cadence or the response targets, or the costs; or say what the team has "
    "(%(where)s); or adopt it anyway, knowing it is more than the team has (%(anyway)s).",
    where=Place("veille plan capacity", page="/plan/edit#capacity"),
    anyway=Place("veille plan adopt --over-capacity", page="/plan#cost"),
)

#: Where a channel is added to the plan.
CHANNEL_SET = Place("veille plan channel set PLATFORM", page="/plan/edit#channels")


def _over_capacity(est: CostEstimate) -> Text:
    # Figure and Money: written the reader's way when the message is shown
    # (``12,5`` hours, ``1 234,50 €`` in French), not English's here.
    if est.hours_over > 0:
        return tr(
            "the plan asks %(need)s hours a week and the team has %(have)s",
            need=Figure(est.hours_per_week, 1),
            have=Figure(est.hours_available or 0.0, 1),
        )
    return tr(
        "the plan costs %(need)s a month and the budget is %(have)s",
        need=Money(est.money_per_month, est.currency),
        have=Money(est.budget_per_month or 0.0, est.currency),
    )


@dataclass(frozen=True)
class Adoption:
    at: datetime
    by: str
    hours_per_week: float
    money_per_month: float

    def changed(self, estimate: CostEstimate) -> bool:
        """Whether the plan now costs other hours or money than it was
        adopted at (it changed since: what was committed no longer holds)."""
        return (
            abs(round(estimate.hours_per_week, 2) - self.hours_per_week) >= 0.01
            or abs(round(estimate.money_per_month, 2) - self.money_per_month) >= 0.01
        )


def adoption(ws: Workspace) -> Adoption | None:
    s = ws.state.plan_settings()
    if "adopted_at" not in s:
        return None
    return Adoption(
        datetime.fromisoformat(s["adopted_at"]),
        s.get("adopted_by", ""),
        float(s.get("adopted_hours", 0)),
        float(s.get("adopted_money", 0)),
    )


def adopt(
    ws: Workspace,
    estimate: CostEstimate,
    *,
    over_capacity: bool = False,
    actor: str | None = None,
    now: datetime | None = None,
) -> Adoption:
    """Adopt the plan at the cost ``estimate`` (which the caller has shown).
    A plan that asks more hours or money than the team has is refused unless
    ``over_capacity`` says the adopter saw that and commits anyway."""
    state = ws.state
    if not state.plan_objectives():
        raise UsageError(
            tr("the plan has no objective yet"),
            hint=tr("Add an objective first (%(where)s).", where=OBJECTIVE_ADD),
        )
    if not state.plan_channels():
        raise UsageError(
            tr("the plan has no channel yet"),
            hint=tr("Add one first (%(where)s).", where=CHANNEL_SET),
        )
    if estimate.over_capacity and not over_capacity:
        raise UsageError(_over_capacity(estimate), hint=ADOPT_OVER_HINT)
    when = now_utc(now).replace(microsecond=0)
    found = Adoption(
        when, actor or "", round(estimate.hours_per_week, 2), round(estimate.money_per_month, 2)
    )
    state.set_plan_setting("adopted_at", when.isoformat())
    state.set_plan_setting("adopted_by", found.by)
    state.set_plan_setting("adopted_hours", str(found.hours_per_week))
    state.set_plan_setting("adopted_money", str(found.money_per_month))
    audit(state, actor, "plan.adopt", "plan", f"{found.hours_per_week} h/week")
    return found
