"""A topic's net-sentiment KPI after a retention purge, on SQLite and chDB.

A purge keeps a saved topic's sentiment on the purged days (its positive,
negative and neutral posts per quarter-hour, 2026-12-06), and the topic's
dashboard reads it there; the plan's KPI history still began its windows
at the oldest post held, so the points over purged days vanished from the
KPI's chart after the purge (a count of mentions kept them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import retention_workspace
from tests.test_privacy_topic_backlog import NOW, _posts
from veille.plan.kpi_history import history
from veille.plan.kpis import retention_caution
from veille.query.topics import add_topic
from veille.services.retention import apply_retention
from veille.store.protocols.plan import KPI
from veille.workspace import Workspace


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_net_sentiment_kpi_keeps_its_points_over_purged_days(kind: str, tmp_path: Path) -> None:
    kpi = KPI("mood", "net_sentiment", 10.0, period_days=7, topic="lumio")
    mentions = KPI("seen", "mentions", 10.0, period_days=7, topic="lumio")
    with Workspace.open(retention_workspace(kind, tmp_path / kind)) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        before = history(ws, kpi, NOW)
        counts = history(ws, mentions, NOW)
        # Windows ending on 2026-11-21, 2026-11-28 and 2026-12-05.
        assert len(before) == 3 and len(counts) == 3
        report = apply_retention(ws, now=NOW)
        assert report is not None and report.posts == 37
        assert history(ws, mentions, NOW) == counts
        # It drew the last two only: the week ending 2026-11-21 is purged.
        assert history(ws, kpi, NOW) == before


def test_a_net_sentiment_kpi_longer_than_the_retention_is_not_said_to_undercount() -> None:
    """Adding a 30-day net-sentiment KPI under a 7-day retention said "each
    value counts only the posts kept, and undercounts" (on /plan, `veille
    plan kpis`): the purge keeps a topic's sentiment, as its mentions."""
    mood = KPI("mood", "net_sentiment", 10.0, period_days=30, topic="lumio")
    assert retention_caution(mood, 7) is None
    assert retention_caution(KPI("seen", "mentions", 10.0, topic="lumio"), 7) is None
    # Read from the posts held: still said.
    assert retention_caution(KPI("eng", "engagement", 50.0, platform="mastodon"), 7) is not None
