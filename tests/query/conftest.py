from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from veille.models import Author, Engagement, Post, Sentiment
from veille.query import Matcher, compile_query
from veille.store.sqlite import SQLiteStore


def matcher_of(queries: dict[Any, str]) -> Matcher:
    """A matcher holding ``queries`` (id -> query text)."""
    m = Matcher()
    for qid, text in queries.items():
        m.add(qid, text)
    return m


def make_post(
    native_id: str,
    text: str,
    *,
    title: str | None = None,
    platform: str = "mastodon",
    handle: str = "alice@example.social",
    followers: int | None = 100,
    likes: int = 0,
    shares: int = 0,
    replies: int = 0,
    day: int = 1,
    sentiment: str | None = None,
    url: str | None = None,
    **fields: Any,
) -> Post:
    return Post.create(
        platform=platform,
        native_id=native_id,
        text=text,
        title=title,
        url=url,
        published_at=datetime(2026, 3, day, 12, tzinfo=UTC),
        author=Author(handle=handle, followers=followers),
        engagement=Engagement(likes=likes, shares=shares, replies=replies),
        sentiment=Sentiment(sentiment) if sentiment else None,  # type: ignore[arg-type]
        **fields,
    )


def assert_every_engine_finds(
    new_store: Callable[[], SQLiteStore], posts: list[Post], query: str, expected: set[str]
) -> None:
    """``query`` finds the ids ``expected`` among ``posts`` in every engine:
    the in-memory evaluator, the SQLite index (its search and its count, in
    a new store that ``new_store`` makes: the ``memory_store`` fixture) and
    the matcher's compiled core."""
    q = compile_query(query)
    assert {p.id for p in posts if q.matches(p)} == expected
    store = new_store()
    try:
        store.upsert_posts(posts)
        assert {p.id for p in store.search(q.ast, limit=100)} == expected
        assert store.count_matches(q.ast) == len(expected)
    finally:
        store.close()
    m = Matcher()
    m.add("q", query)
    assert {p.id for p in posts if m.match(p)} == expected


def index_posts_as(conn: Any, words: Callable[[str], str]) -> None:
    """Fill the SQLite full-text index (emptied by the caller) with each
    stored post's title and text cut into the words ``words`` gives, as an
    earlier veille indexed them."""
    for pk, title, text in conn.execute("SELECT pk, title, text FROM posts").fetchall():
        conn.execute(
            "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)",
            (pk, words(title) if title else "", words(text)),
        )


def assert_indexed_again(
    store: SQLiteStore,
    posts: list[Post],
    cases: dict[str, set[str]],
    hashes: dict[str, str],
    deleted: str,
) -> None:
    """``store``, opened over an index an earlier veille wrote (``posts``
    stored, their content hashes then ``hashes``, the post ``deleted``
    since), was indexed again: each query of ``cases`` finds its ids but the
    deleted post's, nothing waits to leave the index, no hash moved, and
    ``posts`` collected again are the same posts (only the deleted one new)."""
    for query, expected in cases.items():
        found = {p.id for p in store.search(compile_query(query).ast, limit=100)}
        assert found == expected - {deleted}, query
    assert store.conn.execute("SELECT count(*) FROM posts_fts_pending").fetchone() == (0,)
    kept = dict(store.conn.execute("SELECT id, content_hash FROM posts").fetchall())
    assert kept == {k: v for k, v in hashes.items() if k != deleted}
    again = store.upsert_posts(posts)
    assert again.updated == [] and [p.id for p in again.new] == [deleted]


@pytest.fixture()
def store(memory_store: Callable[[], SQLiteStore]) -> Iterator[SQLiteStore]:
    """A new, empty in-memory store (a copy of one migrated once a worker)."""
    s = memory_store()
    yield s
    s.close()
