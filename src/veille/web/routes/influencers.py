"""Influencers (``/influencers``): who matters in a topic or query over a
period, why (the numbers behind the rank), whether the organization already
engaged with them, and how to reach them."""

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
    refusal_status,
    safe_url,
    said_to,
    scope_asked,
    scope_form,
)

router = APIRouter()

SHOWN = 25


@router.get("/influencers", response_class=HTMLResponse)
def influencers(request: Request, user: Viewer) -> HTMLResponse:
    ws = workspace(request)
    language = lang(request)
    asked = scope_asked(request)
    context = scope_form(request, asked)
    refused = bool(context["error"] or context["query_error"])
    rows: list[dict[str, Any]] = []
    found: list[Any] = []
    try:
        if not refused:
            found = _ranked(request, ws, asked)
            context["days"] = _days(ws, asked, language)
    except VeilleError as exc:
        store_errors_through(exc)
        found, context["error"] = [], said_to(user, exc)
    for i in found:
        latest = i.recent[0] if i.recent else None
        rows.append(
            {
                "handle": i.handle, "name": i.name or "", "score": i.score,
                "platforms": i.platforms, "languages": i.languages, "engaged": i.engaged,
                "why": i.why(language), "profile": safe_url(i.profile), "site": safe_url(i.site),
                "latest": safe_url(latest.url) if latest else None,
            }
        )  # fmt: skip
    # 400 for a period or query refused, 404 for a topic that does not exist
    # (found on reading), as the reports page answers.
    return render(
        request, "influencers/index.html", context | {"rows": rows},
        status_code=refusal_status(context["error"], context["query_error"]),
    )  # fmt: skip


def _days(ws: Any, asked: dict[str, str], language: str) -> str:
    """The whole days the ranks count, said as the dashboard says its own:
    the page said "this period" and no more."""
    from veille.i18n import format_period

    per = analytics_service.period(ws, asked["period"])
    return format_period(per.since, per.until, language, ws.settings.workspace.timezone)


def _ranked(request: Request, ws: Any, asked: dict[str, str]) -> list[Any]:
    return _rank(request.app, ws, asked)


def _rank(app: Any, ws: Any, asked: dict[str, str]) -> list[Any]:
    scope = analytics_service.build_scope(
        ws, query=asked["query"] or None, topic=asked["topic"] or None
    )
    per = analytics_service.period(ws, asked["period"])
    # The posts' figures, the same for every viewer, a minute old at most
    # (0.3 s at 1M posts, 2.3 s at 10M on chDB); the user's decisions about
    # accounts (which are one person) apply on every visit, so a decision
    # shows at once.
    reads = app_recent(app, "influencers").get(
        (asked["query"], asked["topic"], asked["period"]),
        lambda: analytics_service.influencer_reads(ws, scope, per),
    )
    found: list[Any] = analytics_service.rank_influencers(ws, scope, per, limit=SHOWN, reads=reads)
    return found


#: The view a first visitor gets.
DEFAULT = {"query": "", "topic": "", "period": "last-30d"}


def warm(app: Any) -> None:
    """Make the default view's reads and its accounts' newest posts now, as a
    visitor's request would (``veille serve`` calls it on a thread when it
    starts, after the dashboard and the trends)."""
    _rank(app, app.state.workspace, DEFAULT)
