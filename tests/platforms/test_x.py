from __future__ import annotations

from datetime import timedelta

import pytest

from veille.sim import x as sim_x
from veille.sim.server import HostSpec
from veille.sources.base import SourceConfigError
from veille.sources.x import collect, items_of, parse_target, to_post

from .conftest import END, fixture


def test_post_with_author_expansion() -> None:
    (item,) = items_of(fixture("x", "search_recent.json"))
    post = to_post(item)
    assert post.id == "x:1851234567890123456"
    assert post.url == "https://x.com/fibreguy/status/1851234567890123456"
    assert post.author.followers == 150000 and post.author.name == "Mark Fibre"
    assert post.hashtags == ("LumioDown",) and post.mentions == ("LumioSupport",)
    assert post.links == ("https://status.lumio.example/incident/42",)
    assert post.parent_id == "x:1851230000000000000" == post.thread_id
    assert (post.engagement.likes, post.engagement.shares, post.engagement.replies) == (19, 8, 2)
    assert post.engagement.views == 2210 and post.lang == "fr"


def test_target_needs_a_bearer_token() -> None:
    with pytest.raises(SourceConfigError, match="bearer token"):
        parse_target("lumio")
    with pytest.raises(SourceConfigError, match="between 10 and 100"):
        parse_target("lumio", {"bearer_token": "t", "max_results": "5"})


def test_recent_search_with_since_id(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("x", sim_x.routes())])
    opts = {
        "bearer_token": sim_x.BEARER,
        "api": sim.hosts["x"].base_url,
        "max_results": "10",
        "max_pages": "50",
    }
    config = parse_target("lumio -is:retweet", opts)
    batches = list(collect(config, None, http))
    items = [i for b in batches for i in b.items]
    posts = [to_post(i) for i in items]
    assert posts and all(p.author.followers is not None for p in posts)
    assert all("lumio" in p.text.lower() and p.repost_of is None for p in posts)
    since = batches[-1].cursor["since_id"]
    assert since == max(int(p.native_id) for p in posts)
    world.clock.advance(timedelta(hours=20))
    later = [to_post(i) for b in collect(config, {"since_id": since}, http) for i in b.items]
    assert later and all(int(p.native_id) > since for p in later)
    with pytest.raises(Exception, match="401"):
        list(collect(parse_target("lumio", {**opts, "bearer_token": "nope"}), None, http))


def test_stops_when_the_window_is_spent_and_resumes_without_a_gap(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("x", sim_x.routes())])
    host = sim.hosts["x"]
    host.rate_limit = 3
    opts: dict[str, str] = {
        "bearer_token": sim_x.BEARER,
        "api": host.base_url,
        "max_results": "10",
        "max_pages": "50",
    }
    config = parse_target("-is:retweet", opts)
    world.clock.set(END - timedelta(days=3))
    first = list(collect(config, None, http))
    cursor = first[-1].cursor
    world.clock.set(END)
    host._quotas.clear()
    cut = list(collect(config, cursor, http))
    assert host.statuses.get(429, 0) == 0
    assert any("rate limit" in n for b in cut for n in b.notes)
    assert "upper" in cut[-1].cursor  # the rest of the window waits for the next run
    rest: list = []  # type: ignore[type-arg]
    cursor = cut[-1].cursor
    for _ in range(30):
        host._quotas.clear()
        rest += list(collect(config, cursor, http))
        cursor = rest[-1].cursor
        if set(cursor) == {"since_id"}:
            break
    assert set(cursor) == {"since_id"}
    new = {i["data"]["id"] for b in cut + rest for i in b.items}
    expected = {
        sim_x.snowflake(p)
        for p in world.visible(platform="x")
        if int(sim_x.snowflake(p)) > first[-1].cursor["since_id"]
        and sim_x._matches(p, "-is:retweet")
    }
    assert new == expected


def test_bearer_token_can_come_from_the_environment(make_sim, http, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("x", sim_x.routes())])
    opts = {"bearer_token": "env:VEILLE_TEST_X_BEARER", "api": sim.hosts["x"].base_url}
    config = parse_target("lumio", opts)
    assert config.bearer_token == "env:VEILLE_TEST_X_BEARER"  # the secret is not stored
    monkeypatch.delenv("VEILLE_TEST_X_BEARER", raising=False)
    with pytest.raises(SourceConfigError, match="VEILLE_TEST_X_BEARER"):
        list(collect(config, None, http))
    monkeypatch.setenv("VEILLE_TEST_X_BEARER", sim_x.BEARER)
    assert [i for b in collect(config, None, http) for i in b.items]
