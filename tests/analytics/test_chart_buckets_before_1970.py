"""A volume or sentiment chart puts a post of 1969 in its own hour, day or
week, on SQLite and on ClickHouse (chDB), in UTC and in Europe/Paris.

Before, both backends bucketed with integer division, which truncates
toward zero: a post of 31 December 1969 23:50 UTC was drawn in the bucket of
1 January 1970 (and one of 30 December 12:00 on the 31st), while the
period's total was right.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post
from veille.analytics.scope import Scope, parse_period
from veille.analytics.topics import query_scope, topic_scope
from veille.analytics.volume import net_sentiment, volume
from veille.models import Sentiment
from veille.query.topics import add_topic
from veille.store.split import joined
from veille.store.sqlite import SQLiteStore, analytics_volume

# (UTC time, sentiment): each in a day, hour and week of its own before 1970.
POSTS = [
    (datetime(1969, 12, 26, 12, 0, tzinfo=UTC), "positive"),  # Friday of the week before
    (datetime(1969, 12, 30, 12, 0, tzinfo=UTC), "negative"),
    (datetime(1969, 12, 31, 22, 30, tzinfo=UTC), "negative"),  # 23:30 in Paris
    (datetime(1969, 12, 31, 23, 50, tzinfo=UTC), "positive"),  # 00:50 on 1 January in Paris
    (datetime(1970, 1, 1, 0, 5, tzinfo=UTC), "neutral"),
]


@pytest.fixture
def store(empty_posts_store: Any, tmp_path: Path) -> Iterator[Any]:
    """The posts of 1969 in each backend, and a saved topic holding them (its
    state in SQLite beside chDB's posts, as a scaled-out workspace keeps it)."""
    state = empty_posts_store
    if not isinstance(empty_posts_store, SQLiteStore):
        state = SQLiteStore.open(tmp_path / "state.db")
    store = joined(empty_posts_store, state)
    store.upsert_posts(
        [
            make_post(str(i), "lumio panne", published_at=at, sentiment=Sentiment(label, 0.5, 0.9))
            for i, (at, label) in enumerate(POSTS)
        ]
    )
    add_topic(store, "lumio", "lumio")
    yield store
    if state is not empty_posts_store:
        state.close()


def _scopes(store: Any) -> dict[str, Scope]:
    return {
        "workspace": Scope(),
        "query": query_scope(store, "lumio"),
        "topic": topic_scope(store, "lumio"),
        "scan": Scope(scan=True),
    }


def _chart(store: Any, scope: Scope, period: str, interval: str, zone: str) -> dict[str, Any]:
    """The posts of each bucket of ``period``'s volume chart (and of the
    period before), and the posts scored in its net sentiment chart."""
    per = parse_period(period, timezone=zone)
    vol = volume(store, scope, per, interval=interval, timezone=zone)
    senti = net_sentiment(store, scope, per, interval=interval, timezone=zone)
    fmt = "%m-%d %H:%M" if interval == "hour" else "%m-%d"
    before = [(p.previous_start, p.previous) for p in vol.points if p.previous]
    return {
        "now": {p.start.strftime(fmt): p.posts for p in vol.points if p.posts},
        "before": {start.strftime(fmt): n for start, n in before if start is not None},
        "scored": {s.start.strftime(fmt): s.scored for s in senti if s.scored},
    }


CHARTS = [
    # (period, interval, zone, posts per bucket of the period, of the one before)
    ("1969-12-29..1970-01-01", "day", "UTC",
     {"12-30": 1, "12-31": 2, "01-01": 1}, {"12-26": 1}),
    ("1969-12-29..1970-01-01", "day", "Europe/Paris",
     {"12-30": 1, "12-31": 1, "01-01": 2}, {"12-26": 1}),
    ("1969-12-31T22:00..1970-01-01T01:00", "hour", "UTC",
     {"12-31 22:00": 1, "12-31 23:00": 1, "01-01 00:00": 1}, {}),
    ("1969-12-31T22:00..1970-01-01T02:00", "hour", "Europe/Paris",
     {"12-31 23:00": 1, "01-01 00:00": 1, "01-01 01:00": 1}, {}),
    ("1969-12-22..1970-01-04", "week", "UTC", {"12-22": 1, "12-29": 4}, {}),
    ("1969-12-22..1970-01-04", "week", "Europe/Paris", {"12-22": 1, "12-29": 4}, {}),
]  # fmt: skip


@pytest.mark.parametrize(("period", "interval", "zone", "now", "before"), CHARTS)
def test_a_post_of_1969_is_drawn_in_its_own_bucket(
    store: Any,
    monkeypatch: pytest.MonkeyPatch,
    period: str,
    interval: str,
    zone: str,
    now: dict[str, int],
    before: dict[str, int],
) -> None:
    expected = {"now": now, "before": before, "scored": now}
    for name, scope in _scopes(store).items():
        assert _chart(store, scope, period, interval, zone) == expected, name
    # SQLite counts a query's buckets on its full-text index, one count per
    # bucket or (past a few hundred buckets) grouped in one read.
    monkeypatch.setattr(analytics_volume, "COUNT_PER_BUCKET", 0)
    assert _chart(store, _scopes(store)["query"], period, interval, zone) == expected


def test_a_period_from_1970_counts_no_post_of_1969(store: Any) -> None:
    from veille.analytics.tops import headline, top_authors

    period = parse_period("1970-01-01..1970-01-02")
    for name, scope in _scopes(store).items():
        vol = volume(store, scope, period)
        assert (vol.total, vol.previous_total) == (1, 3), name
        assert headline(store, scope, period)["posts"].value == 1, name
        assert [(a.handle, a.posts) for a in top_authors(store, scope, period)] == [("alice", 1)], (
            name
        )


@pytest.mark.parametrize(
    ("zone", "days"),
    [
        ("UTC", {"1969-12-26": 1, "1969-12-30": 1, "1969-12-31": 2, "1970-01-01": 1}),
        ("Europe/Paris", {"1969-12-26": 1, "1969-12-30": 1, "1969-12-31": 1, "1970-01-01": 2}),
    ],
)
def test_veille_stats_counts_a_post_of_1969_on_its_day(
    store: Any, zone: str, days: dict[str, int]
) -> None:
    stats = store.stats(timezone=zone)
    assert {c.key: c.count for c in stats.by_day} == days


def test_a_topics_sentiment_of_1969_counts_the_posts_its_volume_counts(store: Any) -> None:
    """A saved topic whose posts of 1969 a retention purge took out: its
    volume over a period from 1970 or before is counted on the posts held
    (the rollups file by truncated quarter-hours), and its net sentiment
    scores the same posts. Before, SQLite's sentiment added the purged
    posts (the one of 31 December 23:50 on 1 January) beside a volume of
    none, and ClickHouse's volume counted them from its rollup."""
    topic = topic_scope(store, "lumio")  # its posts filed
    store.delete_posts_before(datetime(1970, 1, 2, tzinfo=UTC))
    for period in ("1969-12-29..1970-01-01", "1970-01-01..1970-01-02"):
        got = _chart(store, topic, period, "day", "UTC")
        assert got["scored"] == got["now"] == {}, period
