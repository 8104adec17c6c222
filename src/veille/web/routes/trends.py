"""Trends (``/trends``): the terms of a topic or query rising against the
periods before (the analytics library's ``trending_terms``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from veille.errors import VeilleError
from veille.services import analytics as analytics_service
from veille.web.deps import Viewer, render, workspace
from veille.web.listening import scope_asked, scope_form

router = APIRouter()

SHOWN = 25
BASELINE = 4


@router.get("/trends", response_class=HTMLResponse)
def trends(request: Request, user: Viewer) -> HTMLResponse:
    from veille.analytics.trends import trending_terms

    ws = workspace(request)
    asked = scope_asked(request)
    context = scope_form(request, asked)
    found: list[Any] = []
    try:
        scope = analytics_service.build_scope(
            ws, query=asked["query"] or None, topic=asked["topic"] or None
        )
        per = analytics_service.period(ws, asked["period"])
        found = trending_terms(ws.store, scope, per, limit=SHOWN, baseline_periods=BASELINE)
    except VeilleError as exc:
        context["error"] = exc
    return render(request, "trends/index.html", context | {"trends": found, "baseline": BASELINE})
