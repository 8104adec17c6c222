"""The column copy answers every panel of an ad-hoc query exactly as SQLite
does, and stays exact while posts arrive late, change and go."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from veille.analytics import tops
from veille.analytics.scope import Period, Scope, parse_period
from veille.analytics.topics import query_scope, topic_scope
from veille.analytics.volume import breakdown, net_sentiment, share_of_voice, volume
from veille.models import Author, Engagement, Post, Sentiment
from veille.query.topics import add_topic
from veille.store.base import PostFilter
from veille.store.sqlite import SQLiteStore
from veille.store.sqlite import store as store_module

WORDS = ["lumio", "panne", "fibre", "vexa", "réseau", "offre", "orbita", "prix"]
PLATFORMS = ["mastodon", "bluesky", "reddit", "youtube"]
START = datetime(2026, 3, 9, tzinfo=UTC)
ZONE = "Europe/Paris"  # summer time starts on 2026-03-29
TAGS = ["Lumio", "lumio", "Panne", "fibre", "ÉTÉ", "été"]  # case folds to ASCII only
HOSTS = ["example.com", "www.example.org", "news.example.net"]
QUERIES = ["lumio", "lumio OR vexa", '"panne fibre"', "rés*", "lumio -offre"]


def _post(rng: random.Random, i: int, *, when: datetime | None = None) -> Post:
    platform = rng.choice(PLATFORMS)
    n = rng.randrange(12)
    return Post.create(
        platform=platform,
        native_id=str(i),
        text=" ".join(rng.choices(WORDS, k=rng.randint(1, 5))),
        published_at=when or START + timedelta(minutes=rng.randrange(35 * 24 * 60)),
        author=Author(
            f"user{n}",
            name=rng.choice([None, f"Name {n}", f"Other {n}"]),
            followers=rng.choice([None, rng.randrange(10_000)]),
        ),
        engagement=Engagement(rng.randrange(30), rng.randrange(5), rng.randrange(5)),
        sentiment=(
            Sentiment(rng.choice(["positive", "negative", "neutral"]), 0.1, 0.9)
            if rng.random() < 0.7
            else None
        ),
        lang=rng.choice(["fr", "en", None]),
        country=rng.choice(["FR", "CA", None]),
        cluster_id=rng.choice([None, None, "c1", "c2", f"c{i % 9}"]),
        hashtags=tuple(rng.sample(TAGS, rng.randint(0, 3))),
        mentions=tuple(rng.sample(TAGS[:3], rng.randint(0, 2))),
        links=tuple(
            f"https://{rng.choice(HOSTS)}/{rng.randrange(6)}" for _ in range(rng.randint(0, 2))
        ),
    )


def _panels(store: SQLiteStore, scope: Scope, period: Period) -> dict[str, Any]:
    """Every panel of a dashboard over ``scope``."""
    out: dict[str, Any] = {
        "volume": volume(store, scope, period, timezone=ZONE),
        "volume by hour": volume(store, scope, period, interval="hour", timezone=ZONE),
        "net sentiment": net_sentiment(store, scope, period, timezone=ZONE),
        "headline": tops.headline(store, scope, period),
        "top posts": [p.id for p in tops.top_posts(store, scope, period)],
        "top posts by reach": [p.id for p in tops.top_posts(store, scope, period, by="reach")],
        "stories": [
            (s.key, s.posts, s.reach, s.engagement, s.platforms, s.first.id)
            for s in tops.stories(store, scope, period)
        ],
    }
    for dim in ("platform", "lang", "country", "sentiment"):
        out[f"breakdown {dim}"] = breakdown(store, scope, period, dim)
    for kind in ("hashtags", "mentions", "links", "domains"):
        out[f"top {kind}"] = tops.top_entities(store, scope, period, kind, limit=5)
    for by in ("posts", "engagement", "followers"):
        out[f"authors by {by}"] = tops.top_authors(store, scope, period, by=by, limit=5)
    return out


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore.open(tmp_path / "c.db")
    yield s
    s.drop_columns()
    s.close()


def _scopes(store: SQLiteStore) -> list[Scope]:
    out = [query_scope(store, q) for q in QUERIES]
    out.append(query_scope(store, "lumio", Scope(flt=PostFilter(platforms=("bluesky", "reddit")))))
    out.append(query_scope(store, "vexa", Scope(flt=PostFilter(languages=("fr",)))))
    out.append(topic_scope(store, "lumio"))
    return out


def _compare(store: SQLiteStore, periods: list[Period]) -> int:
    """Panels with the copy against panels without it; returns how many scopes
    the copy answered (so the test cannot pass on the SQL path alone)."""
    answered = 0
    for scope in _scopes(store):
        for period in periods:
            store.drop_columns()
            plain = _panels(store, scope, period)
            assert store.keep_columns() is not None
            answered += store.analytics_copy().select(store.conn, scope.during(period)) is not None
            assert _panels(store, scope, period) == plain, (scope.label, period)
    return answered


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_copy_answers_as_sqlite(store: SQLiteStore, seed: int) -> None:
    rng = random.Random(seed)
    store.upsert_posts([_post(rng, i) for i in range(400)])
    # Posts of one second, many with the same engagement: ties are broken alike.
    noon = datetime(2026, 3, 24, 12, tzinfo=UTC)
    store.upsert_posts([_post(rng, 500 + i, when=noon) for i in range(40)])
    add_topic(store, "lumio", "lumio")
    periods = [
        parse_period("2026-03-23..2026-03-29", timezone=ZONE),  # holds the DST change
        parse_period("2026-03-30T06:00..2026-04-02T18:30", timezone=ZONE),
        Period(START + timedelta(days=40), START + timedelta(days=50)),  # no post
    ]
    assert _compare(store, periods) == len(_scopes(store)) * len(periods)
    queries = {q: query_scope(store, q) for q in QUERIES}
    for period in periods:
        store.drop_columns()
        plain = share_of_voice(store, queries, period)
        store.keep_columns()
        assert share_of_voice(store, queries, period) == plain


def test_the_copy_follows_late_updated_and_deleted_posts(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5)
    first = [_post(rng, i) for i in range(300)]
    store.upsert_posts(first)
    period = parse_period("2026-03-23..2026-03-29", timezone=ZONE)
    scope = query_scope(store, "lumio OR vexa")
    copy = store.keep_columns()
    assert copy is not None
    _panels(store, scope, period)
    loaded = copy.lo
    # New and late posts, changed engagement, sentiment and clusters, a deletion.
    changed = [
        replace(
            p,
            engagement=Engagement(p.engagement.likes + 7, 1, 0),
            sentiment=Sentiment("negative", -0.5, 0.9),
            cluster_id="late",
        )
        for p in first[::3]
    ]
    late = [_post(rng, 1000 + i, when=period.since + timedelta(hours=i)) for i in range(40)]
    store.upsert_posts([*changed, *late])
    store.conn.execute("DELETE FROM posts WHERE pk IN (SELECT pk FROM posts LIMIT 1 OFFSET 20)")
    with store.transaction():
        pass  # the next write takes the deleted post out of the index
    patched = _panels(store, scope, period)
    assert copy.lo == loaded  # patched in place, not read again
    store.drop_columns()
    assert patched == _panels(store, scope, period)

    # A copy that missed pruned entries of the change log reads itself again.
    copy = store.keep_columns()
    assert copy is not None
    _panels(store, scope, period)
    monkeypatch.setattr(store_module, "CHANGES_KEPT", 5)
    store.upsert_posts([_post(rng, 2000 + i) for i in range(30)])
    reread = _panels(store, scope, period)
    store.drop_columns()
    assert reread == _panels(store, scope, period)


def test_no_copy_where_it_could_not_be_exact() -> None:
    store = SQLiteStore.open(":memory:")
    store.upsert_posts([_post(random.Random(1), i) for i in range(20)])
    assert store.keep_columns() is not None
    period = Period(START, START + timedelta(days=40))
    scope = query_scope(store, "lumio").during(period)
    assert store.analytics_copy().select(store.conn, scope) is not None
    # Not the whole workspace (rollups answer it), nor a field query FTS5 cannot say,
    assert store.analytics_copy().select(store.conn, Scope().during(period)) is None
    assert (
        store.analytics_copy().select(store.conn, query_scope(store, "lang:fr").during(period))
        is None
    )
    # nor inside a write transaction, whose writes may yet roll back.
    with store.transaction():
        assert store.analytics_copy().select(store.conn, scope) is None
    store.drop_columns()
    store.close()
