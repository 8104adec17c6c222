"""Trends (``/trends``): the terms of a topic or query rising against the
periods before (the analytics library's ``trending_terms``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from veille.errors import VeilleError
from veille.services import analytics as analytics_service
from veille.web.deps import Viewer, lang, render, workspace
from veille.web.forms import store_errors_through
from veille.web.listening import (
    app_recent,
    recent,
    refusal_status,
    said_to,
    scope_asked,
    scope_form,
)

router = APIRouter()

SHOWN = 25
BASELINE = 4
#: The view a first visitor gets (the form's defaults).
DEFAULT = {"query": "", "topic": "", "period": "last-30d"}


def _trending(ws: Any, asked: dict[str, str]) -> list[Any]:
    from veille.analytics.trends import trending_terms

    scope = analytics_service.build_scope(
        ws, query=asked["query"] or None, topic=asked["topic"] or None
    )
    from veille.analytics.volume import listening_since

    per = analytics_service.period(ws, asked["period"])
    return trending_terms(
        ws.store, scope, per, limit=SHOWN, baseline_periods=BASELINE,
        listening=listening_since(ws.store, scope),
    )  # fmt: skip


def _key(asked: dict[str, str]) -> tuple[str, str, str]:
    return asked["query"], asked["topic"], asked["period"]


@router.get("/trends", response_class=HTMLResponse)
def trends(request: Request, user: Viewer) -> HTMLResponse:
    ws = workspace(request)
    asked = scope_asked(request)
    context = scope_form(request, asked)
    found: list[Any] = []
    refused = bool(context["error"] or context["query_error"])
    scope: dict[str, str] = {}
    try:
        # The same terms for every viewer, a minute old at most: the terms
        # of a million posts' sample take seconds to extract (about 4 s at 1M).
        if not refused:
            found = recent(request, "trends").get(_key(asked), lambda: _trending(ws, asked))
            scope = _counted(ws, asked, lang(request))
    except VeilleError as exc:
        store_errors_through(exc)
        context["error"] = said_to(user, exc)
    # 400 for a period or query refused, 404 for a topic that does not exist
    # (found on reading), as the reports page answers.
    return render(
        request, "trends/index.html",
        context | {"trends": found, "baseline": BASELINE} | scope,
        status_code=refusal_status(context["error"], context["query_error"]),
    )  # fmt: skip


def _counted(ws: Any, asked: dict[str, str], language: str) -> dict[str, str]:
    """Which days the terms count, said on the page, and the stream's
    filters that show the posts a term was counted in: a term's link led to
    the stream of every post ever stored with the term, whatever the period
    and the query asked (a term rising this week listed two years of it)."""
    from datetime import timedelta

    from veille.i18n import format_period

    per = analytics_service.period(ws, asked["period"])
    tz = ws.settings.workspace.timezone
    last = per.until - timedelta(microseconds=1)
    return {
        "days": format_period(per.since, per.until, language, tz),
        "since": per.since.date().isoformat(),
        "until": last.date().isoformat(),
    }


def warm(app: Any) -> None:
    """Make the default view's terms now, as a visitor's request would
    (``veille serve`` calls it on a thread when it starts, after the
    dashboard's)."""
    ws = app.state.workspace
    app_recent(app, "trends").get(_key(DEFAULT), lambda: _trending(ws, DEFAULT))
