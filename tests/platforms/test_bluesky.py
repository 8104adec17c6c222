from __future__ import annotations

import json
from datetime import timedelta

import pytest

from veille.sim import bluesky as sim_bluesky
from veille.sim.server import HostSpec
from veille.sources.base import SourceConfigError
from veille.sources.bluesky import collect, parse_target, to_post

from .conftest import END, fixture, shared_data


def test_post_view_facets_become_tags_mentions_links() -> None:
    post = to_post(fixture("bluesky", "search_post.json"))
    assert post.id == "bluesky:did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3lbqz5ryekc2x"
    assert post.url == "https://bsky.app/profile/netpolicy.bsky.social/post/3lbqz5ryekc2x"
    assert post.hashtags == ("LumioDown",)
    # The mention is named as written (byte offsets past an emoji and accents).
    assert post.mentions == ("claire.bsky.social",)
    assert post.links == ("https://lumio.example/statut",)
    assert post.media == (
        "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:z72i7hdynmk6r22z27h6tvur/bafkreiimg1@jpeg",
    )
    assert post.parent_id == "bluesky:did:plc:def/app.bsky.feed.post/3lbqybbbbbb2x"
    assert post.thread_id == "bluesky:did:plc:abc/app.bsky.feed.post/3lbqyaaaaaa2x"
    assert (post.engagement.likes, post.engagement.shares, post.engagement.replies) == (31, 11, 4)
    assert post.lang == "fr" and post.author.name == "Net Policy Watch"


def test_feed_repost_is_authored_by_the_reposter() -> None:
    post = to_post(fixture("bluesky", "feed_repost.json"))
    assert post.author.handle == "sam.bsky.social"
    assert post.repost_of == (
        "bluesky:did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3lbqz5ryekc2x"
    )
    assert post.published_at.hour == 19


def test_a_quote_post_links_the_post_it_quotes() -> None:
    # A quote embeds the quoted post's record (with images here): the reader
    # sees it under the text, so its address is among the post's links.
    view = fixture("bluesky", "quote_post.json")
    quoted = "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3lbqz5ryekc2x"
    post = to_post(view)
    assert post.links == (quoted,)
    assert post.media == (
        "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:q235v55g5unth4zjjdpacfdr/bafkreimap@jpeg",
    )
    # The same record as a Jetstream event, with a plain record embed.
    embed = view["record"]["embed"]["record"]
    event = {
        "did": view["author"]["did"],
        "time_us": 1793460131204000,
        "kind": "commit",
        "commit": {
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": "3mmq2quote22",
            "record": {**view["record"], "embed": embed},
        },
    }
    assert to_post(event).links == (quoted,)


def test_jetstream_event_has_the_same_id_as_the_api_view() -> None:
    event = fixture("bluesky", "jetstream_post.json")
    post = to_post(event)
    assert post.native_id == "did:plc:q235v55g5unth4zjjdpacfdr/app.bsky.feed.post/3mmoojp4cd223"
    assert post.links == ("https://vexa.example/status",)
    assert post.author.handle == "did:plc:q235v55g5unth4zjjdpacfdr"
    assert post.raw["time_us"] == 1793456789123456
    like = {**event, "commit": {**event["commit"], "collection": "app.bsky.feed.like"}}
    with pytest.raises(ValueError, match="not a new post"):
        to_post(like)


def test_targets_and_session_options() -> None:
    assert parse_target("search:lumio fibre").value == "lumio fibre"
    cfg = parse_target(
        "author:@netpolicy.bsky.social", {"handle": "me.bsky.social", "app_password": "x"}
    )
    assert (cfg.value, cfg.service) == ("netpolicy.bsky.social", "https://bsky.social")
    with pytest.raises(SourceConfigError, match="both handle and app_password"):
        parse_target("search:x", {"handle": "me.bsky.social"})
    with pytest.raises(SourceConfigError, match="search:TERMS"):
        parse_target("lumio")


