"""Charts as SVG or PNG, rendered offline: Altair specs drawn by vl-convert
(no JavaScript, no network). Used by the CLI (``--chart FILE``), the reports
and the web app.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from veille.analytics.scope import Period
from veille.analytics.volume import SentimentPoint, Share, Voice, Volume
from veille.errors import UsageError, tr

WIDTH = 560
HEIGHT = 220
_LABELS = {
    "en": {"posts": "Posts", "period": "This period", "previous": "Previous period",
           "date": "Date", "share": "Share", "net": "Net sentiment", "topic": "Topic",
           "sov": "Share of voice"},
    "fr": {"posts": "Publications", "period": "Cette période", "previous": "Période précédente",
           "date": "Date", "share": "Part", "net": "Sentiment net", "topic": "Sujet",
           "sov": "Part de voix"},
}  # fmt: skip


# "This period" is drawn the same in every language: the colour and dash are
# bound to the series' role, not to its translated name (Vega sorts names, so
# "Cette période" and "This period" would otherwise swap colours).
PERIOD_STYLE = {"period": ("#1f5fa8", (1, 0)), "previous": ("#98a2b3", (5, 4))}


def _altair() -> Any:
    """Altair, with its check of each part of a chart against Vega-Lite's JSON
    schema as the part is made (``DEBUG_MODE``) turned off.

    Altair makes each ``alt.X``, ``alt.Axis``, ``alt.Scale``... and checks it
    there and then: some 8 ms of CPU of the dashboard's four charts, for
    parts the functions below always make in the same shapes (the tests draw
    them; vl-convert still refuses a spec it cannot draw). The parts and
    the spec are the same, checked or not (see :func:`spec_of`, which does
    not check the whole spec again either). Set, not toggled: every chart
    of the process is made by this module, on any thread."""
    import altair as alt
    from altair.utils import schemapi

    schemapi.DEBUG_MODE = False
    return alt


def _t(lang: str, key: str) -> str:
    return _LABELS.get(lang, _LABELS["en"])[key]


def chart_title(
    name: str,
    *,
    about: str = "",
    period: Period | None = None,
    lang: str = "en",
    timezone: str = "UTC",
) -> str:
    """``Posts — lumio — Oct 26 – Nov 1, 2026``: what is drawn, about what, when."""
    from veille.i18n import format_period

    parts = [name, about]
    if period is not None:
        parts.append(format_period(period.since, period.until, lang, timezone))
    return " — ".join(p for p in parts if p)


def without_title(chart: Any) -> tuple[str, Any]:
    """``chart``'s title, and a copy of the chart drawn without it: for a
    page that writes the title as its own text."""
    alt = _altair()

    title = chart.title
    bare = chart.copy(deep=False)
    bare.title = alt.Undefined
    return ("" if title is alt.Undefined else str(title)), bare


def _zone(points: Sequence[Any]) -> str:
    tz = points[0].start.tzinfo if points else None
    return str(getattr(tz, "key", "UTC"))


# Steps between two ticks of a time axis, in buckets, from the finest; the first
# that leaves at most _MOST_TICKS (fewer for the longer hour labels) is used.
_STEPS = {
    "hour": (1, 2, 3, 6, 12, 24, 48, 72, 168),
    "day": (1, 2, 3, 4, 5, 7, 14, 28, 56),
    "week": (1, 2, 4, 8, 13, 26, 52),
}
_MOST_TICKS = {"hour": 8, "day": 10, "week": 10}


def _interval_of(starts: Sequence[datetime]) -> str:
    """The buckets' interval, from the gap between the first two."""
    if len(starts) < 2:
        return "day"
    gap = starts[1] - starts[0]
    return "hour" if gap < timedelta(hours=23) else "day" if gap < timedelta(days=6) else "week"


