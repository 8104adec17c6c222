"""A KPI's history as a small SVG chart drawn here: the values as a line with
their points, the target as a dashed rule, dates below and values on the
left in the reader's language.

Drawn by hand rather than through Altair and Vega (as the listening charts
are): a KPI chart is a line of at most a few hundred points, and the plan
page draws one per KPI at every visit, their values moving as posts arrive
(Vega took about 50 ms a chart, a page of four KPIs 0.2 s of its 0.35 s at
1M posts). Each point names its date and value (a tooltip, and what a
screen reader reads), which the Vega drawing did not.
"""

from __future__ import annotations

import math
from datetime import date
from html import escape
from typing import TYPE_CHECKING

from veille.i18n import format_decimal, locale

if TYPE_CHECKING:
    from veille.plan.status import KPIReport

# Small enough that the plan's table cell rarely scales it down (its text
# would shrink with it): the plot, then room for the value labels (left),
# the date labels (below), and half a point's width above and to the right.
WIDTH = 240
HEIGHT = 90
LEFT, BOTTOM, TOP, RIGHT = 42, 22, 8, 12
LINE, RULE, INK, GRID = "#1f5fa8", "#5f6b7a", "#3b4554", "#e3e7ee"
_WORDS = {"en": "Target", "fr": "Cible"}
#: At most this many dates under the chart (the first and the last among them).
DATE_LABELS = 4
#: About this many values on the left.
VALUE_TICKS = 4


def nice_ticks(lo: float, hi: float, count: int = VALUE_TICKS) -> list[float]:
    """Round values from at or below ``lo`` to at or above ``hi``, about
    ``count`` steps of 1, 2 or 5 times a power of ten."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        lo, hi = (lo - 1, hi + 1) if lo else (0.0, 1.0)
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    n = round((last - first) / step)
    return [round(first + i * step, 10) for i in range(n + 1)]


def _digits(step: float) -> int:
    """Decimals a tick of ``step`` needs (0 for whole steps)."""
    return 0 if step >= 1 else min(6, math.ceil(-math.log10(step) - 1e-9))


def _day(d: date, lang: str) -> str:
    """« 5 mars » / "Mar 5": the plan's short dates, days not zero-padded,
    in the order the language writes them (English put the day first)."""
    from babel.dates import format_skeleton

    return format_skeleton("MMMd", d, locale=locale(lang))


def kpi_svg(report: KPIReport, lang: str = "en") -> str:
    """The chart as SVG, or ``""`` when there is no history to draw."""
    lang = "fr" if lang == "fr" else "en"
    points = sorted(report.history)
    if not points:
        return ""
    target_word = _WORDS[lang]
    target = report.kpi.target
    values = [v for _d, v in points]
    ticks = nice_ticks(min([0.0, *values, target]), max([0.0, *values, target]))
    lo, hi = ticks[0], ticks[-1]
    digits = _digits(ticks[1] - ticks[0]) if len(ticks) > 1 else 0
    first, last = points[0][0], points[-1][0]
    days = (last - first).days

    def x(d: date) -> float:
        share = (d - first).days / days if days else 0.5
        return round(LEFT + share * WIDTH, 1)

    def y(v: float) -> float:
        return round(TOP + (hi - v) / (hi - lo) * HEIGHT, 1)

    from veille.plan.status import format_value

    def value_text(v: float) -> str:
        # A point's value is shown as precisely as the figures are (a share
        # of voice of 41.7), not to the ticks' step, and as the KPI's table
        # writes it: a share of voice said "41.7" where the table said 41.7%.
        return format_value(report.kpi.kind, v, lang)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kpi-chart" role="img" '
        f'width="{LEFT + WIDTH + RIGHT}" height="{TOP + HEIGHT + BOTTOM}" '
        f'viewBox="0 0 {LEFT + WIDTH + RIGHT} {TOP + HEIGHT + BOTTOM}" '
        f'font-family="sans-serif" font-size="11">',
        # What a screen reader says of the whole chart.
        "<title>"
        + escape(
            _semicolon(lang).join(
                f"{_day(d, lang)}{_colon(lang)} {value_text(v)}" for d, v in points
            )
            + f"{_semicolon(lang)}{target_word}{_colon(lang)} {value_text(target)}"
        )
        + "</title>",
    ]
    # Values on the left, with a light line across at each.
    out.append('<g class="axis-values" aria-hidden="true">')
    for t in ticks:
        ty = y(t)
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + WIDTH}" y1="{ty}" y2="{ty}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{ty}" dy="0.32em" text-anchor="end" fill="{INK}">'
            f"{escape(format_decimal(t, lang, digits))}</text>"
        )
    out.append("</g>")
    # Dates below: the first, the last and evenly spaced ones between.
    out.append('<g class="axis-dates" aria-hidden="true">')
    for i in _spread(len(points), DATE_LABELS):
        d = points[i][0]
        anchor = "start" if i == 0 and len(points) > 1 else "middle"
        if i == len(points) - 1 and len(points) > 1:
            anchor = "end"
        out.append(
            f'<text x="{x(d)}" y="{TOP + HEIGHT + 15}" text-anchor="{anchor}" fill="{INK}">'
            f"{escape(_day(d, lang))}</text>"
        )
    out.append("</g>")
    # The target, dashed.
    out.append(
        f'<line class="target" x1="{LEFT}" x2="{LEFT + WIDTH}" y1="{y(target)}" '
        f'y2="{y(target)}" stroke="{RULE}" stroke-width="1.5" stroke-dasharray="5 4">'
        f"<title>{escape(target_word)}{_colon(lang)} {escape(value_text(target))}</title></line>"
    )
    # The values: a line through the points, each point with its figure.
    path = " ".join(f"{x(d)},{y(v)}" for d, v in points)
    out.append(
        f'<polyline class="values" points="{path}" fill="none" stroke="{LINE}" '
        'stroke-width="2" stroke-linejoin="round"/>'
    )
    for d, v in points:
        out.append(
            f'<circle cx="{x(d)}" cy="{y(v)}" r="3" fill="{LINE}">'
            f"<title>{escape(_day(d, lang))}{_colon(lang)} {escape(value_text(v))}</title>"
            "</circle>"
        )
    out.append("</svg>")
    return "".join(out)


def _colon(lang: str) -> str:
    return "\u202f:" if lang == "fr" else ":"


def _semicolon(lang: str) -> str:
    """Between two points said: French sets a narrow no-break space before it."""
    return "\u202f; " if lang == "fr" else "; "


def _spread(n: int, most: int) -> list[int]:
    """Up to ``most`` indexes of ``n`` items, the first and the last among
    them, evenly spread."""
    if n <= most:
        return list(range(n))
    return sorted({round(i * (n - 1) / (most - 1)) for i in range(most)})
