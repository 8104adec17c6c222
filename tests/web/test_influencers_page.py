"""The influencers page keeps the posts' figures a minute, not the user's
decisions: two accounts confirmed as one person show as one row at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import make_post
from tests.web.conftest import Served
from veille.models import Author


def _rows(page: str, handle: str) -> int:
    return page.count(f">@{handle}<")


def test_a_decision_shows_at_once_though_the_figures_are_kept(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    # Yesterday: "last-7d" is the 7 whole days before today.
    day = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    posts = [
        make_post(
            f"{platform}-{i}",
            f"lumio launch day {i}",
            platform=platform,
            author=Author("camille", followers=500),
            published_at=day - timedelta(hours=i + 1),
        )
        for platform in ("mastodon", "bluesky")
        for i in range(3)
    ]
    with live_server.workspace() as ws:
        ws.posts.upsert_posts(posts)
    login(client, "viewer")
    first = client.get("/influencers", params={"query": "lumio", "period": "last-7d"})
    assert first.status_code == 200
    assert _rows(first.text, "camille") == 2  # one row per account
    with live_server.workspace() as ws:
        ws.store.decide_author_link(("bluesky", "camille"), ("mastodon", "camille"), "same")
        # A post that arrives now is in the kept figures only after a minute.
        ws.posts.upsert_posts(
            [make_post("late", "lumio again", author=Author("dominique"), published_at=day)]
        )
    again = client.get("/influencers", params={"query": "lumio", "period": "last-7d"})
    assert _rows(again.text, "camille") == 1
    assert "dominique" not in again.text
