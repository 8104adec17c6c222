"""Volume of an ad-hoc query counted on the full-text index alone (posts are
keyed by time) equals the volume counted by scanning the posts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veille.analytics import volume as volume_module
from veille.analytics.scope import Period, Scope
from veille.analytics.topics import query_scope
from veille.analytics.volume import volume
from veille.models import Author, Post
from veille.store.sqlite import SQLiteStore, analytics_volume

WORDS = ["lumio", "panne", "fibre", "vexa", "réseau", "offre"]
START = datetime(2026, 3, 20, tzinfo=UTC)  # Europe's summer time starts on the 29th
ZONES = ["UTC", "Europe/Paris", "America/Toronto", "Asia/Kolkata"]
QUERIES = ["lumio", "lumio panne", "lumio OR vexa", '"panne fibre"', "res*", "lumio -offre"]

post_st = st.builds(
    lambda i, minutes, words: Post.create(
        platform="mastodon",
        native_id=str(i),
        text=" ".join(words),
        published_at=START + timedelta(minutes=minutes),
        author=Author("alice"),
    ),
    st.integers(0, 10**6),
    st.integers(0, 14 * 24 * 60),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
)


def _scan(scope: Scope) -> Scope:
    """The same scope through the posts table (a restriction FTS5 cannot say)."""
    return replace(scope, scan=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    posts=st.lists(post_st, min_size=1, max_size=40, unique_by=lambda p: p.id),
    query=st.sampled_from(QUERIES),
    zone=st.sampled_from(ZONES),
    interval=st.sampled_from(["hour", "day", "week"]),
    start_hours=st.integers(0, 7 * 24),
    length_hours=st.integers(1, 7 * 24),
    per_bucket=st.booleans(),
)
def test_index_counts_equal_the_scan(
    memory_store: Callable[[], SQLiteStore],
    posts: list[Post],
    query: str,
    zone: str,
    interval: str,
    start_hours: int,
    length_hours: int,
    per_bucket: bool,
) -> None:
    store = memory_store()  # a new store per example, copied (see tests/conftest.py)
    try:
        store.upsert_posts(posts)
        tz = ZoneInfo(zone)
        since = (START + timedelta(hours=start_hours)).astimezone(tz)
        period = Period(since, since + timedelta(hours=length_hours))
        scope = query_scope(store, query)
        buckets, keys = _args(period, interval, tz)
        counted = store.fts_bucket_counts(scope.during(period), period, buckets, keys)
        assert counted is not None  # the index alone says this scope
        saved = analytics_volume.COUNT_PER_BUCKET
        analytics_volume.COUNT_PER_BUCKET = 10**6 if per_bucket else 0
        try:
            fast = volume(store, scope, period, interval=interval, timezone=zone)
        finally:
            analytics_volume.COUNT_PER_BUCKET = saved
        assert fast == volume(store, _scan(scope), period, interval=interval, timezone=zone)
    finally:
        store.close()


def _args(period: Period, interval: str, tz: ZoneInfo) -> tuple[Any, list[datetime]]:
    buckets = volume_module._Buckets(interval, tz)
    return buckets, buckets.keys(period)


@pytest.mark.parametrize("shape", ["lang", "platform", "pending"])
def test_scopes_the_index_cannot_say_are_counted_by_the_scan(shape: str) -> None:
    store = SQLiteStore.open(":memory:")
    posts = [
        Post.create(
            platform="mastodon" if i % 2 else "bluesky",
            native_id=str(i),
            text="lumio panne",
            lang="fr" if i % 3 else "en",
            published_at=START + timedelta(hours=i),
            author=Author("alice"),
        )
        for i in range(30)
    ]
    store.upsert_posts(posts)
    period = Period(START, START + timedelta(days=3))
    if shape == "lang":
        scope = query_scope(store, "lumio lang:fr")
    elif shape == "platform":
        scope = replace(query_scope(store, "lumio"), flt=replace(Scope().flt, platforms=("x",)))
    else:  # a post deleted outside a store transaction: the index still holds it
        store.conn.execute("DELETE FROM posts WHERE id = 'mastodon:1'")
        scope = query_scope(store, "lumio")
    buckets, keys = _args(period, "day", ZoneInfo("UTC"))
    assert store.fts_bucket_counts(scope.during(period), period, buckets, keys) is None
    assert volume(store, scope, period) == volume(store, _scan(scope), period)
    store.close()
