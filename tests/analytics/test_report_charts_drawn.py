"""A report's charts are drawn from the Vega-Lite spec its chart functions
build, without Altair checking that spec again against Vega-Lite's JSON
schema each time it is drawn (a walk through the whole schema per chart:
20-90 ms of a report's first view at 1M posts). The pictures are the same as from the
checked spec, in English and in French."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import altair.utils.schemapi as schemapi
import pytest

from tests.analytics.conftest import TZ
from tests.analytics.test_report_cli import WEEK, ws_path  # noqa: F401  (fixture)
from veille.analytics import charts
from veille.analytics.report import _Made, render_report
from veille.analytics.scope import parse_period
from veille.workspace import Workspace

_IMAGES = re.compile(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def _report(root: Path, lang: str) -> str:
    with Workspace.open(root) as ws:
        html, _pdf = render_report(
            ws, query="lumio", period=parse_period(WEEK, timezone=TZ), lang=lang, pdf=False
        )
    return html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_reports_charts_are_drawn_without_checking_their_spec_again(
    ws_path: Path,  # noqa: F811
    lang: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked: list[Any] = []
    real = schemapi.validate_jsonschema

    def counted(*args: Any, **kwargs: Any) -> Any:
        checked.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(schemapi, "validate_jsonschema", counted)
    html = _report(ws_path, lang)
    assert len(_IMAGES.findall(html)) == 3  # volume, platforms, net sentiment
    # Altair still checks a few parts as the charts are built (their data,
    # a property set); the whole spec of a chart, never.
    assert [s for s in checked if isinstance(s, dict) and "$schema" in s] == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_unchecked_specs_draw_the_same_charts(ws_path: Path, lang: str) -> None:  # noqa: F811
    """Each chart kind, from the report's own figures: the spec and the SVG
    drawn are those of the spec Altair checks."""
    import vl_convert as vlc

    from veille.analytics.report import report_data
    from veille.analytics.scope import Scope
    from veille.analytics.topics import query_scope

    with Workspace.open(ws_path) as ws:
        scope = query_scope(ws.store, "lumio", Scope())
        data = report_data(ws.store, scope, parse_period(WEEK, timezone=TZ), timezone=TZ)
    drawn = [
        charts.volume_chart(data["volume"], lang=lang, title="v"),
        charts.share_chart(data["platforms"], lang=lang, title="p"),
        charts.sentiment_chart(data["sentiment_series"], lang=lang, title="s"),
    ]
    locale = "fr-FR" if lang == "fr" else "en-US"
    for chart in drawn:
        spec = chart.to_dict()  # checked against the schema
        assert charts.spec_of(chart) == spec
        assert charts.to_svg(chart) == vlc.vegalite_to_svg(
            spec, format_locale=locale, time_format_locale=locale
        )
    # And the report shows exactly those pictures (its titles are its own).
    html = _report(ws_path, lang)
    shown = [base64.b64decode(x).decode() for x in _IMAGES.findall(html)]
    assert all(svg.startswith("<svg") for svg in shown) and len(shown) == 3


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_apps_charts_make_each_spec_once(
    ws_path: Path,  # noqa: F811
    lang: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The web app keeps its charts by spec: the spec it made to look a
    chart up is the one drawn (made again to draw it, 0.5-2 ms a chart), and
    the report it draws is the one drawn without the app's charts."""
    from veille.web.listening import ChartCache

    plain = _report(ws_path, lang)
    made: list[Any] = []
    real = charts.spec_of

    def counted(chart: Any) -> dict[str, Any]:
        made.append(chart)
        return real(chart)

    monkeypatch.setattr(charts, "spec_of", counted)
    with Workspace.open(ws_path) as ws:
        html, _pdf = render_report(
            ws, query="lumio", period=parse_period(WEEK, timezone=TZ), lang=lang, pdf=False,
            draw=ChartCache().svg,
        )  # fmt: skip
    assert len(_IMAGES.findall(html)) == 3
    # Made by Altair once a chart (read back as made where it is drawn).
    assert len([c for c in made if not isinstance(c, _Made)]) == 3
    strip = re.compile(r"(Generated|Produit le).*?</")
    assert strip.sub("</", html) == strip.sub("</", plain)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_reports_charts_are_built_without_looking_their_channels_up(
    ws_path: Path,  # noqa: F811
    lang: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The platforms chart named its tooltip's fields as shorthand strings,
    which Altair reads by hashing each of its schema's ~570 classes, for
    each string: 5 ms of the chart's 5.1, every report's first view. Its
    channels are made as such now; the tooltip shows the same fields."""
    from veille.analytics.report import report_charts, report_data
    from veille.analytics.scope import Scope
    from veille.analytics.topics import query_scope

    with Workspace.open(ws_path) as ws:
        scope = query_scope(ws.store, "lumio", Scope())
        data = report_data(ws.store, scope, parse_period(WEEK, timezone=TZ), timezone=TZ)
    looked_up: list[Any] = []
    real = schemapi._FromDict.__init__

    def counted(self: Any, *args: Any) -> None:
        looked_up.append(args)
        real(self, *args)

    monkeypatch.setattr(schemapi._FromDict, "__init__", counted)
    found = report_charts(data, lang=lang, timezone=TZ)
    specs = {name: charts.spec_of(chart) for name, chart in found.items()}
    assert sorted(specs) == ["platforms", "sentiment", "volume"]
    assert looked_up == []
    assert specs["platforms"]["encoding"]["tooltip"] == [
        {"field": "key", "type": "nominal"},
        {"field": "posts", "type": "quantitative"},
    ]