def _time_axis(starts: Sequence[datetime], interval: str, lang: str = "en") -> Any:
    """An x axis with a tick on bucket starts only, at most one per bucket
    (Vega's automatic ticks put two a day, each labelled with the same
    date): every bucket, or every n-th when they would crowd. Days and
    weeks are labelled with a date, hours with the hour too."""
    alt = _altair()

    shown = sorted({s.replace(tzinfo=None) for s in starts})
    steps = _STEPS.get(interval, _STEPS["day"])
    most = _MOST_TICKS.get(interval, 10)
    step = next((s for s in steps if -(-len(shown) // s) <= most), steps[-1])
    # DateTime objects: local time, as the rows' ISO strings are read.
    values = [
        {"year": t.year, "month": t.month, "date": t.day, "hours": t.hour, "minutes": t.minute}
        for t in shown[::step]
    ]
    # The day as the chart's title and the page's sentences write it: "Nov 6"
    # in English, « 6 nov. » in French.
    day = "%-d %b" if lang == "fr" else "%b %-d"
    if interval == "hour":
        one_day = bool(shown) and shown[-1] - shown[0] < timedelta(days=1)
        fmt = "%H:%M" if one_day and step < 24 else f"{day} %H:%M" if step < 24 else day
    else:
        fmt = day
    return alt.Axis(format=fmt, values=values, labelOverlap=True)


def _count_axis(rows: Sequence[dict[str, Any]], field: str) -> Any:
    """A y axis of whole counts: posts come whole, and a day of one or two
    posts is not ticked 0.5 or 1.5 (Vega's ticks there, whatever
    ``tickMinStep``; from 3 up it keeps to whole steps)."""
    alt = _altair()

    top = max((int(r[field] or 0) for r in rows), default=0)
    if top < 3:
        return alt.Axis(tickMinStep=1, values=list(range(top + 1)), format="d")
    return alt.Axis(tickMinStep=1)


def volume_chart(vol: Volume, *, lang: str = "en", title: str = "", about: str = "") -> Any:
    """Posts per bucket, this period (solid, blue) against the previous one
    (dashed, grey); the title names ``about`` and the period unless given."""
    alt = _altair()

    names = [_t(lang, "period"), _t(lang, "previous")]
    rows = []
    for p in vol.points:
        when = p.start.replace(tzinfo=None).isoformat()
        rows.append({"when": when, "posts": p.posts, "series": names[0]})
        # A shorter period before (no day there), or a day of it veille
        # holds nothing of: no line, not a drop to 0.
        if p.previous_start is not None and p.previous is not None:
            rows.append({"when": when, "posts": p.previous, "series": names[1]})
    colours = [PERIOD_STYLE[k][0] for k in ("period", "previous")]
    dashes = [list(PERIOD_STYLE[k][1]) for k in ("period", "previous")]
    heading = title or chart_title(
        _t(lang, "posts"), about=about, period=vol.period, lang=lang, timezone=_zone(vol.points)
    )
    return (
        alt.Chart(alt.Data(values=rows), title=heading)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "when:T",
                title=None,
                axis=_time_axis([p.start for p in vol.points], vol.interval, lang),
            ),
            y=alt.Y("posts:Q", title=_t(lang, "posts"), axis=_count_axis(rows, "posts")),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=names, range=colours),
                sort=names,
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=names, range=dashes), legend=None
            ),
        )
        .properties(usermeta={"lang": lang}, width=WIDTH, height=HEIGHT)
    )


def share_chart(
    shares: Sequence[Share],
    *,
    lang: str = "en",
    title: str = "",
    about: str = "",
    period: Period | None = None,
    timezone: str = "UTC",
) -> Any:
    """Horizontal bars: each value's share of posts; ``title`` is followed by
    ``about`` and the period when they are given."""
    alt = _altair()

    rows = [{"key": s.key, "share": s.share, "posts": s.posts} for s in shares if s.posts]
    heading = chart_title(title, about=about, period=period, lang=lang, timezone=timezone)
    return (
        alt.Chart(alt.Data(values=rows), title=heading)
        .mark_bar()
        .encode(
            y=alt.Y("key:N", sort="-x", title=None),
            x=alt.X("share:Q", title=_t(lang, "share"), axis=alt.Axis(format="%")),
            # Channels, not shorthand strings: Altair reads a string by hashing
            # every class of its schema (about 570) to find the channel's,
            # again for each string (5 ms of this chart's 5.1). The same spec.
            tooltip=[alt.Tooltip("key:N"), alt.Tooltip("posts:Q")],
        )
        .properties(usermeta={"lang": lang}, width=WIDTH - 120, height=max(40, 22 * len(rows)))
    )


def sov_chart(
    voices: Sequence[Voice],
    *,
    lang: str = "en",
    title: str = "",
    period: Period | None = None,
    timezone: str = "UTC",
) -> Any:
    """Share of voice: one bar per topic; the title names the period when given."""
    alt = _altair()

    rows = [{"topic": v.topic, "share": v.share, "posts": v.posts} for v in voices]
    heading = chart_title(title or _t(lang, "sov"), period=period, lang=lang, timezone=timezone)
    return (
        alt.Chart(alt.Data(values=rows), title=heading)
        .mark_bar()
        .encode(
            y=alt.Y("topic:N", sort="-x", title=_t(lang, "topic")),
            x=alt.X("share:Q", title=_t(lang, "share"), axis=alt.Axis(format="%")),
            color=alt.Color("topic:N", legend=None),
        )
        .properties(usermeta={"lang": lang}, width=WIDTH - 120, height=max(40, 26 * len(rows)))
    )


