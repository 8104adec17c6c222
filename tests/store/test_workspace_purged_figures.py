"""The whole workspace's figures after a retention purge, on SQLite and on
ClickHouse (chDB), over a period whose bounds are off the quarter-hours (a
custom period from 05:07, a KPI's window, which ends at the second it is
read). Both stores keep the purged posts' volume, engagement, reach and
sentiment in their rollups; SQLite reads the period's whole quarter-hours
there and its few minutes at either edge from the posts, and ClickHouse read
every such period from the posts it holds: after a purge its headline,
volume per day, breakdowns and sentiment there counted none of the purged
posts (0 posts a day before the cutoff)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post, retention_workspace
from veille.analytics.scope import Period, Scope
from veille.analytics.tops import headline, top_entities
from veille.analytics.volume import breakdown, overall_sentiment, volume
from veille.models import Author, Engagement, Post, Sentiment
from veille.services.retention import apply_retention
from veille.store.clickhouse.schema import SCHEMA_VERSION
from veille.workspace import Workspace

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
# Off the quarter-hours at both ends, straddling the purge's cutoff (10 days).
OFF = Period(NOW - timedelta(days=14, hours=-5, minutes=-7), NOW - timedelta(minutes=63))


def _posts(n: int = 300, seed: int = 46, days: int = 20) -> list[Post]:
    """Posts over the ``days`` before NOW: two platforms, two languages, each
    sentiment, hashtags and link domains, some without counts or followers
    (feeds)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        given = rng.random() < 0.7
        out.append(
            make_post(
                f"p{seed}-{i}",
                f"post {i}",
                platform=rng.choice(["mastodon", "bluesky"]),
                author=Author(f"a{rng.randint(0, 6)}", followers=rng.choice([None, 0, 10, 100])),
                engagement=Engagement(likes=rng.randint(0, 5))
                if given
                else Engagement(given=False),
                published_at=NOW - timedelta(seconds=rng.randint(1, days * 86400)),
                lang=rng.choice(["en", "fr"]),
                sentiment=Sentiment(rng.choice(["positive", "negative", "neutral"])),
                hashtags=(rng.choice(["Lumio", "lumio", "lamp", "éco"]),),
                links=(f"https://d{rng.randint(0, 2)}.example/{i}",),
            )
        )
    return out


def _figures(ws: Workspace, period: Period) -> dict[str, Any]:
    """What the dashboard reads of the whole workspace over ``period``."""
    whole = Scope()
    found = headline(ws.store, whole, period)
    return {
        "headline": {k: (f.value, f.covered, f.posts) for k, f in found.items()},
        "per day": [(p.start, p.posts) for p in volume(ws.store, whole, period).points],
        "languages": [
            (s.key, s.posts, s.engagement, s.reach)
            for s in breakdown(ws.store, whole, period, "lang")
        ],
        "sentiment": overall_sentiment(ws.store, whole, period),
    }


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_period_off_the_quarter_hours_keeps_the_purged_posts(kind: str, tmp_path: Path) -> None:
    with Workspace.open(retention_workspace(kind, tmp_path / "ws")) as ws:
        ws.store.upsert_posts(_posts())
        before = _figures(ws, OFF)
        assert before["headline"]["posts"][0] > 150
        purged = apply_retention(ws, now=NOW)
        assert purged is not None and purged.posts > 100
        # ClickHouse read the period from the posts held: the purged days
        # read 0 posts, the headline a third fewer.
        assert _figures(ws, OFF) == before


# From 05:00 (on a quarter-hour, not on a UTC day: a day of another time zone
# begins so), its first day purged.
DAY_EDGE = Period(NOW - timedelta(days=14, hours=-5), NOW)


