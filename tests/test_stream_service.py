"""The mention stream's pages: keyset pages over posts of the same second,
filters as query conditions, and what arrived since a page was shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import make_post
from veille.models import Sentiment
from veille.services import stream
from veille.services.stream import StreamRequest
from veille.workspace import Workspace

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_pages_cover_every_match_once_even_within_one_second(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 23 posts in the same second, then 10 one second apart: pages of 5 must
    # neither repeat nor skip a post across the ties.
    posts = [make_post(f"same{i}", f"lumio {i}", published_at=T0) for i in range(23)]
    posts += [make_post(f"n{i}", f"lumio n{i}", published_at=T0 - timedelta(seconds=i + 1))
              for i in range(10)]  # fmt: skip
    posts.append(make_post("other", "vexa", published_at=T0))
    workspace.store.upsert_posts(posts)
    req = StreamRequest(query="lumio", per_page=5)
    seen: list[str] = []
    first = stream.stream_page(workspace, req)
    assert first.total is None  # more than a page: counted only when asked
    assert stream.stream_page(workspace, req, count=True).total == 33
    assert stream.count_matches(workspace, req) == 33
    page = first
    while True:
        seen += [h.post.id for h in page.hits]
        if not page.next:
            break
        page = stream.stream_page(workspace, StreamRequest(query="lumio", per_page=5,
                                                           cursor=page.next))  # fmt: skip
        assert page.total is None
    assert len(seen) == len(set(seen)) == 33
    assert len(list(stream.iter_matches(workspace, StreamRequest(query="lumio")))) == 33
    # An export reads pages of its own size: smaller than the ties, and cut
    # at its limit, it still gives each match once, newest first.
    monkeypatch.setattr(stream, "EXPORT_PAGE", 4)
    exported = [p.id for p in stream.iter_matches(workspace, StreamRequest(query="lumio"))]
    assert exported == seen
    cut = [p.id for p in stream.iter_matches(workspace, StreamRequest(query="lumio"), limit=26)]
    assert cut == seen[:26]


def test_filters_and_new_posts(workspace: Workspace) -> None:
    neg = Sentiment("negative", -0.5, 0.9)
    workspace.store.upsert_posts([
        make_post("1", "lumio a", sentiment=neg, published_at=T0),
        make_post("2", "lumio b", published_at=T0, platform="bluesky"),
        make_post("3", "vexa c", sentiment=neg, published_at=T0 - timedelta(days=2)),
    ])  # fmt: skip
    ids = lambda r: [h.post.id for h in stream.stream_page(workspace, r).hits]  # noqa: E731
    assert ids(StreamRequest(sentiments=("negative",))) == ["mastodon:1", "mastodon:3"]
    assert ids(StreamRequest(platforms=("bluesky",))) == ["bluesky:2"]
    assert ids(StreamRequest(until=(T0 - timedelta(days=1)).date())) == ["mastodon:3"]
    assert len(ids(StreamRequest())) == 3  # no query: every post
    later = make_post("4", "lumio later", published_at=T0 + timedelta(minutes=1))
    workspace.store.upsert_posts([later])
    newer = stream.newer_hits(workspace, StreamRequest(query="lumio"), T0.timestamp())
    assert [h.post.id for h in newer] == ["mastodon:4"]
