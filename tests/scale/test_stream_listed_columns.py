"""The mention stream sorted by engagement (or relevance) on chDB at 1M posts
took 764 ms at p50 where SQLite took 11: its page was found on a few columns,
then its rows were read whole where they lie, a granule per post all over the
year, every column of each (the raw payload, the entities, the links...) for
a page that shows a dozen of them. The page now reads the columns it shows
only, and shows the same posts, in the same order (ties too), with the same
author links and sentiment, as on SQLite."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post
from tests.scale.conftest import split_root
from veille.models import Author, Post
from veille.pipeline import build_pipeline
from veille.services import stream as stream_service
from veille.services.stream import StreamRequest
from veille.workspace import Workspace, init_workspace

pytest.importorskip("chdb")

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WORDS = ["lumio", "panne", "réseau", "offre", "fibre", "client", "great", "awful"]


def _posts() -> list[Post]:
    """60 posts over a year, a few likes each (many ties), half of them about lumio."""
    posts = []
    for i in range(60):
        words = [WORDS[(i * k) % len(WORDS)] for k in (1, 3, 5)]
        text = " ".join(["lumio", *words] if i % 2 else words) + f" n{i}"
        posts.append(
            make_post(
                str(i),
                text,
                likes=i % 4,
                author=Author(f"who{i % 7}", followers=10 * i, url=f"https://ex.com/@who{i % 7}"),
                published_at=T0 + timedelta(days=i * 6, hours=i % 5),
                url=f"https://ex.com/{i}",
            )
        )
    return posts


def _page(ws: Workspace, sort: str, cursor: str = "") -> list[tuple[Any, ...]]:
    page = stream_service.stream_page(
        ws, StreamRequest(query="lumio", sort=sort, cursor=cursor, per_page=7)
    )
    return [
        (
            h.post.id,
            h.post.engagement.total,
            h.post.author.handle,
            h.post.author.url,
            h.post.url,
            h.post.sentiment.label if h.post.sentiment else None,
            h.post.cluster_id,
            h.spans,
        )
        for h in page.hits
    ]


def _read_columns(store: Any, sql: str, params: dict[str, Any]) -> set[str]:
    """The columns ClickHouse's plan says ``sql`` reads from ``posts``."""
    plan = [r[0] for r in store.rows(f"EXPLAIN indexes = 1 {sql}", params)]
    at = next(i for i, line in enumerate(plan) if "ReadFromMergeTree" in line)
    for line in plan[at + 1 :]:
        found = re.match(r"^[\s│]*Output: (.*)$", line)
        if found:
            return {c.strip() for c in found.group(1).split(",")}
    raise AssertionError("\n".join(plan))


def test_the_stream_by_engagement_reads_the_columns_it_shows(
    tmp_path: Path, state_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lite = init_workspace(tmp_path / "lite")
    split = split_root(tmp_path / "split", state_url, "chdb:///posts")
    for root in (lite, split):
        with Workspace.open(root) as ws:
            build_pipeline(ws).ingest(_posts())

    with Workspace.open(lite) as ws:
        expected = {c: _page(ws, "engagement", c) for c in ("", "1")}
    with Workspace.open(split) as ws:
        store = ws.posts
        asked: list[tuple[str, dict[str, Any]]] = []
        rows = store.rows

        def recorded(sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
            asked.append((sql, dict(params or {})))
            return rows(sql, params)

        monkeypatch.setattr(store, "rows", recorded)
        shown = {c: _page(ws, "engagement", c) for c in ("", "1")}
        # By relevance (ClickHouse ranks otherwise than SQLite's bm25): the
        # posts a search of whole posts finds, in its order.
        ranked = _page(ws, "relevance")
        monkeypatch.undo()
        whole = ws.posts.search("lumio", sort="relevance", limit=7)
        assert [p[0] for p in ranked] == [p.id for p in whole]
        assert [(p[3], p[5]) for p in ranked] == [
            (p.author.url, p.sentiment.label if p.sentiment else None) for p in whole
        ]
        # The same posts, in the same order (ties included), shown the same.
        assert shown == expected
        assert all(len(page) == 7 for page in shown.values())
        assert {p[1] for p in shown[""]} == {3}  # ties on engagement
        # The page's rows are read on the columns the page shows only.
        reads = [(s, p) for s, p in asked if "id IN {ids:Array(String)}" in s]
        assert reads, [s for s, _ in asked]
        for sql, params in reads:
            read = _read_columns(store, sql, params)
            assert {"text", "title", "author_url", "sentiment"} <= read, read
            assert not read & {"raw", "links", "media", "hashtags", "content_hash"}, read