def test_search_over_http_with_session_and_cursor(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("bluesky", sim_bluesky.routes())])
    host = sim.hosts["bluesky"]
    options = {
        "service": host.base_url,
        "limit": "5",
        "max_pages": "50",
        "handle": "me.bsky.social",
        "app_password": "app-pass-word-sim1",
    }
    config = parse_target("search:lumio", options)
    batches = list(collect(config, None, http))
    items = [i for b in batches for i in b.items]
    expected = [
        p
        for p in world.visible(platform="bluesky")
        if p.repost_of is None and "lumio" in p.text.lower().replace("#", " ").split()
    ]
    assert len(items) == len({i["uri"] for i in items})
    assert items and len(items) >= len(expected) * 0.9
    assert all("lumio" in to_post(i).text.lower() for i in items)
    assert set(batches[-1].cursor) == {"since_us"}

    world.clock.advance(timedelta(hours=12))
    again = [i for b in collect(config, batches[-1].cursor, http) for i in b.items]
    old_uris = {i["uri"] for i in items}
    assert again and not old_uris & {i["uri"] for i in again}

    bad = parse_target("search:lumio", {**options, "app_password": "wrong"})
    with pytest.raises(Exception, match="401"):
        list(collect(bad, None, http))


def test_author_feed_stops_at_the_cursor(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("bluesky", sim_bluesky.routes())])
    base = sim.hosts["bluesky"].base_url
    counts: dict[str, int] = {}
    for p in world.visible(platform="bluesky"):
        counts[p.author.handle] = counts.get(p.author.handle, 0) + 1
    handle = max(counts, key=lambda h: counts[h])
    config = parse_target(f"author:{handle}", {"service": base, "limit": "2"})
    first = list(collect(config, None, http))
    got = [to_post(i) for b in first for i in b.items]
    assert len(got) == counts[handle] or len(got) == 2 * config.max_pages
    assert all(p.author.handle.startswith(handle) for p in got)
    assert list(collect(config, first[-1].cursor, http)) == []


def test_jetstream_filters_keywords_and_resumes_from_time_us(world, http) -> None:  # type: ignore[no-untyped-def]
    from veille.sources import jetstream

    # The server hangs up once caught up: the collection ends there, however
    # slowly a loaded machine streams (idle is only a safety net).
    server = sim_bluesky.JetstreamServer(world, hang_up=True).start()
    try:
        config = jetstream.parse_target(
            "lumio, vexa", {"endpoint": server.url, "duration": "60", "idle": "30"}
        )
        batches = list(jetstream.collect(config, None, http))
        items = [i for b in batches for i in b.items]
        visible = [p for p in world.visible(platform="bluesky")]
        want = [
            p
            for p in visible
            if {"lumio", "vexa"} & set(p.text.lower().replace("#", " ").replace(",", " ").split())
        ]
        assert items and len(items) >= len(want)
        assert all(i["commit"]["collection"] == "app.bsky.feed.post" for i in items)
        posts = [jetstream.to_post(i) for i in items]
        assert all(
            {"lumio", "vexa"} & set(p.text.lower().replace("#", " ").split())
            or "lumio" in p.text.lower()
            or "vexa" in p.text.lower()
            for p in posts
        )
        cursor = batches[-1].cursor
        assert cursor["time_us"] >= max(i["time_us"] for i in items)

        world.clock.advance(timedelta(hours=6))
        later = [i for b in jetstream.collect(config, cursor, http) for i in b.items]
        assert later
        assert min(i["time_us"] for i in later) > max(i["time_us"] for i in items)
    finally:
        server.stop()


def test_jetstream_refused_on_private_address_by_default(world) -> None:  # type: ignore[no-untyped-def]
    from veille.config import HttpSettings
    from veille.http import HttpClient
    from veille.httperrors import BlockedAddress
    from veille.sources import jetstream

    server = sim_bluesky.JetstreamServer(world).start()
    try:
        config = jetstream.parse_target("lumio", {"endpoint": server.url, "idle": "0.5"})
        with HttpClient(HttpSettings()) as strict, pytest.raises(BlockedAddress):
            list(jetstream.collect(config, None, strict))
        assert server.connections == 0
    finally:
        server.stop()


def test_jetstream_target_errors() -> None:
    from veille.sources import jetstream

    with pytest.raises(SourceConfigError, match="no keyword"):
        jetstream.parse_target(" , ")
    with pytest.raises(SourceConfigError, match="ws://"):
        jetstream.parse_target("lumio", {"endpoint": "http://x/subscribe"})
    assert jetstream.parse_target("*").words == ()


