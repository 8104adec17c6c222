"""A saved topic's report over days a retention purge took out, on SQLite
and on chDB: its sentiment over time and its sentiment breakdown agree with
its headline sentiment; its platforms, languages and countries, which the
purge keeps no figure of, are said to count the posts held.

The headline counted the purged posts' sentiment (14/14/14), while the
"sentiment over time" chart and the sentiment table read the posts held
only (5/5/5): the figures on one page disagreed. Both now add what the
purge kept per quarter-hour, so they read what they read before the purge,
by day and by hour, in a time zone off UTC's hours too."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import retention_workspace
from tests.test_privacy_topic_backlog import NOW, PERIOD, _posts
from veille.analytics.report import render_report, workspace_report_data
from veille.analytics.scope import Period
from veille.analytics.topics import topic_scope
from veille.analytics.volume import breakdown, net_sentiment
from veille.query.topics import add_topic
from veille.services.retention import apply_retention
from veille.workspace import Workspace

# Two days, every one of them purged: the report's buckets are hours.
TWO_DAYS = Period(datetime(2026, 11, 17, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC))


def _report(ws: Workspace, period: Period) -> dict[str, Any]:
    data = workspace_report_data(ws, period=period, topic="lumio")
    s = data["sentiment"]
    return {
        "headline": (s.positive, s.negative, s.neutral),
        "series": [(p.start, p.positive, p.negative, p.neutral) for p in data["sentiment_series"]],
        "table": [(r.key, r.posts, r.share, r.previous_share) for r in data["sentiment_shares"]],
        "posts": data["headline"]["posts"].value,
    }


def _in_kolkata(ws: Workspace) -> list[Any]:
    """The CLI's ``veille volume --by sentiment`` and its sentiment per hour,
    in a time zone half an hour off UTC's hours."""
    scope = topic_scope(ws.store, "lumio")
    return [
        [(s.key, s.posts) for s in breakdown(ws.store, scope, PERIOD, "sentiment")],
        net_sentiment(ws.store, scope, TWO_DAYS, interval="hour", timezone="Asia/Kolkata"),
    ]


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_topic_report_over_purged_days_agrees_with_itself(kind: str, tmp_path: Path) -> None:
    with Workspace.open(retention_workspace(kind, tmp_path / kind)) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        before = [_report(ws, p) for p in (PERIOD, TWO_DAYS)]
        zoned = _in_kolkata(ws)
        report = apply_retention(ws, now=NOW)
        assert report is not None and report.posts == 37
        after = [_report(ws, p) for p in (PERIOD, TWO_DAYS)]
        assert _in_kolkata(ws) == zoned
        pages = {
            lang: unescape(render_report(ws, period=PERIOD, topic="lumio", lang=lang, pdf=False)[0])
            for lang in ("en", "fr")
        }
    got = after[0]
    assert got["posts"] == 56 and got["headline"] == (14, 14, 14)
    # The chart's days and the table add up to the headline: they read
    # (5, 5, 5) and 5 posts each, the posts held.
    assert tuple(sum(p[i] for p in got["series"]) for i in (1, 2, 3)) == got["headline"]
    assert [(k, n) for k, n, *_ in got["table"]] == [
        ("negative", 14),
        ("neutral", 14),
        ("positive", 14),
        ("und", 14),
    ]
    # Day by day, hour by hour, share by share: as before the purge.
    assert after == before
    # What the purge kept no figure of (the topic's platforms, languages and
    # countries) the page says, rather than shares of the posts held alone.
    assert "count the 20 posts still held of this period's 56" in pages["en"]
    assert (
        "les 20 publications encore conservées sur les 56 de cette période\u202f:" in (pages["fr"])
    )
