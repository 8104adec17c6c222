"""Reach (followers summed) is unknown only where no post gave its author's
follower count: an account with 0 followers reads 0, a feed's reach "–".

Before, the rollups summed a follower count never given as 0 and a reach of
0 read unknown, so a Mastodon account nobody follows read as a blog's feed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.analytics.copied import copied_run, made_once

WEEK = "2026-03-23..2026-03-29"
ROWS: list[dict[str, Any]] = [
    # A feed: no follower count, no like, share or reply count.
    {"platform": "rss", "id": "b0", "author": "blog", "text": "Lumio et la fibre",
     "published_at": "2026-03-24T10:00:00Z"},
    # A Mastodon account nobody follows, whose post nobody liked.
    {"platform": "mastodon", "id": "m0", "author": "nouveau", "followers": 0,
     "text": "Lumio et la fibre", "published_at": "2026-03-24T11:00:00Z",
     "likes": 0, "shares": 0, "replies": 0},
]  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_once(
        tmp_path_factory.mktemp("made"), request.param, ROWS, ("topic", "add", "fibre", "fibre")
    )


@pytest.fixture
def run(made: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return copied_run(made, tmp_path)


def _platforms(out: str) -> dict[str, tuple[Any, Any]]:
    return {r["key"]: (r["engagement"], r["reach"]) for r in json.loads(out)}


def test_a_feed_reads_unknown_beside_an_account_of_0_followers(run: Any) -> None:
    every = ("--by", "platform", "--period", WEEK, "--format", "json")
    # The whole workspace (the rollups), a saved topic (its rollup), a query
    # of words (the posts): each says the same.
    for scope in ((), ("--topic", "fibre"), ("--query", "lumio")):
        assert _platforms(run("volume", *every, *scope)) == {
            "rss": (None, None), "mastodon": (0, 0)
        }, scope  # fmt: skip
        mastodon = _platforms(run("volume", *every, *scope, "--platform", "mastodon"))
        assert mastodon == {"mastodon": (0, 0)}, scope
        rss = _platforms(run("volume", *every, *scope, "--platform", "rss"))
        assert rss == {"rss": (None, None)}, scope


def test_the_headline_reach_of_0_followers_is_0(run: Any, tmp_path: Path) -> None:
    from veille.analytics.scope import Scope, parse_period
    from veille.analytics.tops import headline
    from veille.store.base import PostFilter
    from veille.workspace import Workspace

    def on(*platforms: str) -> Scope:
        return Scope(flt=PostFilter(platforms=platforms))

    with Workspace.open(tmp_path / "ws") as ws:
        period = parse_period(WEEK)
        alone = headline(ws.store, on("mastodon"), period)
        feed = headline(ws.store, on("rss"), period)
        both = headline(ws.store, on(), period)
    assert (alone["reach"].value, alone["engagement"].value) == (0, 0)
    assert (feed["reach"].value, feed["engagement"].value) == (None, None)
    assert (both["reach"].value, both["reach"].covered, both["reach"].posts) == (0, 1, 2)


@pytest.fixture
def site(tmp_path: Path) -> Any:
    from tests.conftest import make_post
    from tests.web.server import add_role_users, serve
    from veille.models import Author, Engagement
    from veille.records import parse_time
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    tokens = add_role_users(root)
    posts = [
        make_post(
            r["id"], r["text"], platform=r["platform"], published_at=parse_time(r["published_at"]),
            author=Author(r["author"], followers=r.get("followers")),
            engagement=Engagement(likes=0) if "likes" in r else Engagement(given=False),
        )
        for r in ROWS
    ]  # fmt: skip
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(posts)
    with serve(root) as server:
        server.tokens = tokens
        yield server


def test_the_api_breakdown_says_0_followers_and_null(site: Any) -> None:
    auth = {"Authorization": f"Bearer {site.tokens['viewer']}"}
    got = httpx.get(
        site.url + "/api/v1/analytics/breakdown",
        params={"by": "platform", "period": WEEK}, headers=auth, timeout=30,
    )  # fmt: skip
    assert got.status_code == 200, got.text
    rows = {r["key"]: (r["engagement"], r["reach"]) for r in got.json()["shares"]}
    assert rows == {"rss": (None, None), "mastodon": (0, 0)}


def test_the_report_reads_a_reach_of_0_and_says_what_it_covers(run: Any, tmp_path: Path) -> None:
    import re
    from html import unescape

    def figures(*args: str) -> str:
        out = tmp_path / "r.html"
        run("report", "--period", WEEK, *args, "-o", str(out))
        text = unescape(re.sub(r"<[^>]+>", " ", out.read_text(encoding="utf-8")))
        return " ".join(text.split())

    for scope in ((), ("--topic", "fibre")):
        both = figures(*scope)
        assert "Reach 0 " in both, scope
        assert "on 1 of 2 posts (those that gave a follower count)" in both, scope
