"""A saved topic's engagement and reach after a retention purge, on SQLite
and on ClickHouse (chDB): the purged post gave a known 0 (like, share and
reply counts of 0, a follower count of 0), the posts left are feeds that
give none. SQLite's topic rollup keeps how many of the purged posts gave
counts and followers, so its headline says "engagement 0 on 1 of 5 posts";
ClickHouse's ``topic_purged`` kept posts, engagement and reach only, and
guessed the rest from them (a 0 read as "gave none"): its headline said
"–", covering 0. Since ClickHouse schema 14 it keeps both counts too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post, retention_workspace
from veille.analytics.scope import Period
from veille.analytics.topics import topic_scope
from veille.analytics.tops import headline
from veille.models import Author, Engagement, Post
from veille.query.topics import add_topic
from veille.services.retention import apply_retention
from veille.store.clickhouse.schema import SCHEMA_VERSION
from veille.workspace import Workspace

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
PERIOD = Period(NOW + timedelta(hours=1) - timedelta(days=30), NOW + timedelta(hours=1))


def _feeds() -> list[Post]:
    """Four posts of a feed: no like, share or reply count, no followers."""
    return [
        make_post(f"f{i}", f"Lumio lamp {i}", platform="rss", author=Author("blog"),
                  engagement=Engagement(given=False), published_at=NOW - timedelta(days=2 + i))
        for i in range(4)
    ]  # fmt: skip


def _zero(native_id: str, days: int) -> Post:
    """A post that gave its counts and its author's follower count: all 0."""
    return make_post(
        native_id,
        "Lumio lamp, first look",
        author=Author("nouveau", followers=0),
        engagement=Engagement(likes=0),
        published_at=NOW - timedelta(days=days),
    )


def _figures(ws: Workspace) -> dict[str, Any]:
    """The topic's headline (value, covered, posts) and its totals as the
    volume pages read them."""
    scope = topic_scope(ws.store, "lumio")
    found = headline(ws.store, scope, PERIOD)
    return {
        **{f: (found[f].value, found[f].covered, found[f].posts) for f in ("engagement", "reach")},
        "totals": ws.store.post_totals(scope.during(PERIOD)),
    }


# Engagement 0 on 1 of 5 posts, reach 0 from 1 of 5: the purged post's known 0.
EXPECTED = {"engagement": (0, 1, 5), "reach": (0, 1, 5), "totals": [(5, 0, 0)]}


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_purged_topic_keeps_what_its_counts_cover(kind: str, tmp_path: Path) -> None:
    with Workspace.open(retention_workspace(kind, tmp_path / "ws")) as ws:
        ws.store.upsert_posts([_zero("z0", 20), *_feeds()])
        add_topic(ws.store, "lumio", "lumio")  # files the posts held
        assert _figures(ws) == EXPECTED
        purged = apply_retention(ws, now=NOW)
        assert purged is not None and purged.posts == 1
        assert ws.posts.count_posts() == 4
        # ClickHouse said "–" (engagement and reach unknown, covering 0).
        assert _figures(ws) == EXPECTED


def test_store_migrate_carries_what_the_purged_counts_cover(tmp_path: Path) -> None:
    """``veille store migrate`` from SQLite to chDB and back: each new store
    (which files only the posts it holds) shows the same headline."""
    pytest.importorskip("chdb")
    from veille.services.migrate import migrate_workspace

    root = retention_workspace("sqlite", tmp_path / "ws")
    chdb_url, back_url = f"chdb:///{tmp_path / 'posts.chdb'}", f"sqlite:///{tmp_path / 'back.db'}"
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([_zero("z0", 20), *_feeds()])
        add_topic(ws.store, "lumio", "lumio")
        assert _figures(ws) == EXPECTED  # (read once: the topic files its backlog)
        assert apply_retention(ws, now=NOW) is not None
        assert _figures(ws) == EXPECTED
        report = migrate_workspace(ws, posts_url=chdb_url, state_url=None)
        assert report.ok, report.checks
    for url in (chdb_url, back_url):
        (root / "veille.toml").write_text(
            f'[store]\nposts = "{url}"\nstate = "sqlite:///veille.db"\n', encoding="utf-8"
        )
        with Workspace.open(root) as moved:
            assert moved.posts.count_posts() == 4
            assert _figures(moved) == EXPECTED, url
            if url == chdb_url:
                report = migrate_workspace(moved, posts_url=back_url, state_url=None)
                assert report.ok, report.checks


def test_clickhouse_schema_14_keeps_what_purges_before_it_covered(tmp_path: Path) -> None:
    """A chDB store left at schema 13 after a purge: its ``topic_purged``
    rows have no coverage counts, and their posts are gone. Opened by this
    veille, they read as they did (a purged row whose engagement is above 0
    covers its posts, one whose engagement is 0 none: a known 0 purged
    before the upgrade cannot be told from a feed's), and the next purge
    keeps exact counts."""
    root = retention_workspace("chdb", tmp_path / "ws")
    counted = make_post(
        "e0",
        "Lumio lamp, a review",
        author=Author("critic", followers=7),
        engagement=Engagement(likes=3),
        published_at=NOW - timedelta(days=25),
    )
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([counted, _zero("z0", 20), _zero("z1", 9), *_feeds()])
        add_topic(ws.store, "lumio", "lumio")
        assert _figures(ws)["engagement"] == (3, 3, 7)  # (read once: the topic files its backlog)
        assert apply_retention(ws, now=NOW) is not None  # e0 and z0 go
        # As schema 13 left it: ``topic_purged`` without the two counts.
        client = ws.posts.client
        for column in ("counted", "followed"):
            client.command(f"ALTER TABLE topic_purged DROP COLUMN {column}")
        ws.posts.write_row("veille_meta", {"key": "schema", "value": "13"})
    with Workspace.open(root) as ws:
        schema = ws.posts.rows("SELECT value FROM veille_meta FINAL WHERE key = 'schema'")
        assert schema == [[str(SCHEMA_VERSION)]]  # 14, and the steps after it
        # Purged e0's 3 likes and 7 followers cover it, z1 (held) its 0s;
        # purged z0's 0s read unknown, as before the upgrade.
        upgraded = {"engagement": (3, 2, 7), "reach": (7, 2, 7), "totals": [(7, 3, 7)]}
        assert _figures(ws) == upgraded
        # A purge now keeps what z1's known 0s cover (they read unknown before).
        assert apply_retention(ws, now=NOW + timedelta(days=2)) is not None
        assert ws.posts.count_posts() == 4
        assert _figures(ws) == upgraded
