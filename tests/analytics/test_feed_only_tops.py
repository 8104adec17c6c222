"""Top lists of a workspace whose posts give no counts (an organization
following blogs and news feeds): every engagement and follower count is
unknown, and the lists say so without reading the posts again and again.

Before, each list read from a rollup (top authors, hashtags, domains; on
ClickHouse stories too) held every count as 0, asked the posts which of
those 0s were known, found the list ending on an unknown one and read it
again from the posts; a list read from the posts (mentions, links) was read
a second time, the same. At 1M feed posts, ``veille top mentions`` took
250 ms where a workspace with counts took a few. A rollup already says
whether any post of the period gave counts (the one the headline's "on 3 of
6 posts" comes from): where none did, no 0 can be known, and the lists are
answered from the rollups alone (mentions and links, which no rollup holds,
from one read of the posts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

WEEK = "2026-03-23..2026-03-29"


def _feed_posts() -> list[Any]:
    from tests.conftest import make_post
    from veille.models import Author, Engagement

    unknown = Engagement(given=False)
    blogs = (("alpha", 3), ("beta", 2), ("gamma", 2), ("delta", 1))
    posts = []
    for b, (blog, n) in enumerate(blogs):
        for i in range(n):
            posts.append(
                make_post(
                    f"{blog}{i}", f"Lumio {blog} {i}", platform="rss",
                    published_at=datetime(2026, 3, 24 + i, 9 + b, tzinfo=UTC),
                    author=Author(blog), engagement=unknown,
                    hashtags=(blog, "lumio"),
                    links=(f"https://{blog}.example/{i}",), mentions=(blog,),
                    cluster_id=f"story-{blog}",
                )
            )  # fmt: skip
    return posts


@pytest.fixture(params=["sqlite", "chdb"])
def root(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    from veille.workspace import Workspace, init_workspace

    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    ws = tmp_path / "ws"
    if request.param == "chdb":
        pytest.importorskip("chdb")
        ws.mkdir()
        (ws / "veille.toml").write_text('[store]\nposts = "chdb:///posts.chdb"\n', encoding="utf-8")
    init_workspace(ws)
    with Workspace.open(ws) as opened:
        opened.posts.upsert_posts(_feed_posts())
    return ws


def _post_reads(posts: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """What the store asks of its posts (not of its rollups) from now on: on
    SQLite the statements that read ``posts p`` over a scope (a lookup of
    shown posts by key left out), on ClickHouse those that read
    ``posts FINAL`` (what the lists filter by scope; the lookup of the shown
    stories' first posts by their cluster ids left out, as SQLite's by key:
    it read the posts before too, without ``FINAL``)."""
    seen: list[str] = []
    if hasattr(posts, "conn"):
        posts.conn.set_trace_callback(seen.append)
        pattern = re.compile(r"\bFROM posts p\b(?! WHERE p\.pk IN)")
    else:
        real = posts.rows

        def rows(sql: str, *args: Any, **kw: Any) -> Any:
            seen.append(sql)
            return real(sql, *args, **kw)

        monkeypatch.setattr(posts, "rows", rows)
        pattern = re.compile(r"\bposts FINAL\b(?!.*\bcluster_id IN \{cs:)")

    def taken() -> list[str]:
        found = [s for s in seen if pattern.search(s)]
        seen.clear()
        return found

    return taken


@pytest.fixture
def lists(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from veille.analytics import tops
    from veille.analytics.scope import Scope, parse_period
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        period = parse_period(WEEK)
        sqlite = hasattr(ws.posts, "conn")
        yield tops, ws.store, Scope(), period, _post_reads(ws.posts, monkeypatch), sqlite


def test_feed_authors_read_unknown_from_the_rollup_alone(lists: Any) -> None:
    tops, store, scope, period, reads, _sqlite = lists
    reads()
    for by in ("engagement", "followers"):
        got = tops.top_authors(store, scope, period, by=by, limit=2)
        # Unknown, every one: then by posts, then handle.
        assert [(a.handle, a.posts, a.engagement, a.followers) for a in got] == [
            ("alpha", 3, None, None), ("beta", 2, None, None)
        ], by  # fmt: skip
        assert reads() == [], by


def test_feed_hashtags_and_domains_read_unknown_from_the_rollup_alone(lists: Any) -> None:
    tops, store, scope, period, reads, _sqlite = lists
    reads()
    got = tops.top_entities(store, scope, period, "domains", limit=2)
    assert [(e.value, e.posts, e.engagement) for e in got] == [
        ("alpha.example", 3, None), ("beta.example", 2, None)
    ]  # fmt: skip
    assert reads() == []
    got = tops.top_entities(store, scope, period, "hashtags", limit=3)
    assert [(e.value, e.posts, e.engagement) for e in got] == [
        ("lumio", 8, None), ("alpha", 3, None), ("beta", 2, None)
    ]  # fmt: skip
    assert reads() == []


def test_feed_mentions_and_links_read_the_posts_once(lists: Any) -> None:
    tops, store, scope, period, reads, _sqlite = lists
    reads()
    got = tops.top_entities(store, scope, period, "mentions", limit=2)
    assert [(e.value, e.posts, e.engagement) for e in got] == [
        ("alpha", 3, None), ("beta", 2, None)
    ]  # fmt: skip
    assert len(reads()) <= 1
    got = tops.top_entities(store, scope, period, "links", limit=1)
    assert [(e.value, e.engagement) for e in got] == [("https://alpha.example/0", None)]
    assert len(reads()) <= 1


def test_feed_stories_say_unknown_without_asking_again(lists: Any) -> None:
    """Stories: SQLite reads them from the posts (exact already), ClickHouse
    from its cluster rollup; neither reads the posts more than that."""
    _tops, store, scope, period, reads, sqlite = lists
    reads()
    for by in ("reach", "engagement"):
        got = store.top_clusters(scope.during(period), by=by, limit=2)
        assert [(c[0], c[1], c[2], c[3]) for c in got] == [
            ("story-alpha", 3, None, None), ("story-beta", 2, None, None)
        ], by  # fmt: skip
        assert len(reads()) <= (1 if sqlite else 0), by
