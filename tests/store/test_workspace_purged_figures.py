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

from tests.conftest import make_post
from veille.analytics.scope import Period, Scope
from veille.analytics.tops import headline
from veille.analytics.volume import breakdown, overall_sentiment, volume
from veille.models import Author, Engagement, Post, Sentiment
from veille.services.privacy import apply_retention
from veille.workspace import Workspace, init_workspace

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
# Off the quarter-hours at both ends, straddling the purge's cutoff (10 days).
OFF = Period(NOW - timedelta(days=14, hours=-5, minutes=-7), NOW - timedelta(minutes=63))


def _workspace(kind: str, root: Path) -> Path:
    if kind == "chdb":
        pytest.importorskip("chdb")
        root.mkdir()
        (root / "veille.toml").write_text(
            f'[store]\nposts = "chdb:///{root / "posts.chdb"}"\n', encoding="utf-8"
        )
    root = init_workspace(root)
    toml = root / "veille.toml"
    text = toml.read_text(encoding="utf-8")
    kept = "retention_days = 10"
    text = text.replace("# retention_days = 0", kept) if "[privacy]" in text else (
        f"{text}\n[privacy]\n{kept}\n"
    )  # fmt: skip
    toml.write_text(text, encoding="utf-8")
    return root


def _posts(n: int = 300) -> list[Post]:
    """Posts over the 20 days before NOW: two platforms, two languages, each
    sentiment, some without counts or followers (feeds)."""
    rng = random.Random(46)
    out = []
    for i in range(n):
        given = rng.random() < 0.7
        out.append(
            make_post(
                f"p{i}",
                f"post {i}",
                platform=rng.choice(["mastodon", "bluesky"]),
                author=Author(f"a{rng.randint(0, 6)}", followers=rng.choice([None, 0, 10, 100])),
                engagement=Engagement(likes=rng.randint(0, 5))
                if given
                else Engagement(given=False),
                published_at=NOW - timedelta(seconds=rng.randint(1, 20 * 86400)),
                lang=rng.choice(["en", "fr"]),
                sentiment=Sentiment(rng.choice(["positive", "negative", "neutral"])),
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
    with Workspace.open(_workspace(kind, tmp_path / "ws")) as ws:
        ws.store.upsert_posts(_posts())
        before = _figures(ws, OFF)
        assert before["headline"]["posts"][0] > 150
        purged = apply_retention(ws, now=NOW)
        assert purged is not None and purged.posts > 100
        # ClickHouse read the period from the posts held: the purged days
        # read 0 posts, the headline a third fewer.
        assert _figures(ws, OFF) == before
