from __future__ import annotations

from datetime import timedelta

import pytest

from veille.sim import feeds as sim_feeds
from veille.sim import youtube as sim_youtube
from veille.sim.server import HostSpec
from veille.sources.base import SourceConfigError
from veille.sources.youtube import collect, parse_target, to_post

from .conftest import fixture, shared_data


def test_search_result_and_comment_thread() -> None:
    video = to_post(fixture("youtube", "search.json")["items"][0])
    assert video.id == "youtube:dQw4w9WgXcQ"
    assert video.title == "Lumio vs Vexa : le test de la fibre & de la 5G"
    assert video.text == "On compare les forfaits de Lumio et Vexa's 5G…"
    assert video.author.name == "Tech Reviews QC"
    assert video.media == ("https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg",)
    comment = to_post(fixture("youtube", "comment_threads.json")["items"][0])
    assert comment.text == "J'ai Lumio depuis 2 ans, aucun problème !"
    assert comment.parent_id == "youtube:dQw4w9WgXcQ"
    assert comment.author.handle == "marie-qc"
    assert (comment.engagement.likes, comment.engagement.replies) == (14, 2)
    assert (
        comment.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzDE2tasfmrYLyNkGt4AaABAg"
    )


def test_targets_need_a_key_for_the_api() -> None:
    assert parse_target("channel:UCBR8-60-B28hp2BmDPdntcQ").key is None
    with pytest.raises(SourceConfigError, match="Data API key"):
        parse_target("search:lumio")
    with pytest.raises(SourceConfigError, match="channel:CHANNEL_ID"):
        parse_target("lumio")


def test_api_search_and_comments_over_http(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("youtube", sim_youtube.routes())])
    api = sim.hosts["youtube"].url("/youtube/v3")
    opts = {"key": sim_youtube.API_KEY, "api": api, "max_results": "3", "max_pages": "50"}
    config = parse_target("search:lumio", opts)
    batches = list(collect(config, None, http))
    videos = [to_post(i) for b in batches for i in b.items]
    assert videos and len(videos) == len({v.id for v in videos})
    assert all("lumio" in f"{v.title} {v.text}".lower() for v in videos)
    cursor = batches[-1].cursor
    assert set(cursor) == {"published_after"}
    world.clock.advance(timedelta(hours=20))
    later = [to_post(i) for b in collect(config, cursor, http) for i in b.items]
    assert not {v.id for v in later} & {v.id for v in videos}

    commented = max(
        (p for p in world.visible(platform="youtube") if p.parent_id is None),
        key=lambda p: sum(
            1 for q in world.visible(platform="youtube") if (q.thread_id or q.parent_id) == p.id
        ),
    )
    comments_cfg = parse_target(f"comments:{sim_youtube.video_id(commented)}", opts)
    comments = [to_post(i) for b in collect(comments_cfg, None, http) for i in b.items]
    assert comments and {c.parent_id for c in comments} == {
        f"youtube:{sim_youtube.video_id(commented)}"
    }
    with pytest.raises(Exception, match="400"):
        list(collect(parse_target("search:x", {**opts, "key": "wrong"}), None, http))


def test_channel_feed_delegates_to_the_feeds_connector(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("youtube", sim_feeds.feed_routes("youtube"))])
    handle = world.visible(platform="youtube")[0].author.handle
    feeds = sim.hosts["youtube"].url("/feeds/videos.xml")
    config = parse_target(f"channel:{handle}", {"feeds": feeds})
    batches = list(collect(config, None, http))
    posts = [to_post(i) for b in batches for i in b.items]
    assert posts and all(p.platform == "youtube" and p.title for p in posts)
    # A second pass is a conditional GET answered 304: nothing new.
    again = list(collect(config, batches[-1].cursor, http))
    assert [i for b in again for i in b.items] == []


def test_real_youtube_channel_feed_entry() -> None:
    from veille.sources.feeds import parse_feed

    folder = shared_data("feeds")
    found = [p for p in folder.rglob("*") if p.is_file() and b"yt:videoId" in p.read_bytes()]
    if not found:
        pytest.skip("no YouTube feed among the recorded feeds")
    parsed = parse_feed(found[0].read_bytes())
    posts = [to_post({"key": e.get("id"), "entry": dict(e)}) for e in parsed.entries]
    assert posts and all(len(p.native_id) == 11 for p in posts)