def test_real_recorded_feeds_and_jetstream_events() -> None:
    from veille.sources import jetstream

    folder = shared_data("bluesky")
    feed = json.loads((folder / "f_autfeed__00__app.bsky.feed.getAuthorFeed.json").read_text())
    posts = [to_post(item) for item in feed["feed"]]
    assert posts and all(p.author.handle and p.published_at.year >= 2023 for p in posts)
    assert any(p.parent_id for p in posts)
    # getQuotes lists posts quoting one post: each links it.
    quotes = json.loads((folder / "f_getquotes__00__app.bsky.feed.getQuotes.json").read_text())
    quoted = [to_post(view) for view in quotes["posts"]]
    assert quoted and all(
        any(u.startswith("https://bsky.app/profile/") and "/post/" in u for u in p.links)
        for p in quoted
    )
    events = [json.loads(line) for line in (folder / "jetstream_golden_v1.jsonl").open()]
    new_posts = [e for e in events if jetstream.is_new_post(e)]
    assert new_posts and all(to_post(e).text for e in new_posts)
    assert not any(jetstream.is_new_post(e) for e in events if e.get("kind") != "commit")


def test_search_cut_short_resumes_its_window_without_a_gap(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    from veille.sim.social import words_match

    sim = make_sim([HostSpec("bluesky", sim_bluesky.routes())])
    base = sim.hosts["bluesky"].base_url
    config = parse_target("search:lumio", {"service": base, "limit": "2", "max_pages": "2"})
    world.clock.set(END - timedelta(days=3))
    cursor = list(collect(config, None, http))[-1].cursor
    floor = cursor["since_us"]
    world.clock.set(END)
    got: set[str] = set()
    for _ in range(40):
        batches = list(collect(config, cursor, http))
        got |= {i["uri"] for b in batches for i in b.items}
        cursor = batches[-1].cursor
        if set(cursor) == {"since_us"}:
            break
    assert set(cursor) == {"since_us"}
    expected = {
        sim_bluesky.uri(p)
        for p in world.visible(platform="bluesky")
        if p.repost_of is None
        and words_match(p, "lumio")
        and p.published_at.timestamp() * 1_000_000 > floor
    }
    assert len(expected) > 8 and got == expected


def test_a_post_dated_in_the_future_does_not_end_the_search(make_sim, http) -> None:  # type: ignore[no-untyped-def]
    """A post's createdAt is whatever its author's client wrote. The search
    kept its place by createdAt: one matching post dated 2099 made the cursor
    2099, and no later post was ever collected. The place is now Bluesky's
    own sortAt, the earlier of createdAt and when the AppView indexed it."""
    from veille.sim.server import Reply, Route

    def post(n: int, created: str, indexed: str) -> dict[str, object]:
        item = fixture("bluesky", "search_post.json")
        record = {**item["record"], "createdAt": created}
        return {**item, "uri": f"{item['uri']}{n}", "record": record, "indexedAt": indexed}

    page = [
        post(1, "2099-01-01T00:00:00.000Z", "2026-10-30T18:00:00.000Z"),
        post(2, "2026-10-30T17:59:00.000Z", "2026-10-30T17:59:01.000Z"),
    ]
    search = Route(
        "GET", r"/xrpc/app\.bsky\.feed\.searchPosts", lambda r: Reply.json({"posts": page})
    )
    sim = make_sim([HostSpec("bluesky", [search, *sim_bluesky.routes()])])
    options = {"service": sim.hosts["bluesky"].base_url, "handle": "me.bsky.social",
               "app_password": "app-pass-word-sim1"}  # fmt: skip
    config = parse_target("search:lumio", options)
    first = list(collect(config, None, http))
    assert len([i for b in first for i in b.items]) == 2
    page.insert(0, post(3, "2026-10-30T19:00:00.000Z", "2026-10-30T19:00:01.000Z"))
    later = [i["uri"] for b in collect(config, first[-1].cursor, http) for i in b.items]
    assert later == [page[0]["uri"]]
