"""The plan's overview (everyone signed in reads it), with what it reads
from the posts kept a minute for every viewer, and the plan as a document
(HTML, Markdown, PDF or the TOML plan file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from veille.web.deps import (
    Viewer,
    current_user,
    lang,
    redirect,
    render,
    translator,
    workspace,
)

router = APIRouter()


def _overview(request: Request) -> dict[str, Any]:
    from veille.plan.adoption import adoption
    from veille.plan.charts import kpi_svg
    from veille.plan.cost import estimate
    from veille.plan.document import assumption_lines, cost_data
    from veille.plan.kpis import kind_label as kpi_kind
    from veille.plan.objectives import kind_note
    from veille.plan.people import current_guidelines, has_acknowledged
    from veille.plan.recommend import (
        LISTEN_DAYS,
        conversation_by_platform,
        recommendations,
        share_shown,
    )
    from veille.plan.start import in_reader_words
    from veille.plan.status import format_value, status_label
    from veille.services.dangling import plan_references, plan_strangers

    ws = workspace(request)
    language = lang(request)
    user = current_user(request)
    found = kpi_reports(request.app, ws)
    say = translator(request)
    kpis = [
        {
            "report": r,
            "kind": kpi_kind(r.kpi.kind, language),
            "value": format_value(r.kpi.kind, r.value, language),
            "baseline": format_value(r.kpi.kind, r.kpi.baseline, language),
            "target": format_value(r.kpi.kind, r.kpi.target, language),
            "status": r.status,
            "status_label": status_label(r.status, language),
            # Said the page's way: the page that makes it measurable, a link.
            "reason": r.reason(language, say),
            "chart": kpi_svg(r, language),
            "history_note": r.history_note(language),
            # The days its value counts, said (the dashboard counts whole
            # days, this the days up to now: 2,334 here, 2,338 there); a
            # backlog and a follower count are read at one time.
            "days": None if r.kpi.kind in ("backlog", "followers") else r.kpi.period_days,
        }
        for r in found
    ]
    heard = kept_reads(request.app, ws)  # read once for the channels and the recommendations
    est = estimate(ws, weekly=heard.weekly)
    return {
        "objectives": ws.state.plan_objectives(),
        "dangling": plan_references(ws.state, {t.name for t in ws.state.topics()}),
        "strangers": plan_strangers(ws.state, user),
        "kind_note": lambda o: kind_note(o, language),
        # A description or tone the guided start wrote, in the reader's words.
        "reader_words": lambda text: in_reader_words(text, language),
        "kpis": kpis,
        "people": ws.state.plan_people(),
        "channels": ws.state.plan_channels(),
        "cost": est,
        "cost_rows": cost_data(est),
        "cost_assumptions": assumption_lines(est, language),
        "adoption": adoption(ws),
        "recommendations": [r.text(language) for r in recommendations(ws, heard=heard)],
        "heard": conversation_by_platform(ws, heard=heard),
        "share_shown": lambda share: share_shown(share, language),
        "listen_days": LISTEN_DAYS,
        "guidelines": current_guidelines(ws.state),
        "acknowledged": user is not None and has_acknowledged(ws.state, user.username),
        "organization": ws.state.plan_settings().get("organization", ""),
    }


def kept_reads(app: Any, ws: Any) -> Any:
    """What the plan reads from the posts (:func:`~veille.plan.recommend.hear`),
    the same for every viewer and a minute old at most, as the influencers'
    page keeps its reads: 0.4 s at 1M posts. The editing page's cost reads
    its mentions a week from it too. Its key is what it reads from
    the plan (its topics, the own accounts), so a change there shows at
    once; the channels and languages chosen apply at each visit."""
    from veille.plan.recommend import hear, heard_key
    from veille.web.listening import app_recent

    return app_recent(app, "plan").get(heard_key(ws), lambda: hear(ws))


def kpi_reports(app: Any, ws: Any) -> Any:
    """The KPIs' reports (:func:`~veille.plan.status.reports`: each value and
    its history, read from the posts), kept a minute for every viewer as
    :func:`kept_reads` is: at 1M posts in chDB, their 19 reads of the posts (a
    history's 12 windows for each KPI, over every topic a share of voice
    compares) were most of each visit, 200 ms, while chDB answered no one
    else. Its key is the KPIs as set (a new target, period or KPI shows at
    once), what :func:`kept_reads` reads from the plan, and what the KPIs read
    from the state (a post published from the calendar, an inbox item
    answered: each counts at once)."""
    from veille.plan.kpi_measures import state_mark
    from veille.plan.recommend import heard_key
    from veille.plan.status import reports
    from veille.web.listening import app_recent

    kpis = tuple(ws.state.plan_kpis())
    key = ("kpis", kpis, heard_key(ws), state_mark(ws, kpis))
    return app_recent(app, "plan").get(key, lambda: reports(ws))


def warm(app: Any) -> None:
    """Make what the plan reads from the posts now, when there is a plan
    (``veille serve`` calls it on a thread when it starts)."""
    ws = app.state.workspace
    if ws.state.plan_objectives():
        kept_reads(app, ws)
        kpi_reports(app, ws)


@router.get("/plan", response_class=HTMLResponse)
def overview(request: Request, user: Viewer) -> Response:
    from veille.plan.start import nothing_planned

    ws = workspace(request)
    if user.can("manager") and nothing_planned(ws.state):
        return redirect("/plan/start")
    return render(request, "plan/overview.html", _overview(request))


# -- the plan as a document -----------------------------------------------------------


def _said_in_document(request: Request, language: str) -> Callable[[str], str]:
    """What says a KPI's reason in the plan's document asked on the web: the
    page's way, in ``language``, each page it names a Markdown link to it at
    ``[web] base_url`` (as links in e-mails point): the PDF leaves the
    browser, where "/plan/edit" alone leads nowhere."""
    from veille.served_at import links_base
    from veille.web.app import PAGE

    ws = workspace(request)
    base = links_base(ws.settings, ws.state)[0]
    _ = translator(request, language)

    def say(text: str) -> str:
        return PAGE.sub(lambda m: f"[{m.group(1)}]({base}{m.group(1)})", _(text))

    return say


@router.get("/plan/export")
def export(request: Request, user: Viewer, format: str = "html", language: str = "") -> Response:
    from veille.plan.document import plan_html, plan_markdown, plan_pdf
    from veille.plan.plan_file import contents, to_toml

    ws = workspace(request)
    chosen = language if language in ("en", "fr") else lang(request)
    if format == "toml":
        body: str | bytes = to_toml(contents(ws))
        media = "application/toml; charset=utf-8"
    else:
        # What the page shows from the posts (its KPIs too), kept the same
        # minute: the document says the page's figures, without reading them again.
        heard, kpis = kept_reads(request.app, ws), kpi_reports(request.app, ws)
        say = _said_in_document(request, chosen)
        if format == "md":
            body = plan_markdown(ws, chosen, heard=heard, kpis=kpis, say=say)
            media = "text/markdown; charset=utf-8"
        elif format == "pdf":
            body = plan_pdf(ws, chosen, heard=heard, kpis=kpis, say=say)
            media = "application/pdf"
        else:
            body = plan_html(ws, chosen, heard=heard, kpis=kpis, say=say)
            format, media = "html", "text/html; charset=utf-8"
    name = f"plan-{chosen}.{format}"
    disposition = "inline" if format == "html" else "attachment"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'{disposition}; filename="{name}"'}
    )
