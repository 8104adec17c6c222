"""Every source's ``to_post`` on its recorded bodies (tests/fixtures/) with
values replaced at random by what broken or hostile APIs send: numbers at
every edge, wrong types, huge or odd text, missing keys.

What the pipeline needs holds: an item either becomes a post or raises an
``Exception`` (collection quarantines that item alone, and goes on), and a
post it returns is well formed and stored, read back and matched like any
other (one bad item never aborts a batch)."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veille.models import Post
from veille.query import Matcher, compile_query
from veille.sources import (
    bluesky,
    facebook,
    hackernews,
    linkedin,
    mastodon,
    reddit,
    wordpress,
    youtube,
)
from veille.sources import x as x_source
from veille.sources.feeds import FeedsSource

from .conftest import fuzz_settings

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _json(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text(encoding="utf-8"))


def _feed_items(name: str) -> list[dict[str, Any]]:
    from veille.sources._feedkeys import entry_key
    from veille.sources.feeds import _jsonable, parse_feed

    parsed = parse_feed((FIXTURES / "feeds" / name).read_bytes())
    feed = {
        "title": parsed.feed.get("title"),
        "link": parsed.feed.get("link"),
        "url": "https://e.org/feed",
    }
    return [
        {
            "key": entry_key(e),
            "entry": _jsonable(e),
            "feed": feed,
            "fetched_at": "2026-11-01T00:00:00+00:00",
        }
        for e in parsed.entries
    ]


_FEEDS = FeedsSource()
_FEED_CFG = _FEEDS.config_from_target("https://blog.example.org/feed/", {})
_MASTODON_CFG = mastodon.MastodonConfig("https://piaille.fr", "tag", "lumio")
_WP_CFG = wordpress.WordPressConfig("https://blog.lumio.example")

# (name, recorded raw items, to_post)
CASES: list[tuple[str, list[Any], Callable[[Any], Post]]] = [
    ("bluesky", [_json("bluesky", "search_post.json"), _json("bluesky", "feed_repost.json"),
                 _json("bluesky", "jetstream_post.json")], bluesky.to_post),
    ("hackernews", _json("hackernews", "search_by_date.json")["hits"], hackernews.to_post),
    ("mastodon", [_json("mastodon", "status.json"), _json("mastodon", "reblog.json")],
     lambda raw: mastodon.to_post(raw, _MASTODON_CFG)),
    ("reddit", _json("reddit", "listing.json")["data"]["children"], reddit.to_post),
    ("youtube", _json("youtube", "search.json")["items"]
     + _json("youtube", "comment_threads.json")["items"], youtube.to_post),
    ("x", x_source.items_of(_json("x", "search_recent.json")), x_source.to_post),
    ("facebook", _json("facebook", "page_posts.json")["data"], facebook.to_post),
    ("linkedin", _json("linkedin", "posts.json")["elements"]
     + _json("linkedin", "comments.json")["elements"], linkedin.to_post),
    ("wordpress", _json("wordpress", "posts.json") + _json("wordpress", "comments.json"),
     lambda raw: wordpress.to_post(raw, _WP_CFG)),
    ("feeds", [i for n in ("atom.xml", "feed.json", "rdf.xml", "wordpress_rss2.xml", "youtube.xml")
               for i in _feed_items(n)], lambda raw: _FEEDS.to_post(raw, _FEED_CFG)),
]  # fmt: skip

NASTY = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30]),
    st.sampled_from([0.5, -0.0, 1e20, 1.5e308, -1e15, math.inf, -math.inf, math.nan]),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e20",
            "NaN",
            "javascript:alert(1)",
            "data:text/html,x",
            "http://[/x]/",
            "https://",
            "1970-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "0000-00-00",
            "2026-13-45T99:99:99",
            "[/x]",
            "\x00",
            "l'ACEI",
            "é" * 3,
            "𝕏",
            "<script>alert(1)</script>",
            "a" * 100_000,
        ]
    ),
    st.text(max_size=40),
    st.integers(),
    st.lists(st.integers() | st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3),
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*path, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*path, i)))
    return out


def _mutate(raw: Any, data: st.DataObject) -> Any:
    raw = copy.deepcopy(raw)
    paths = _paths(raw)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        path = data.draw(st.sampled_from(paths), label="path")
        parent = raw
        try:
            for key in path[:-1]:
                parent = parent[key]
            if isinstance(parent, dict) and data.draw(st.booleans(), label="delete"):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = data.draw(NASTY, label="value")
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced or removed this path
    return raw


def _check_post(post: Post) -> None:
    assert isinstance(post, Post)
    assert isinstance(post.id, str) and post.id == f"{post.platform}:{post.native_id}"
    assert isinstance(post.text, str) and (post.title is None or isinstance(post.title, str))
    assert isinstance(post.published_at, datetime) and post.published_at.tzinfo is not None
    assert post.url is None or post.url.lstrip().lower().startswith(("http://", "https://"))
    for group in (post.hashtags, post.mentions, post.links, post.media):
        assert all(isinstance(v, str) for v in group)


@pytest.mark.parametrize("name, items, to_post", CASES, ids=[c[0] for c in CASES])
@fuzz_settings(40)
@given(data=st.data())
def test_mutated_bodies_give_a_post_or_an_error_never_a_broken_post(
    name: str,
    items: list[Any],
    to_post: Callable[[Any], Post],
    memory_store: Callable[[], Any],
    data: st.DataObject,
) -> None:
    raw = _mutate(data.draw(st.sampled_from(items), label="item"), data)
    try:
        post = to_post(raw)
    except Exception:
        return
    _check_post(post)
    store = memory_store()  # a new store for each example (see tests/made.py)
    try:
        store.upsert_posts([post])
        (back,) = store.search(compile_query("platform:" + post.platform), limit=5)
        assert back.id == post.id and back.text == post.text
    finally:
        store.close()
    m = Matcher()
    m.add("q", "platform:" + post.platform)
    assert m.match(post)
