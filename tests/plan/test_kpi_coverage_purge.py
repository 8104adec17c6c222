"""A mentions KPI after a retention purge, on SQLite and on chDB: the posts
older than ``[privacy] retention_days`` are gone, but each topic's daily
counts stay (SQLite's ``topic_rollup``, ClickHouse's ``topic_purged``), so
the figure still counts every day of its period and says so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import retention_workspace
from veille.plan.kpis import add_kpi
from veille.plan.status import reports
from veille.query.topics import add_topic
from veille.services.retention import apply_retention
from veille.workspace import Workspace

from .test_kpi_coverage import daily_lumio

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(params=["sqlite", "chdb"])
def purged(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """veille listened 45 days (one lumio post a day), keeps posts 10 days,
    and has just purged the older ones."""
    root = retention_workspace(request.param, tmp_path / "ws")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(daily_lumio(NOW, days=45, hour_back=2))
        add_topic(ws.store, "lumio", "lumio")
        add_kpi(ws, "volume", "mentions", 100, topic="lumio", period_days=30, now=NOW)
        apply_retention(ws, now=NOW)
        assert ws.store.count_posts() < 12  # the posts of the last 10 days or so
        yield ws


def test_a_mentions_kpi_after_a_purge_says_it_counts_its_whole_period(
    purged: Workspace,
) -> None:
    """The figure, read from the daily counts the purge keeps, counted all 30
    days (30 posts), yet its reason said "It counts only 10 of the 30 days:
    veille holds posts from …", read from the oldest post still held. Now
    nothing is said of days it does count; the history draws the window the
    counts cover in full, and the first one, which the counts begin in,
    says how many of its days it counts and from when, in English and
    French, without speaking of posts held."""
    (found,) = reports(purged, now=NOW)
    assert found.value == 30
    assert "counts only" not in found.reason_en, found.reason_en
    assert "ne compte que" not in found.reason_fr, found.reason_fr
    values = [v for _d, v in found.history]
    assert values == [15.0, 30.0], found.history  # days 30..44 back, then the last 30
    assert found.first_days == 14  # the oldest count, 44 days and 2 hours back
    # The chart's note says so too, not "veille holds no earlier post": it
    # holds none before 10 days back, and this point counts 14 days.
    assert found.history_note("en").endswith(
        "counts only 14 of its 30 days: veille's daily counts of its topic begin in that period."
    ), found.history_note("en")
    assert "les comptages quotidiens de son sujet commencent" in found.history_note("fr")


def test_the_first_window_of_the_counts_says_when_they_begin(purged: Workspace) -> None:
    """A 60-day KPI over counts that begin 45 days back: its value (45
    posts, the oldest 44 days and 2 hours back) counts 44 of its 60 days,
    and says so from the counts' first day, not from the oldest post held
    (10 days back)."""
    from veille.i18n import format_date

    add_kpi(purged, "volume60", "mentions", 100, topic="lumio", period_days=60, now=NOW)
    found = next(r for r in reports(purged, now=NOW) if r.kpi.name == "volume60")
    assert found.value == 45
    first = (NOW - timedelta(days=44, hours=2)).date()
    assert (
        "It counts only 44 of the 60 days: veille's daily counts of its topic begin on "
        + (format_date(first, "en"))
        in found.reason_en
    ), found.reason_en
    said = "Ce chiffre ne compte que 44 des 60 jours\u202f: les comptages quotidiens de son sujet"
    assert f"{said} commencent le " in found.reason_fr, found.reason_fr
