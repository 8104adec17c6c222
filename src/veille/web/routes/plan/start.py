"""The plan's guided start: a few questions (the organization, its first
objective, its topic and channels) that make a first plan to check and adopt."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import VeilleError, tr
from veille.web.deps import (
    Manager,
    error_text,
    lang,
    redirect,
    render,
    translator,
    workspace,
)
from veille.web.forms import (
    comma_list,
    number,
    store_errors_through,
    whole,
)
from veille.web.routes.plan.common import Text

router = APIRouter()


def _start_context(request: Request, error: str | None = None, **form: Any) -> dict[str, Any]:
    from veille.plan.common import PLATFORMS
    from veille.plan.objectives import KINDS, kind_label
    from veille.plan.start import DEFAULTS

    language = lang(request)
    return {
        "kinds": [(k, kind_label(k, language)) for k in KINDS],
        "defaults": {
            k: (d.description_fr if language == "fr" else d.description_en)
            for k, d in DEFAULTS.items()
        },
        "platforms": PLATFORMS,
        "topics": [t.name for t in workspace(request).state.topics()],
        "error": error,
        "form": form,
    }


@router.get("/plan/start", response_class=HTMLResponse)
def start_page(request: Request, user: Manager) -> Response:
    from veille.plan.start import proposed_listening

    topic, competitors = proposed_listening(workspace(request))
    context = _start_context(request, topic=topic, competitors=", ".join(competitors))
    return render(request, "plan/start.html", context)


@router.post("/plan/start", response_class=HTMLResponse)
def start(
    request: Request,
    user: Manager,
    organization: Text = "",
    kind: Text = "customer_service",
    description: Text = "",
    deadline: Text = "",
    owner: Text = "",
    topic: Text = "",
    query: Text = "",
    competitors: Text = "",
    channels: Annotated[list[str] | None, Form()] = None,
    handle: Text = "",
    posts_per_week: Text = "",
    response_minutes: Text = "",
) -> Response:
    from veille.plan.common import parse_day
    from veille.plan.start import StartAnswers, start_plan

    _ = translator(request)
    form = dict(
        organization=organization,
        kind=kind,
        description=description,
        deadline=deadline,
        owner=owner,
        topic=topic,
        query=query,
        competitors=competitors,
        channels=channels or [],
        handle=handle,
        posts_per_week=posts_per_week,
        response_minutes=response_minutes,
    )
    try:
        answers = StartAnswers(
            organization=organization,
            lang=lang(request),
            kind=kind,
            description=description,
            owner=owner or user.username,
            deadline=parse_day(deadline),
            topic=topic,
            query=query,
            competitors=comma_list(competitors),
            channels=channels or [],
            handle=handle,
            posts_per_week=number(
                posts_per_week, tr("Posts a week per channel (empty: the type's default)")
            ),
            response_minutes=whole(
                response_minutes, tr("Response target in minutes (empty: the type's default)")
            ),
        )
        start_plan(workspace(request), answers, actor=user.username)
    except VeilleError as exc:
        store_errors_through(exc)
        context = _start_context(request, error_text(request, exc), **form)
        return render(request, "plan/start.html", context, status_code=400)
    return redirect("/plan", message=_("Your plan is started. Check its cost, then adopt it."))