def sentiment_chart(
    points: Sequence[SentimentPoint],
    *,
    lang: str = "en",
    title: str = "",
    about: str = "",
    period: Period | None = None,
) -> Any:
    """Net sentiment (positive − negative share) per bucket; gaps where none was
    scored. The title names ``about`` and the period when given."""
    alt = _altair()

    starts = [p.start for p in points]
    rows = [
        {"when": p.start.replace(tzinfo=None).isoformat(), "net": p.net}
        for p in points
        if p.net is not None
    ]
    return (
        alt.Chart(
            alt.Data(values=rows),
            title=chart_title(
                title or _t(lang, "net"),
                about=about,
                period=period,
                lang=lang,
                timezone=_zone(points),
            ),
        )
        .mark_line(point=True)
        .encode(
            x=alt.X("when:T", title=None, axis=_time_axis(starts, _interval_of(starts), lang)),
            y=alt.Y("net:Q", title=_t(lang, "net"), scale=alt.Scale(domain=[-1, 1])),
        )
        .properties(usermeta={"lang": lang}, width=WIDTH, height=HEIGHT // 1.5)
    )


# d3's locales for axis dates and numbers ("16 nov.", "1 000", "40 %"); the
# language travels in the chart's usermeta, set by each chart above.
def _locale(spec: dict[str, Any]) -> Literal["en-US", "fr-FR"]:
    lang = (spec.get("usermeta") or {}).get("lang", "en")
    return "fr-FR" if lang == "fr" else "en-US"


def spec_of(chart: Any) -> dict[str, Any]:
    """The Vega-Lite spec of ``chart``, one of the charts above, as drawn.

    Not checked again against Vega-Lite's JSON schema: Altair's check walks
    the whole schema for each chart (20-90 ms of a report's three charts at
    1M posts, more than a third of what drawing them costs besides
    vl-convert), and these charts are made by the functions above, in the
    shapes the tests draw (vl-convert still refuses a spec it cannot draw).
    The spec is the same, checked or not."""
    spec: dict[str, Any] = chart.to_dict(validate=False)
    return spec


# A chart with a title and an axis: text laid out, as every chart has.
_FIRST = {
    "data": {"values": [{"n": 1}]},
    "mark": "point",
    "title": "veille",
    "encoding": {"x": {"field": "n", "type": "quantitative"}},
}


def prepare() -> None:
    """Draw a small chart now, so that vl-convert is started in this process
    (its JavaScript engine, the system's font set-up): its first chart costs
    about 0.3 s of CPU more than the next, 0.5-1 s of wall time. ``veille
    serve`` calls it as it starts (through the report's
    :func:`veille.analytics.report.prepare`), so that the first page with a
    chart does not wait for it."""
    import vl_convert as vlc

    vlc.vegalite_to_svg(_FIRST, format_locale="en-US", time_format_locale="en-US")


def to_svg(chart: Any) -> str:
    return svg_of(spec_of(chart))


def svg_of(spec: dict[str, Any]) -> str:
    """The SVG of a chart's spec (:func:`spec_of`), for a caller that has
    made the spec already (the web app's charts, kept by spec: making it
    twice was 0.5-2 ms of each chart drawn)."""
    import vl_convert as vlc

    name = _locale(spec)
    return str(vlc.vegalite_to_svg(spec, format_locale=name, time_format_locale=name))


def to_png(chart: Any, *, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    spec = spec_of(chart)
    name = _locale(spec)
    return bytes(
        vlc.vegalite_to_png(spec, scale=scale, format_locale=name, time_format_locale=name)
    )


def save_chart(chart: Any, path: str | Path) -> Path:
    """Write ``chart`` as SVG or PNG, chosen by the file's suffix."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix == ".svg":
        out.write_text(to_svg(chart), encoding="utf-8")
    elif suffix == ".png":
        out.write_bytes(to_png(chart))
    else:
        raise UsageError(
            tr("--chart %(path)s: unknown chart format", path=path),
            hint=tr("Name a .svg or .png file."),
        )
    return out
