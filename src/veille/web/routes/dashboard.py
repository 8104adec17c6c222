"""The overview dashboard (``/``): each topic's volume, sentiment, platforms,
share of voice and spikes with what drove them."""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from veille.analytics import charts as chart_lib
from veille.analytics.findings import platform_name
from veille.errors import UsageError, tr
from veille.i18n import LANGUAGES, format_change, format_period, format_signed
from veille.services import dashboard as dashboard_service
from veille.web.deps import Viewer, formats, lang, render, workspace
from veille.web.listening import Aged, app_charts, app_recent, checked_period

router = APIRouter()


def _figures(app: Any, chosen: str, topics: tuple[Any, ...]) -> tuple[Any, float]:
    """The dashboard's figures for ``chosen`` (read from the posts at most
    once a minute, for every viewer whatever their language) and when they
    were read (``time.monotonic()``)."""
    ws = app.state.workspace
    # Never a stale one (the pages drawn from them are kept their minute);
    # one viewer reads them, another arriving meanwhile waits for those.
    found: tuple[Any, float] = app_recent(app, "dashboard-figures").current_since(
        (chosen, topics), lambda: dashboard_service.overview_figures(ws, chosen)
    )
    return found


def _overview(app: Any, chosen: str, language: str, topics: tuple[Any, ...]) -> Aged:
    """The dashboard in ``language``: the figures read for every language,
    worded and charted in this one. As old as those figures (:class:`Aged`):
    a page drawn from figures read 59 s before is not kept a minute more.
    Its charts are images, drawn when the browser asks for them (about half
    of a first view's CPU was drawing them, before any figure was sent)."""
    from veille.web.routes.charts import chart_image

    ws = app.state.workspace
    figures, read_at = _figures(app, chosen, topics)
    found = figures.worded(language)
    tz = ws.settings.workspace.timezone
    about = {"period": chosen, "lang": language}
    # Drawn on no background: the card's shows through, and on a phone so do
    # the edge shadows that say a chart scrolls in its box (the style sheet
    # made an inline chart's white ground transparent; it cannot reach into
    # an image). A report's stay white: its PDF draws the same ones.
    ground = "transparent"
    cards = []
    for t in found.topics:
        named = [replace(s, key=platform_name(s.key)) for s in t.platforms if s.posts]
        # Each chart's title is the page's text, above it (ChartImage.title).
        title, chart = chart_lib.without_title(
            chart_lib.volume_chart(t.volume, lang=language, about=t.name)
        )
        # The spikes' platforms by the names the cards use ("Mastodon", not "mastodon").
        spike_platforms = [[(platform_name(p), n) for p, n in sp.platforms] for sp in t.spikes]
        volume = replace(
            chart_image(app, chart, "dashboard", background=ground, **about,
                        chart="volume", topic=t.name),
            title=title,
        )  # fmt: skip
        cards.append(
            {"topic": t, "volume": volume, "platforms": named[:5],
             "spike_platforms": spike_platforms}
        )  # fmt: skip
    sov = None  # nothing posted: no bars to draw (the table says "–")
    if any(v.share is not None for v in found.voices):
        title, bars = chart_lib.without_title(
            chart_lib.sov_chart(found.voices, lang=language, period=found.period, timezone=tz)
        )
        sov = replace(
            chart_image(app, bars, "dashboard", background=ground, **about, chart="sov"),
            title=title,
        )
    return Aged((found, cards, sov), read_at)


def _kept(app: Any, chosen: str, language: str) -> tuple[Any, list[Any], Any]:
    """The dashboard of ``chosen`` in ``language``, the same for every viewer:
    made once a minute at most, and again at once when the topics change
    (else a topic just created is missing, or "No topic yet" is said beside
    the topics page's list). The figures are read once for both languages
    (a French viewer after an English one read them all again, and could
    see a post the other did not); each language's words and charts are
    kept beside them."""
    topics = dashboard_service.topics_seen(app.state.workspace)
    kept: tuple[Any, list[Any], Any] = app_recent(app, "dashboard").get(
        (chosen, language, topics), functools.partial(_overview, app, chosen, language, topics)
    )
    return kept


def chart_images(request: Request) -> list[Any]:
    """The charts of the dashboard that a chart's address names (its period
    and language): ``/charts/KEY.svg`` asked of a worker that does not hold
    the chart's spec makes them again."""
    q = request.query_params
    chosen = q.get("period", "").strip() or DEFAULT_PERIOD
    checked_period(chosen, dashboard_service.PERIODS, ranges=True)
    language = q.get("lang", "")
    if language not in LANGUAGES:
        raise UsageError(tr("no chart language %(lang)r", lang=language), hint=tr("Use en or fr."))
    _found, cards, sov = _kept(request.app, chosen, language)
    return [card["volume"] for card in cards] + ([sov] if sov is not None else [])


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: Viewer) -> HTMLResponse:
    language = lang(request)
    chosen = request.query_params.get("period", "").strip() or DEFAULT_PERIOD
    try:
        checked_period(chosen, dashboard_service.PERIODS, ranges=True)
    except UsageError as exc:
        # The period asked is not one: said so, with the choices, rather than
        # another period's figures shown as if they were the ones asked.
        return render(
            request, "dashboard/index.html",
            {"overview": None, "cards": [], "sov": None, "error": exc, "asked": chosen,
             "periods": dashboard_service.PERIODS, "days": None},
            status_code=400,
        )  # fmt: skip
    found, cards, sov = _kept(request.app, chosen, language)
    tz = workspace(request).settings.workspace.timezone
    return render(
        request,
        "dashboard/index.html",
        {
            "overview": found,
            "cards": cards,
            "sov": sov,
            "periods": dashboard_service.PERIODS,
            "more_named": dashboard_service.MORE_NAMED,
            "change": lambda value: format_change(value, language),
            "signed": lambda value: format_signed(value, language),
            "error": None,
            "asked": chosen,
            # Which days the figures count (30 whole days, today not yet
            # among them): the plan's "mentions" count the 30 days up to now,
            # and the two read 2,334 and 2,338 with nothing to tell why.
            "days": format_period(found.period.since, found.period.until, formats(request), tz),
            "stream_days": _stream_days(found.period, tz),
        },
    )


def _stream_days(period: Any, tz: str) -> str:
    """The stream's filters for the days a card counts: a topic's heading
    led to every post of the topic ever stored (2,314 under a card that
    counted 2,285 over its 30 days)."""
    from datetime import timedelta
    from urllib.parse import urlencode
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    first = period.since.astimezone(zone).date()
    last = (period.until - timedelta(microseconds=1)).astimezone(zone).date()
    return urlencode({"since": first.isoformat(), "until": last.isoformat()})


#: The view a first visitor gets (the dashboard's default period).
DEFAULT_PERIOD = "last-30d"


def warm(app: Any) -> None:
    """Make the default view now, as a visitor's request would, in the
    workspace's language and then the other, from figures read once:
    ``veille serve`` calls it on a thread when it starts, so that the first
    visitor of a large workspace does not wait for every panel to be
    computed (seconds over a million posts)."""
    first = app.state.workspace.settings.workspace.ui_language
    charts = app_charts(app)
    for language in sorted(LANGUAGES, key=lambda code: code != first):
        _found, cards, sov = _kept(app, DEFAULT_PERIOD, language)
        # Its charts drawn too, so that its first visitor's images are ready.
        for image in [card["volume"] for card in cards] + ([sov] if sov is not None else []):
            charts.drawn(image.key)
