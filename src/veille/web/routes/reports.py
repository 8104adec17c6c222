"""Reports (``/reports``): choose a topic or query, a period and a language;
the report is shown in the page and downloaded as HTML or PDF
(``/reports/download``). ``/reports?topic=…&period=FROM..TO&lang=…`` is the
link report e-mails carry."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from veille.errors import NotFound, UsageError, tr
from veille.query import QueryError
from veille.services.analytics import period as period_of
from veille.web.deps import Viewer, lang, render, workspace
from veille.web.listening import Aged, app_charts, checked_period, checked_query, recent, said_to

router = APIRouter()

# The report's library (veille.analytics.report, with the tops, influencers
# and trends it reads: ~30 ms of CPU) is imported by the routes that make a
# report, not with this module: every app imports this module as it starts
# (veille serve before it listens, each test's app), most never a report.

PERIODS = ("last-week", "last-month", "last-7d", "last-30d")
# The report's own <main> (the page it sits in has its main already).
_BODY = re.compile(r"<body[^>]*>\s*<main>(.*)</main>\s*</body>", re.S)


def _asked(request: Request) -> dict[str, str]:
    """What the form (or a report e-mail's link) asks. The form names its
    period in the reader's words (a list, or "between the dates below" and
    two dates): the dates become the period ``FROM..TO`` that links carry."""
    q = request.query_params
    period = q.get("period", "").strip()
    first, last = q.get("from", "").strip(), q.get("to", "").strip()
    if not period and ("from" in q or "to" in q):
        period = f"{first}..{last}"
    return {
        "topic": q.get("topic", "").strip(),
        "query": q.get("query", "").strip(),
        "period": period,
        "lang": q.get("lang", "").strip() or lang(request),
    }


def _form_period(period: str) -> tuple[str, tuple[str, str]]:
    """The form's choice for ``period`` (a named period, or "" for "between
    the dates below") and the dates it shows."""
    if period in PERIODS or not period:
        return period or "last-week", ("", "")
    first, _sep, last = period.partition("..")
    return "", (first.strip(), last.strip())


def _checked_dates(period: str) -> None:
    """The choice "between the dates below" with a date left empty: said in
    the form's words (the period's own refusal speaks of FROM..TO, which the
    form does not show)."""
    first, sep, last = period.partition("..")
    if sep and not (first.strip() and last.strip()):
        raise UsageError(
            tr("the report's first or last day is missing"),
            hint=tr("Fill in both dates (the last day is included), or choose a period."),
        )


def _report(
    request: Request, asked: dict[str, str], *, pdf: bool, linked: bool = False
) -> tuple[str, bytes | None]:
    """The report asked: its HTML (and PDF with ``pdf``). ``linked``: for the
    page that shows it, its charts as images the browser asks for
    (``/charts/KEY.svg``, drawn then); else carried in it (downloaded)."""
    from veille.analytics.report import ChartsAhead, render_report, workspace_report_data

    ws = workspace(request)
    about, per, topic, query = _about(request, asked)
    figures = recent(request, "report-data")

    def made() -> Aged:
        # The report's figures are the same in every language and in its
        # PDF: read once a minute at most, for every viewer of the same
        # topic or query and period (as dates), and drawn for each. Read
        # again for each language and each PDF, they were most of what the
        # report in the other language, or its PDF downloaded after the page,
        # cost (a topic's week over 1M posts: 0.4 s of 0.55 s).
        # The page is as old as its figures: drawn from figures read 59 s
        # before, it was kept a minute more, a post that came meanwhile
        # missing from it for two minutes.
        # Its charts kept by what they draw, with the app's others: the PDF
        # after the page (the same figures, the same language) drew the same
        # three charts again, about 45 ms of CPU each. Figures read for a
        # download have its charts drawn while the rest of them is read.
        draw = app_charts(request.app).svg
        tz = ws.settings.workspace.timezone
        ahead = None if linked else ChartsAhead(lang=asked["lang"], timezone=tz, draw=draw)
        data, read_at = figures.current_since(
            about,
            lambda: workspace_report_data(ws, period=per, topic=topic, query=query, charted=ahead),
        )
        images = ahead.images() if ahead is not None else None
        if linked:
            images = {image.params["chart"]: image.src for image in _images(request, asked, data)}
        drawn = render_report(
            ws, period=per, topic=topic, query=query, lang=asked["lang"], pdf=pdf, data=data,
            draw=draw, images=images,
        )  # fmt: skip
        return Aged(drawn, read_at)

    if pdf:
        got: tuple[str, bytes | None] = made().value
        return got
    # The same page for every viewer of the same report and language.
    key = (*about, asked["lang"], "page" if linked else "file")
    kept: tuple[str, bytes | None] = recent(request, "reports").get(key, made)
    return kept


