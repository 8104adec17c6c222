"""A link that holds a space is one link in every engine.

SQLite keeps a post's links joined by spaces: a link holding an unencoded
space (``https://e.example/annual report.pdf``, as a feed or an import may
give it) came back from it as two links, ``…/annual`` and ``report.pdf``,
and ``links:``/``site:`` read those two pieces there, where the evaluator
(topics and alerts at ingest) and ClickHouse read the link whole: ``site:
report.pdf`` found the post in SQLite only, ``links:"annual report"``
everywhere but SQLite. The white space inside a link is now percent-encoded
when the post is made (and at ingest, for a plugin's ``Post(...)``), so the
link is one link everywhere, and ``links:"annual report"`` finds it in every
engine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.query.conftest import make_post
from veille.models import Author, Post
from veille.query import compile_query
from veille.store.sqlite import SQLiteStore

pytest.importorskip("chdb")

SPACED = "https://e.example/annual report.pdf"
ENCODED = "https://e.example/annual%20report.pdf"


@pytest.fixture(scope="module")
def chdb_store(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Any]:
    from tests.store.test_clickhouse import open_clickhouse

    store = open_clickhouse("chdb", tmp_path_factory.mktemp("spaced"), request)
    yield store
    store.close()


CASES = {
    'links:"annual report"': {"mastodon:1"},
    "links:annual": {"mastodon:1", "mastodon:3"},
    "links:report.pdf": {"mastodon:1", "mastodon:2"},
    "site:report.pdf": {"mastodon:2"},
    "site:e.example": {"mastodon:1", "mastodon:3"},
    # A tab and a no-break space inside a link are encoded too.
    "links:%09b": {"mastodon:4"},
    "site:b": set(),
}


def test_a_link_holding_a_space_is_one_link_in_every_engine(
    chdb_store: Any, tmp_path: Path
) -> None:
    posts = [
        make_post("1", "lumio", links=(SPACED,)),
        make_post("2", "lumio", links=("https://report.pdf/x",)),
        make_post("3", "lumio", links=("https://e.example/annual",)),
        make_post("4", "lumio", links=("https://t.example/a\tb", "https://n.example/a\u00a0b")),
    ]
    lite = SQLiteStore.open(tmp_path / "lite.db")
    try:
        lite.upsert_posts(posts)
        chdb_store.upsert_posts(posts)
        for store in (lite, chdb_store):
            one = store.get_post("mastodon:1")
            assert one is not None and one.links == (ENCODED,), store
            four = store.get_post("mastodon:4")
            assert four is not None
            assert four.links == ("https://t.example/a%09b", "https://n.example/a%C2%A0b")
        for text, expected in CASES.items():
            q = compile_query(text)
            assert {p.id for p in posts if q.matches(p)} == expected, text
            assert {p.id for p in lite.search(q.ast, limit=100)} == expected, text
            assert {p.id for p in chdb_store.search(q.ast, limit=100)} == expected, text
            assert lite.count_matches(q.ast) == chdb_store.count_matches(q.ast) == len(expected)
    finally:
        lite.close()


def test_a_plugin_post_with_a_spaced_link_is_stored_as_one_link(tmp_path: Path) -> None:
    """A plugin may build its posts with ``Post(...)``, not ``Post.create``:
    the ingest path encodes their links all the same."""
    from veille.pipeline.ingest import build_pipeline
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    made = Post(
        id="web:1", platform="web", native_id="1", text="lumio",
        published_at=datetime(2026, 11, 1, tzinfo=UTC), author=Author(handle="e"),
        url="https://e.example/1", links=(SPACED,), media=("https://e.example/a b.png",),
    )  # fmt: skip
    with Workspace.open(root) as ws:
        build_pipeline(ws).ingest([made])
        stored = ws.posts.get_post("web:1")
        assert stored is not None
        assert stored.links == (ENCODED,) and stored.media == ("https://e.example/a%20b.png",)
        q = compile_query('links:"annual report"')
        assert [p.id for p in ws.posts.search(q.ast, limit=10)] == ["web:1"]
