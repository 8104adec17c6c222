"""A KPI's history as a chart (Altair, drawn to SVG offline by
:func:`veille.analytics.charts.to_svg`): the values as a line, the target as
a dashed rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.plan.status import KPIReport

WIDTH = 320
HEIGHT = 110
_WORDS = {"en": ("Value", "Target"), "fr": ("Valeur", "Cible")}


def kpi_chart(report: KPIReport, lang: str = "en") -> Any:
    import altair as alt

    value, target = _WORDS["fr" if lang == "fr" else "en"]
    rows = [{"when": d.isoformat(), "value": v} for d, v in report.history]
    line = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True, color="#1f5fa8")
        .encode(
            x=alt.X("when:T", title=None, axis=alt.Axis(format="%-d %b", tickCount=4)),
            y=alt.Y("value:Q", title=value),
        )
    )
    rule = (
        alt.Chart(alt.Data(values=[{"target": report.kpi.target}]))
        .mark_rule(color="#98a2b3", strokeDash=[5, 4])
        .encode(y=alt.Y("target:Q", title=value), tooltip=[alt.Tooltip("target:Q", title=target)])
    )
    return (line + rule).properties(width=WIDTH, height=HEIGHT, usermeta={"lang": lang})


def kpi_svg(report: KPIReport, lang: str = "en") -> str:
    """The chart as SVG, or ``""`` when there is no history to draw."""
    from veille.analytics.charts import to_svg

    if not report.history:
        return ""
    return to_svg(kpi_chart(report, lang))
