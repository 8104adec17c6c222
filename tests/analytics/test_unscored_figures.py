"""Net sentiment is (positive - negative) / scored posts: with no scored post
(an empty period, posts in a language the model does not score) it is
unknown, not 0. The headline figures, the report and the alert report say so
instead of showing "0.00", which reads as a balanced tone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.analytics.conftest import TZ, make_post
from veille.analytics import tops
from veille.analytics.report import render_report
from veille.analytics.scope import Scope, parse_period
from veille.store.sqlite import SQLiteStore
from veille.workspace import Workspace, init_workspace

WEEK = "2026-03-23..2026-03-29"


def _posts() -> list:
    return [
        # This week: German and Spanish posts, which the model does not score.
        make_post("1", "2026-03-24T10:00", text="Lumio Störung", lang="de", likes=3),
        make_post("2", "2026-03-25T10:00", text="Lumio avería", lang="es"),
        # The week before: nothing at all.
    ]


@pytest.mark.parametrize("scan", [False, True], ids=["rollups", "posts"])
def test_net_sentiment_without_scored_posts_is_unknown(tmp_path: Path, scan: bool) -> None:
    store = SQLiteStore.open(tmp_path / "s.db")
    store.upsert_posts(_posts())
    head = tops.headline(store, Scope(scan=scan), parse_period(WEEK, timezone=TZ))
    assert head["posts"].value == 2
    net = head["net_sentiment"]
    assert (net.value, net.previous, net.change) == (None, None, None)
    store.close()


def test_net_sentiment_with_scored_posts_is_kept(tmp_path: Path) -> None:
    store = SQLiteStore.open(tmp_path / "s.db")
    store.upsert_posts([*_posts(), make_post("3", "2026-03-26T10:00", sentiment="negative")])
    net = tops.headline(store, Scope(), parse_period(WEEK, timezone=TZ))["net_sentiment"]
    assert (net.value, net.previous) == (-1.0, None)
    store.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_report_shows_no_made_up_net_sentiment(tmp_path: Path, lang: str) -> None:
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(_posts())
        html, _ = render_report(
            ws, query="lumio", period=parse_period(WEEK, timezone=TZ), lang=lang, pdf=False
        )
    label = "Net sentiment" if lang == "en" else "Sentiment net"
    figure = re.search(rf'<div class="figure"><div>{label}</div>(.*?)</div></div>', html, re.S)
    assert figure is not None
    shown = re.sub(r"<[^>]+>", " ", figure.group(1))
    assert "0.00" not in shown and "0,00" not in shown, shown
    assert "–" in shown
