from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from veille.models import Author, Engagement, Post, Sentiment
from veille.query import Matcher
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


@pytest.fixture()
def store():
    s = SQLiteStore.open(":memory:")
    yield s
    s.close()
