"""A KPI's chart on the plan page, in the reader's language."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from veille.plan.charts import kpi_svg, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def _report(history: list[tuple[date, float]], target: float, kind: str = "first_response") -> Any:
    return SimpleNamespace(history=history, kpi=SimpleNamespace(target=target, kind=kind))


def _texts(svg: str, group: str) -> list[str]:
    root = ET.fromstring(svg)
    found = root.find(f".//{SVG}g[@class='{group}']")
    assert found is not None, group
    return [t.text or "" for t in found.iter(f"{SVG}text")]


def test_kpi_chart_axis_days_are_not_zero_padded() -> None:
    """« 5 mars », as the plan page writes its dates, never « 05 mars »."""
    history = [(date(2026, 3, day), float(day)) for day in range(1, 11)]
    svg = kpi_svg(_report(history, 8), "fr")
    texts = _texts(svg, "axis-dates")
    assert texts == ["1 mars", "4 mars", "7 mars", "10 mars"], texts
    assert not any(re.match(r"0\d ", t) for t in texts), texts


def test_kpi_chart_says_each_value_and_the_target_in_the_reader_s_language() -> None:
    """Each point and the target name their figure (a tooltip, and what a
    screen reader reads of the chart), with French decimals and spaces."""
    history = [(date(2026, 11, 4), 38745.0), (date(2026, 12, 4), 41.5)]
    root = ET.fromstring(kpi_svg(_report(history, 40000), "fr"))
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == (
        "4 nov.\u202f: 38\u202f745\u202f; 4 déc.\u202f: 41,5\u202f; Cible\u202f: 40\u202f000"
    )
    points = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]  # type: ignore[union-attr]
    assert points == ["4 nov.\u202f: 38\u202f745", "4 déc.\u202f: 41,5"]
    target = root.find(f".//{SVG}line[@class='target']/{SVG}title")
    assert target is not None and target.text == "Cible\u202f: 40\u202f000"
    en = ET.fromstring(kpi_svg(_report(history, 40000), "en"))
    assert en.find(f"{SVG}title").text.endswith("Target: 40,000")  # type: ignore[union-attr]


def test_kpi_chart_scale_holds_zero_the_values_and_the_target() -> None:
    """A net sentiment below zero and a target above every value are both
    drawn inside the chart, on round values."""
    history = [(date(2026, 1, d), v) for d, v in ((1, -12.5), (2, 3.0), (3, 20.0))]
    svg = kpi_svg(_report(history, 40), "en")
    assert _texts(svg, "axis-values") == ["−20", "0", "20", "40"]
    root = ET.fromstring(svg)
    height = float(root.get("height"))  # type: ignore[arg-type]
    ys = [float(c.get("cy")) for c in root.iter(f"{SVG}circle")]  # type: ignore[arg-type]
    assert all(0 < y < height for y in ys)
    assert ys[0] > ys[1] > ys[2]  # higher values higher up


def test_a_kpi_without_history_has_no_chart_and_one_point_is_drawn() -> None:
    assert kpi_svg(_report([], 5), "en") == ""
    one = ET.fromstring(kpi_svg(_report([(date(2026, 5, 1), 7.0)], 5), "en"))
    assert len(list(one.iter(f"{SVG}circle"))) == 1


@pytest.mark.parametrize(
    ("lo", "hi", "ticks"),
    [
        (0, 38915, [0, 10000, 20000, 30000, 40000]),
        (-12.5, 40, [-20, 0, 20, 40]),
        (0, 0.37, [0, 0.1, 0.2, 0.3, 0.4]),
        (0, 0, [0, 0.5, 1]),
    ],
)
def test_nice_ticks(lo: float, hi: float, ticks: list[float]) -> None:
    assert nice_ticks(lo, hi) == ticks


def test_a_share_of_voice_chart_says_its_values_as_percentages() -> None:
    """The plan page said "Nov 7: 57.9; Dec 7: 67.8; Target: 74.6" of a
    share of voice its table gives as 67.8% and 74.6%."""
    history = [(date(2026, 11, 7), 57.9), (date(2026, 12, 7), 67.8)]
    for lang, said in (
        ("en", "Nov 7: 57.9%; Dec 7: 67.8%; Target: 74.6%"),
        ("fr", "7 nov.\u202f: 57,9\u202f%\u202f; 7 déc.\u202f: 67,8\u202f%\u202f; "
               "Cible\u202f: 74,6\u202f%"),
    ):  # fmt: skip
        root = ET.fromstring(kpi_svg(_report(history, 74.6, "share_of_voice"), lang))
        assert root.find(f"{SVG}title").text == said  # type: ignore[union-attr]
        points = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]  # type: ignore[union-attr]
        assert points[-1].endswith("67.8%" if lang == "en" else "67,8\u202f%")
