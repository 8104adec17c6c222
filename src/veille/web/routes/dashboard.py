"""The overview dashboard (``/``): each topic's volume, sentiment, platforms,
share of voice and spikes with what drove them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from veille.analytics import charts as chart_lib
from veille.analytics.findings import platform_name
from veille.i18n import format_change
from veille.services import dashboard as dashboard_service
from veille.web.deps import Viewer, lang, render, workspace
from veille.web.listening import charts, recent

router = APIRouter()


def _overview(request: Request, chosen: str, language: str) -> tuple[Any, list[Any], Any]:
    ws = workspace(request)
    found = dashboard_service.overview(ws, chosen, lang=language)
    draw = charts(request)
    tz = ws.settings.workspace.timezone
    cards = []
    for t in found.topics:
        named = [replace(s, key=platform_name(s.key)) for s in t.platforms if s.posts]
        chart = chart_lib.volume_chart(t.volume, lang=language, about=t.name)
        cards.append({"topic": t, "volume_svg": draw.svg(chart), "platforms": named[:5]})
    sov_svg = (
        draw.svg(chart_lib.sov_chart(found.voices, lang=language, period=found.period, timezone=tz))
        if found.voices
        else None
    )
    return found, cards, sov_svg


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: Viewer) -> HTMLResponse:
    language = lang(request)
    chosen = request.query_params.get("period", "last-30d")
    if chosen not in dashboard_service.PERIODS:
        chosen = "last-30d"
    # The same figures and charts for every viewer: made once a minute at most.
    found, cards, sov_svg = recent(request, "dashboard").get(
        (chosen, language), lambda: _overview(request, chosen, language)
    )
    return render(
        request,
        "dashboard/index.html",
        {
            "overview": found,
            "cards": cards,
            "sov_svg": sov_svg,
            "periods": dashboard_service.PERIODS,
            "change": lambda value: format_change(value, language),
        },
    )