def _about(request: Request, asked: dict[str, str]) -> tuple[tuple[Any, ...], Any, Any, Any]:
    """The report's key (topic, query, period's bounds), period, topic and
    query, the language and query checked."""
    if asked["lang"] not in ("en", "fr"):
        raise UsageError(
            tr("no report language %(lang)r", lang=asked["lang"]), hint=tr("Use en or fr.")
        )
    ws = workspace(request)
    # Refused here in the reader's language (the analytics library words
    # them for the command line: "--query …", "See docs/query.md").
    checked_query(asked["query"])
    _checked_dates(asked["period"])
    per = period_of(ws, checked_period(asked["period"] or "last-week", PERIODS, ranges=True))
    topic, query = asked["topic"] or None, asked["query"] or None
    return (asked["topic"], asked["query"], per.since, per.until), per, topic, query


def _images(request: Request, asked: dict[str, str], data: dict[str, Any]) -> list[Any]:
    """The report's charts in the page as images, by the parameters that
    make them again (:func:`chart_images`)."""
    from veille.analytics.report import report_charts
    from veille.web.routes.charts import chart_image

    tz = workspace(request).settings.workspace.timezone
    params = {k: asked[k] for k in ("topic", "query", "period", "lang")}
    return [
        chart_image(request.app, chart, "report", **params, chart=name)
        for name, chart in report_charts(data, lang=asked["lang"], timezone=tz).items()
    ]


def chart_images(request: Request) -> list[Any]:
    """The charts of the report that a chart's address names (its topic,
    query, period and language): ``/charts/KEY.svg`` asked of a worker that
    does not hold the chart's spec makes them again, from the figures kept a
    minute (read again past it)."""
    from veille.analytics.report import workspace_report_data

    ws = workspace(request)
    q = request.query_params
    asked = {k: q.get(k, "") for k in ("topic", "query", "period", "lang")}
    about, per, topic, query = _about(request, asked)
    data, _at = recent(request, "report-data").current_since(
        about, lambda: workspace_report_data(ws, period=per, topic=topic, query=query)
    )
    return _images(request, asked, data)


def warm(app: Any) -> None:
    """Compile the report's template and start vl-convert (``veille serve``
    calls it on a thread when it starts): a report's first view waited for
    them. Its figures are
    made when asked (the topic, period and language are the viewer's)."""
    from veille.analytics.report import prepare

    prepare()


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, user: Viewer) -> HTMLResponse:
    from urllib.parse import urlencode

    from veille.query.topics import list_topics

    asked = _asked(request)
    shown = None
    error: UsageError | None = None
    query_error: QueryError | None = None
    if asked["period"] or asked["topic"] or asked["query"]:
        try:
            html, _pdf = _report(request, asked, pdf=False, linked=True)
        except QueryError as exc:
            query_error = exc
        except UsageError as exc:
            error = said_to(user, exc)
        else:
            found = _BODY.search(html)
            # The analytics library's report: post text reduced to text by nh3 and
            # escaped, charts as data: images; its body is shown as it is.
            shown = Markup(found.group(1) if found else "")
    args = urlencode({k: v for k, v in asked.items() if v})
    chosen_period, dates = _form_period(asked["period"])
    status = 404 if isinstance(error, NotFound) else 400 if error or query_error else 200
    return render(
        request,
        "reports/index.html",
        {
            "asked": asked,
            "shown": shown,
            "error": error,
            "query_error": query_error,
            "args": args,
            "periods": PERIODS,
            "chosen_period": chosen_period,
            "dates": dates,
            "topics": [t.name for t in list_topics(workspace(request).state)],
        },
        status_code=status,
    )


@router.get("/reports/download")
def report_download(request: Request, user: Viewer) -> Response:
    from veille.analytics.report import file_stem

    asked = _asked(request)
    fmt = request.query_params.get("format", "html")
    if fmt not in ("html", "pdf"):
        raise UsageError(
            tr("report format %(fmt)r is unknown", fmt=fmt), hint=tr("Use html or pdf.")
        )
    html, pdf = _report(request, asked, pdf=fmt == "pdf")
    about = re.sub(r"[^\w.-]+", "-", asked["topic"] or asked["query"] or "all").strip("-") or "all"
    name = f"{file_stem(asked['lang'])}-{about}-{asked['period'] or 'last-week'}.{fmt}".replace(
        "..", "--"
    )
    name = re.sub(r"[^\w.-]+", "-", name)
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "pdf":
        return Response(pdf or b"", media_type="application/pdf", headers=disposition)
    return Response(html, media_type="text/html; charset=utf-8", headers=disposition)