def _entities(ws: Workspace, period: Period) -> dict[str, Any]:
    whole = Scope()
    return {
        kind: [
            (e.value, e.posts, e.engagement) for e in top_entities(ws.store, whole, period, kind)
        ]
        for kind in ("hashtags", "domains")
    }


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_period_from_inside_a_purged_day_keeps_its_hashtags(kind: str, tmp_path: Path) -> None:
    """Top hashtags and domains of a period whose first day is cut (05:00
    UTC) and purged: ClickHouse's rollup keeps them per UTC day, and read
    the cut day from the posts held, so its purged posts' hashtags went
    missing (SQLite keeps quarter-hour rows). Then posts older than the
    cutoff come in late and a second purge deletes them: they count too,
    once."""
    root = retention_workspace(kind, tmp_path / "ws")
    late = _posts(40, seed=7, days=12)  # (some older than the cutoff, 10 days)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(_posts())
        before = _entities(ws, DAY_EDGE)
        assert before["hashtags"][0][1] > 50
        assert apply_retention(ws, now=NOW) is not None
        assert _entities(ws, DAY_EDGE) == before
        # The same purge again (the hourly upkeep), then late posts, purged in turn.
        assert apply_retention(ws, now=NOW) is not None
        assert _entities(ws, DAY_EDGE) == before
        ws.store.upsert_posts(late)
        with_late = _entities(ws, DAY_EDGE)
        report = apply_retention(ws, now=NOW)
        assert report is not None and report.posts > 0
        assert _entities(ws, DAY_EDGE) == with_late != before


def test_store_migrate_carries_the_purged_hashtags_of_a_cut_day(tmp_path: Path) -> None:
    """``veille store migrate`` from SQLite to chDB after a purge, and back:
    each store reads the same top hashtags and domains over a period from
    inside a purged day (chDB read none of its purged posts there)."""
    pytest.importorskip("chdb")
    from veille.services.migrate import migrate_workspace

    root = retention_workspace("sqlite", tmp_path / "ws")
    chdb_url, back_url = f"chdb:///{tmp_path / 'posts.chdb'}", f"sqlite:///{tmp_path / 'back.db'}"
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(_posts())
        before = {"edge": _entities(ws, DAY_EDGE), "figures": _figures(ws, OFF)}
        assert apply_retention(ws, now=NOW) is not None
        report = migrate_workspace(ws, posts_url=chdb_url, state_url=None)
        assert report.ok, report.checks
        assert any(c.table == "entity_purged" and c.copied for c in report.checks)
    for url in (chdb_url, back_url):
        (root / "veille.toml").write_text(
            f'[store]\nposts = "{url}"\nstate = "sqlite:///veille.db"\n', encoding="utf-8"
        )
        with Workspace.open(root) as moved:
            got = {"edge": _entities(moved, DAY_EDGE), "figures": _figures(moved, OFF)}
            assert got == before, url
            if url == chdb_url:
                report = migrate_workspace(moved, posts_url=back_url, state_url=None)
                assert report.ok, report.checks


def test_clickhouse_schema_15_records_the_next_purge(tmp_path: Path) -> None:
    """A chDB store left at schema 14 after a purge (no ``entity_purged``)
    opens at 15 with the table, empty (that purge's posts are gone), and
    the next purge keeps the quarter-hours of the days it cuts."""
    root = retention_workspace("chdb", tmp_path / "ws")
    # From 05:00 on a day the second purge (cutoff 6 days before) takes.
    cut = Period(NOW - timedelta(days=8, hours=-5), NOW)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(_posts())
        before = _entities(ws, cut)
        assert apply_retention(ws, now=NOW) is not None
        # As schema 14 left it.
        client = ws.posts.client
        client.command("DROP TABLE entity_purged")
        client.command(
            "ALTER TABLE veille_meta DELETE WHERE key = 'entity_purged_done' "
            "SETTINGS mutations_sync = 2"
        )
        ws.posts.write_row("veille_meta", {"key": "schema", "value": "14"})
    with Workspace.open(root) as ws:
        schema = ws.posts.rows("SELECT value FROM veille_meta FINAL WHERE key = 'schema'")
        assert schema == [[str(SCHEMA_VERSION)]]  # 15, and the steps after it
        assert ws.posts.rows("SELECT count() FROM entity_purged") == [[0]]
        assert _entities(ws, cut) == before  # (nothing purged there yet)
        assert apply_retention(ws, now=NOW + timedelta(days=4)) is not None
        assert _entities(ws, cut) == before


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_top_hashtags_off_the_quarter_hours_keep_the_purged_posts(
    kind: str, tmp_path: Path
) -> None:
    """Top hashtags and domains over a period off the quarter-hours (from
    05:07): SQLite read every such period from the posts held (a third of
    its hashtags gone after a purge), ClickHouse its cut first day."""
    with Workspace.open(retention_workspace(kind, tmp_path / "ws")) as ws:
        ws.store.upsert_posts(_posts())
        before = _entities(ws, OFF)
        assert apply_retention(ws, now=NOW) is not None
        assert _entities(ws, OFF) == before
