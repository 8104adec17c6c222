"""A generated workspace whose KPI figures are known by construction.

``NOW`` is 2026-03-31 12:00 UTC; KPIs measure the 30 days before it
(2026-03-01 12:00 .. 2026-03-31 12:00). In that window:

- topic ``lumio`` (posts holding "lumio"): 6 posts, 3 positive, 1 negative,
  2 neutral (net sentiment (3 - 1) / 6 = 33.3 points); 4 on mastodon and 2 on
  bluesky; 4 in French, 2 in English;
- topic ``vexa``: 2 posts (share of voice of lumio: 6 / 8 = 75 %);
- our account ``lumio_hq`` on mastodon: 3 posts (engagement 6 + 6 + 6 = 18),
  one of which mentions ``carol``, an author of lumio posts (one influencer
  engaged).

The 30 days before the window hold 4 more lumio posts (the history's
previous point), all neutral.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.made import copy_workspace, made_workspace
from veille.models import Author, Engagement, Post, Sentiment
from veille.query.topics import add_topic
from veille.workspace import Workspace

__all__ = ["made_workspace"]  # a fixture, offered to the tests here

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def post(
    n: int,
    text: str,
    days_ago: float,
    *,
    platform: str = "mastodon",
    handle: str = "alice",
    sentiment: str | None = None,
    lang: str = "fr",
    likes: int = 0,
    shares: int = 0,
    replies: int = 0,
    mentions: tuple[str, ...] = (),
    followers: int = 100,
    given: bool = True,
) -> Post:
    return Post.create(
        platform=platform,
        native_id=str(n),
        text=text,
        published_at=NOW - timedelta(days=days_ago),
        author=Author(handle=handle, followers=followers),
        engagement=Engagement(likes=likes, shares=shares, replies=replies)
        if given
        else Engagement(given=False),
        sentiment=Sentiment(sentiment, 0.5, 0.9) if sentiment else None,  # type: ignore[arg-type]
        lang=lang,
        mentions=mentions,
    )


def world() -> list[Post]:
    return [
        post(1, "lumio panne", 1, sentiment="positive", handle="carol", followers=5000),
        post(2, "lumio super", 2, sentiment="positive", handle="carol", followers=5000),
        post(3, "lumio merci", 3, sentiment="positive", handle="dave"),
        post(4, "lumio nul", 4, sentiment="negative", handle="erin"),
        post(5, "lumio news", 5, platform="bluesky", sentiment="neutral", lang="en", handle="bob"),
        post(
            6, "lumio update", 6, platform="bluesky", sentiment="neutral", lang="en", handle="bob"
        ),
        post(7, "vexa promo", 2, handle="frank"),
        post(8, "vexa offre", 3, handle="frank"),
        # Our own posts (not lumio: our handle is not our topic's word).
        post(9, "Bonjour à tous", 1, handle="lumio_hq", likes=5, shares=1),
        post(10, "Merci @carol", 2, handle="lumio_hq", likes=4, replies=2, mentions=("carol",)),
        post(11, "Nouveautés", 3, handle="lumio_hq", likes=6),
        # The 30 days before.
        *[
            post(20 + i, "lumio ancien", 35 + i, sentiment="neutral", handle="zoe")
            for i in range(4)
        ],
    ]


@pytest.fixture(scope="session")
def made_plan_workspace(made_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world stored and its two topics, made once and copied per test."""
    root = copy_workspace(made_workspace, tmp_path_factory.mktemp("plan") / "ws")
    with Workspace.open(root) as w:
        w.store.upsert_posts(world())
        add_topic(w.store, "lumio", "lumio")
        add_topic(w.store, "vexa", "vexa")
    return root


@pytest.fixture
def ws(tmp_path: Path, made_plan_workspace: Path) -> Iterator[Workspace]:
    with Workspace.open(copy_workspace(made_plan_workspace, tmp_path / "ws")) as w:
        yield w
