"""Charts as SVG or PNG, rendered offline: Altair specs drawn by vl-convert
(no JavaScript, no network). Used by the CLI (``--chart FILE``), the reports
and the web app.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from veille.analytics.volume import SentimentPoint, Share, Voice, Volume
from veille.errors import UsageError

WIDTH = 560
HEIGHT = 220
_LABELS = {
    "en": {"posts": "Posts", "period": "This period", "previous": "Previous period",
           "date": "Date", "share": "Share", "net": "Net sentiment", "topic": "Topic"},
    "fr": {"posts": "Publications", "period": "Cette période", "previous": "Période précédente",
           "date": "Date", "share": "Part", "net": "Sentiment net", "topic": "Sujet"},
}  # fmt: skip


def _t(lang: str, key: str) -> str:
    return _LABELS.get(lang, _LABELS["en"])[key]


def volume_chart(vol: Volume, *, lang: str = "en", title: str = "") -> Any:
    """Posts per bucket, this period against the previous one (dashed)."""
    import altair as alt

    fmt = "%d %b %H:%M" if vol.interval == "hour" else "%d %b"
    rows = []
    for p in vol.points:
        when = p.start.replace(tzinfo=None).isoformat()
        rows.append({"when": when, "posts": p.posts, "series": _t(lang, "period")})
        rows.append({"when": when, "posts": p.previous, "series": _t(lang, "previous")})
    return (
        alt.Chart(alt.Data(values=rows), title=title or _t(lang, "posts"))
        .mark_line(point=True)
        .encode(
            x=alt.X("when:T", title=None, axis=alt.Axis(format=fmt)),
            y=alt.Y("posts:Q", title=_t(lang, "posts")),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
            strokeDash=alt.StrokeDash("series:N", legend=None),
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def share_chart(shares: Sequence[Share], *, lang: str = "en", title: str = "") -> Any:
    """Horizontal bars: each value's share of posts."""
    import altair as alt

    rows = [{"key": s.key, "share": s.share, "posts": s.posts} for s in shares if s.posts]
    return (
        alt.Chart(alt.Data(values=rows), title=title)
        .mark_bar()
        .encode(
            y=alt.Y("key:N", sort="-x", title=None),
            x=alt.X("share:Q", title=_t(lang, "share"), axis=alt.Axis(format="%")),
            tooltip=["key:N", "posts:Q"],
        )
        .properties(width=WIDTH - 120, height=max(40, 22 * len(rows)))
    )


def sov_chart(voices: Sequence[Voice], *, lang: str = "en", title: str = "") -> Any:
    """Share of voice: one bar per topic."""
    import altair as alt

    rows = [{"topic": v.topic, "share": v.share, "posts": v.posts} for v in voices]
    return (
        alt.Chart(alt.Data(values=rows), title=title)
        .mark_bar()
        .encode(
            y=alt.Y("topic:N", sort="-x", title=_t(lang, "topic")),
            x=alt.X("share:Q", title=_t(lang, "share"), axis=alt.Axis(format="%")),
            color=alt.Color("topic:N", legend=None),
        )
        .properties(width=WIDTH - 120, height=max(40, 26 * len(rows)))
    )


def sentiment_chart(points: Sequence[SentimentPoint], *, lang: str = "en", title: str = "") -> Any:
    """Net sentiment (positive − negative share) per bucket; gaps where none was scored."""
    import altair as alt

    rows = [
        {"when": p.start.replace(tzinfo=None).isoformat(), "net": p.net}
        for p in points
        if p.net is not None
    ]
    return (
        alt.Chart(alt.Data(values=rows), title=title or _t(lang, "net"))
        .mark_line(point=True)
        .encode(
            x=alt.X("when:T", title=None, axis=alt.Axis(format="%d %b")),
            y=alt.Y("net:Q", title=_t(lang, "net"), scale=alt.Scale(domain=[-1, 1])),
        )
        .properties(width=WIDTH, height=HEIGHT // 1.5)
    )


def to_svg(chart: Any) -> str:
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(chart.to_dict()))


def to_png(chart: Any, *, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    return bytes(vlc.vegalite_to_png(chart.to_dict(), scale=scale))


def save_chart(chart: Any, path: str | Path) -> Path:
    """Write ``chart`` as SVG or PNG, chosen by the file's suffix."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix == ".svg":
        out.write_text(to_svg(chart), encoding="utf-8")
    elif suffix == ".png":
        out.write_bytes(to_png(chart))
    else:
        raise UsageError(f"--chart {path}: unknown chart format", hint="Name a .svg or .png file.")
    return out
