"""Posts in one backend (SQLite), state in another (PostgreSQL): the posts are
written idempotently first, then one state transaction; a crash between the
two loses nothing and doubles nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import make_post
from veille.alerts.model import Alert, AlertBook
from veille.models import Cursor, Post
from veille.pipeline import build_pipeline
from veille.query.topics import add_topic
from veille.store.postgres.store import PostgresStore
from veille.workspace import Workspace


def _posts(n: int) -> list[Post]:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    return [
        make_post(
            str(i), f"Lumio lamp number {i} works fine", published_at=start + timedelta(minutes=i)
        )
        for i in range(n)
    ]


def _setup(ws: Workspace) -> int:
    add_topic(ws.state, "lumio", "lumio")
    AlertBook(ws.state).add(Alert(name="lamps", query="lamp", channel_url="atom:lamps.xml"))
    topic = ws.state.topic("lumio")
    assert topic is not None
    return topic.id


def test_posts_go_to_the_post_store_and_state_to_postgresql(split_ws: Workspace) -> None:
    assert isinstance(split_ws.state, PostgresStore)
    topic_id = _setup(split_ws)
    pipeline = build_pipeline(split_ws, skip=("enrich",))
    assert pipeline.split
    result = pipeline.ingest(_posts(5), cursor=Cursor("source:s", {"page": 1}))
    assert result.inserted == 5
    assert split_ws.posts.count_posts() == 5
    cur = split_ws.state.get_cursor("source:s")
    assert cur is not None and dict(cur.value) == {"page": 1}
    assert split_ws.state.topic_post_ids(topic_id) == {p.id for p in _posts(5)}  # type: ignore[attr-defined]
    assert len(split_ws.state.list_deliveries()) == 5
    # Seen again: nothing new anywhere.
    again = pipeline.ingest(_posts(5), cursor=Cursor("source:s", {"page": 2}))
    assert again.inserted == 0
    assert len(split_ws.state.list_deliveries()) == 5
    assert split_ws.state.pending_ingests() == []


class Crash(Exception):
    pass


def test_a_crash_between_posts_and_state_loses_and_doubles_nothing(split_ws: Workspace) -> None:
    _setup(split_ws)
    pipeline = build_pipeline(split_ws, skip=("enrich",))
    posts = _posts(4)

    def crash(*_: object) -> None:
        raise Crash("the process died after the posts were written")

    with pytest.raises(Crash):
        pipeline.ingest(posts, cursor=Cursor("source:s", {"page": 1}), state=crash)
    # The posts are stored, the state is not: no cursor, no outbox rows, a hold.
    assert split_ws.posts.count_posts() == 4
    assert split_ws.state.get_cursor("source:s") is None
    assert split_ws.state.list_deliveries() == []
    assert len(split_ws.state.pending_ingests("source:s")) == 1
    # The next run (a fresh pipeline, as after a restart) fetches the same
    # page again from the old cursor: the held batch is finished first.
    again = build_pipeline(split_ws, skip=("enrich",))
    result = again.ingest(posts + _posts(6)[4:], cursor=Cursor("source:s", {"page": 1}))
    assert result.inserted == 2
    assert split_ws.posts.count_posts() == 6
    keys = [d.post_id for d in split_ws.state.list_deliveries(limit=100)]
    assert sorted(keys) == sorted(p.id for p in _posts(6))  # each once
    assert split_ws.state.pending_ingests() == []
    cur = split_ws.state.get_cursor("source:s")
    assert cur is not None and dict(cur.value) == {"page": 1}


def test_a_crash_before_the_posts_are_written(split_ws: Workspace) -> None:
    _setup(split_ws)
    pipeline = build_pipeline(split_ws, skip=("enrich",))
    with split_ws.state.transaction() as tx:  # as if the process died right after
        tx.hold_pending("source:s", [p.id for p in _posts(3)], 0.0)
    result = pipeline.ingest(_posts(3), cursor=Cursor("source:s", {"page": 1}))
    assert result.inserted == 3
    assert len(split_ws.state.list_deliveries()) == 3
    assert split_ws.state.pending_ingests() == []
