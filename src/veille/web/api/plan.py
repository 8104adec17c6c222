"""``/api/v1/plan``: the presence plan as its page shows it, read-only: the
objectives, each KPI with its value, target and status (and the reason, in
the caller's language), the channel plan with its owners."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, Field

from veille.web.api.auth import reader
from veille.web.api.common import Said, Words, api_router
from veille.web.deps import workspace
from veille.workspace import Workspace

router = api_router("plan")
Ws = Annotated[Workspace, Depends(workspace)]


class ObjectiveOut(BaseModel):
    name: str
    kind: str = Field(description="customer_service, marketing, awareness, … or custom.")
    kind_label: str = Field(description="The kind in the caller's language.")
    description: str
    owner: str = Field(description="The username who answers for it ('' for none).")
    deadline: date | None
    topics: list[str]
    channels: list[str] = Field(description="Platforms.")


class KpiPointOut(BaseModel):
    date: date
    value: float


class KpiOut(BaseModel):
    name: str
    kind: str
    kind_label: str = Field(description="The kind in the caller's language.")
    objective: str
    topic: str
    platform: str
    period_days: int = Field(description="The value is measured over this many days to now.")
    value: float | None = Field(description="Measured now; null when it cannot be (see reason).")
    baseline: float | None = Field(description="Measured when the KPI was set.")
    target: float
    deadline: date | None
    status: str = Field(description="on_track, at_risk, achieved, missed or not_measurable.")
    status_label: str = Field(description="The status in the caller's language.")
    reason: str = Field(description="Why, in a sentence, in the caller's language.")
    history: list[KpiPointOut] = Field(description="The value at earlier windows, oldest first.")


class ChannelOut(BaseModel):
    platform: str
    owner: str = Field(description="The username who runs it ('' for none).")
    handle: str = Field(description="The organization's account there.")
    objectives: list[str]
    audience: str
    posts_per_week: float
    tone: str
    languages: list[str]
    response_minutes: int = Field(description="The response target (0: none).")


class PlanOut(BaseModel):
    organization: str
    objectives: list[ObjectiveOut]
    kpis: list[KpiOut]
    channels: list[ChannelOut]


def _kpi(report: Any, words: Words) -> KpiOut:
    from veille.plan.kpis import kind_label
    from veille.plan.status import status_label

    k, lang = report.kpi, words.lang
    return KpiOut(
        name=k.name,
        kind=k.kind,
        kind_label=kind_label(k.kind, lang),
        objective=k.objective,
        topic=k.topic,
        platform=k.platform,
        period_days=k.period_days,
        value=report.value,
        baseline=k.baseline,
        target=k.target,
        deadline=k.deadline,
        status=report.status,
        status_label=status_label(report.status, lang),
        reason=report.reason(lang, words.say),  # the page that does it, not a command
        history=[KpiPointOut(date=d, value=v) for d, v in report.history],
    )


@router.get("/plan", response_model=PlanOut, summary="Read the plan", dependencies=[reader])
def read_plan(request: Request, ws: Ws, words: Said) -> PlanOut:
    """The objectives, the KPIs where they stand (as the plan page judges
    them, from the same figures, a minute old at most) and the channel plan."""
    from veille.plan.objectives import kind_label
    from veille.web.routes.plan.overview import kpi_reports

    state = ws.state
    return PlanOut(
        organization=state.plan_settings().get("organization", ""),
        objectives=[
            ObjectiveOut(
                name=o.name,
                kind=o.kind,
                kind_label=kind_label(o.kind, words.lang),
                description=o.description,
                owner=o.owner,
                deadline=o.deadline,
                topics=list(o.topics),
                channels=list(o.channels),
            )
            for o in state.plan_objectives()
        ],
        kpis=[_kpi(r, words) for r in kpi_reports(request.app, ws)],
        channels=[
            ChannelOut(
                platform=c.platform,
                owner=c.owner,
                handle=c.handle,
                objectives=list(c.objectives),
                audience=c.audience,
                posts_per_week=c.posts_per_week,
                tone=c.tone,
                languages=list(c.languages),
                response_minutes=c.response_minutes,
            )
            for c in state.plan_channels()
        ],
    )
