"""A KPI's chart on the plan page, in the reader's language."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace
from typing import Any

from veille.plan.charts import kpi_svg


def test_kpi_chart_axis_days_are_not_zero_padded() -> None:
    """« 5 mars », as the plan page writes its dates, never « 05 mars »."""
    history = [(date(2026, 3, day), float(day)) for day in range(1, 11)]
    report: Any = SimpleNamespace(history=history, kpi=SimpleNamespace(target=8))
    svg = kpi_svg(report, "fr")
    labels = "".join(re.findall(r"role-axis-label.*?</g>", svg, flags=re.S))
    texts = re.findall(r">([^<>]+)</text>", labels)
    assert any(t.endswith(" mars") for t in texts), texts
    assert not any(re.match(r"0\d ", t) for t in texts), texts
