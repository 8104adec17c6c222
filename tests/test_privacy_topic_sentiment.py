"""A saved topic's stories over days a retention purge took out, on SQLite
and on chDB: they counted the purged posts on SQLite (56), not on
ClickHouse (20). Both now read what they read before the purge."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.test_privacy_topic_backlog import NOW, PERIOD, _posts, _workspace
from veille.analytics.scope import Period
from veille.query.topics import add_topic
from veille.services.dashboard import topic_figures
from veille.services.privacy import apply_retention
from veille.workspace import Workspace

# The period of the dashboard (every purged day), one starting inside a
# purged day off its quarter-hours, and one of purged days only.
PERIODS = (
    PERIOD,
    Period(datetime(2026, 11, 17, 10, 5, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
    Period(datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)),
)


def _read(ws: Workspace) -> list[dict[str, Any]]:
    """The topic's sentiment, net sentiment, stories and posts over each period."""
    out = []
    for period in PERIODS:
        got = topic_figures(ws, "lumio", period)
        out.append(
            {
                "sentiment": (
                    got.sentiment.positive,
                    got.sentiment.negative,
                    got.sentiment.neutral,
                ),
                **{k: got.figures[k].value for k in ("net_sentiment", "stories", "posts")},
            }
        )
    return out


def _before_and_after(kind: str, root: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """:func:`_read` of the topic before a retention purge and after it."""
    with Workspace.open(_workspace(kind, root)) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        before = _read(ws)
        report = apply_retention(ws, now=NOW)
        assert report is not None and report.posts == 37
        return before, _read(ws)


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_topics_stories_on_purged_days_read_as_before_the_purge(
    kind: str, tmp_path: Path
) -> None:
    """A post outside any cluster is a story: 56 before the purge. SQLite
    read 56 after it, ClickHouse 20 (the posts kept): a purged post now
    counts as a story of its own on both, as the workspace's stories do."""
    before, after = _before_and_after(kind, tmp_path / kind)
    assert before[0]["stories"] == 56
    assert [(r["stories"], r["posts"]) for r in after] == [
        (r["stories"], r["posts"]) for r in before
    ]
