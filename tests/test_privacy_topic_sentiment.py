"""A saved topic's sentiment and stories over days a retention purge took
out, on SQLite and on chDB, and after ``veille store migrate`` both ways.

The workspace's figures keep the sentiment of purged posts (its volume
rollup keeps them by sentiment); a topic's kept only its volume, engagement
and reach. So its dashboard over a period reaching into purged days showed
the sentiment of the kept posts beside a volume that counted every post,
and its stories counted the purged posts on SQLite (56), not on ClickHouse
(20). Both now read what they read before the purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import retention_workspace
from tests.test_privacy_topic_backlog import NOW, PERIOD, _posts
from veille.analytics.scope import Period
from veille.query.topics import add_topic
from veille.services.dashboard import topic_figures
from veille.services.migrate import migrate_workspace
from veille.services.retention import apply_retention
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
    with Workspace.open(retention_workspace(kind, root)) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        before = _read(ws)
        report = apply_retention(ws, now=NOW)
        assert report is not None and report.posts == 37
        return before, _read(ws)


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_topic_keeps_its_sentiment_on_purged_days(kind: str, tmp_path: Path) -> None:
    before, after = _before_and_after(kind, tmp_path / kind)
    # A post in four of each sentiment (one none).
    assert before[0]["sentiment"] == (14, 14, 14) and before[0]["posts"] == 56
    # It said (5, 5, 5) on both: the sentiment of the 20 posts kept.
    assert [(r["sentiment"], r["net_sentiment"]) for r in after] == [
        (r["sentiment"], r["net_sentiment"]) for r in before
    ]


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


def test_a_topics_purged_sentiment_moves_with_the_posts(tmp_path: Path) -> None:
    """``veille store migrate`` carries a topic's purged sentiment with its
    volume: SQLite -> chDB -> SQLite, each store reads it as it was."""
    pytest.importorskip("chdb")
    root = retention_workspace("sqlite", tmp_path / "ws")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        before = _read(ws)
        assert apply_retention(ws, now=NOW) is not None
        chdb_url = f"chdb:///{tmp_path / 'posts.chdb'}"
        back_url = f"sqlite:///{tmp_path / 'back.db'}"
        report = migrate_workspace(ws, posts_url=chdb_url, state_url=None)
        assert report.ok, report.checks
    for url in (chdb_url, back_url):
        (root / "veille.toml").write_text(
            f'[store]\nposts = "{url}"\nstate = "sqlite:///veille.db"\n', encoding="utf-8"
        )
        with Workspace.open(root) as moved:
            assert moved.posts.count_posts() == 20
            if url == back_url:
                assert _read(moved) == before
                continue
            assert _read(moved) == before
            report = migrate_workspace(moved, posts_url=back_url, state_url=None)
            assert report.ok, report.checks
            again = migrate_workspace(moved, posts_url=back_url, state_url=None)
            assert {c.table: c for c in again.checks}["topic_purged"].copied == 0


def test_a_chdb_store_of_schema_14_keeps_topic_sentiment_from_its_next_purge(
    tmp_path: Path,
) -> None:
    """A store whose ``topic_purged`` has no sentiment (schema 14, purged
    before this release) gets the columns when this veille opens it: its
    purged days read no sentiment (their posts are gone), the days its next
    purge takes out read theirs."""
    pytest.importorskip("chdb")
    from veille.store.clickhouse.schema import SCHEMA_VERSION

    root = retention_workspace("chdb", tmp_path / "ws")
    # One purge 8 days before NOW (the posts before 2026-11-17 go: lumio's 4
    # of 2026-11-16), then one at NOW (2026-11-17 to 2026-11-24: 32 more).
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        before = _read(ws)
        assert apply_retention(ws, now=NOW - timedelta(days=8)) is not None
        client = ws.posts.client
        for column in ("positive", "negative", "neutral"):
            client.command(f"ALTER TABLE topic_purged DROP COLUMN {column}")
        ws.posts.write_row("veille_meta", {"key": "schema", "value": "14"})
    with Workspace.open(root) as ws:
        schema = ws.posts.rows("SELECT value FROM veille_meta FINAL WHERE key = 'schema'")
        assert schema == [[str(SCHEMA_VERSION)]]
        assert apply_retention(ws, now=NOW) is not None
        got = _read(ws)
    # The 4 posts purged before the upgrade (one of each sentiment, one
    # none) read none; the others as before.
    assert got[0] == {**before[0], "sentiment": (13, 13, 13)}
    assert got[1] == before[1]
    assert got[2] == {**before[2], "sentiment": (3, 3, 3)}
