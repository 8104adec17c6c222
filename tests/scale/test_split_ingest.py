"""Posts in one backend (SQLite), state in another (PostgreSQL): the posts are
written idempotently first, then one state transaction; a crash between the
two loses nothing and doubles nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import make_post
from tests.scale.conftest import POST_URLS
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


@pytest.mark.parametrize("posts_url", POST_URLS)
def test_clusters_and_filings_reach_a_posts_store_served_over_http(
    tmp_path: Path, state_url: str, posts_url: str, request: pytest.FixtureRequest
) -> None:
    """The state transaction keeps the signatures and the state's filings; the
    posts store behind ``veille store serve-posts`` gets each post's cluster
    (top stories read it there) and, where it keeps filings of topics held
    elsewhere (SQLite, chDB: every built-in), its topic filings."""
    from tests.scale.conftest import posts_url_of, split_root
    from veille.analytics.topics import topic_scope
    from veille.store.registry import open_store
    from veille.store.remote.server import PostServer
    from veille.store.split import joined

    held = open_store(posts_url_of(posts_url, tmp_path, request), role="posts", root=tmp_path)
    server = PostServer(held).start()
    try:
        with Workspace.open(split_root(tmp_path / "ws", state_url, server.url)) as ws:
            add_topic(ws.state, "lumio", "lumio")
            if getattr(held, "keeps_topic_filings", False):
                # Filed before the posts come: from now on ingest files them.
                scope = topic_scope(joined(held, ws.state), "lumio")
            story = "Lumio announces a nationwide fibre outage this morning, repairs under way"
            posts = [
                make_post("a", story, published_at=datetime(2026, 3, 1, 9, tzinfo=UTC)),
                make_post("b", story + " !", published_at=datetime(2026, 3, 1, 10, tzinfo=UTC)),
                make_post("c", "Nothing to do with it: a quiet day on the lake, no lamp lit"),
            ]
            assert build_pipeline(ws).ingest(posts).inserted == 3
    finally:
        server.stop()
    stored = {p.native_id: p for p in held.get_posts([p.id for p in posts])}
    assert stored["a"].cluster_id == stored["b"].cluster_id == posts[0].id
    assert stored["c"].cluster_id == posts[2].id
    if getattr(held, "keeps_topic_filings", False):
        assert held.post_totals(scope)[0][0] == 2  # a and b, filed under lumio
    held.close()


def test_a_new_post_is_written_once_with_its_story(split_ws: Workspace) -> None:
    """Where posts and state are two backends, a new post's story is found
    before it is written (ClickHouse rewrites a whole post to change its
    story): one version of each post, its story on it, its signature in the
    state; a batch held by a crash between the two is finished the same."""
    posts_store = split_ws.posts
    client = getattr(posts_store, "client", None)  # ClickHouse: every version stays
    if client is not None:
        client.command("SYSTEM STOP MERGES posts")
    story = "Lumio announces a nationwide fibre outage this morning, repairs under way"
    t = datetime(2026, 3, 1, 9, tzinfo=UTC)
    first = [
        make_post("a", story, published_at=t),
        make_post(
            "c", "Nothing to do with it: a quiet day on the lake, no lamp lit", published_at=t
        ),
    ]
    later = [
        make_post("b", story + " !", published_at=t + timedelta(hours=1)),
        make_post("d", "The market opened late and the bakery sold out by noon, as every week",
                  published_at=t + timedelta(hours=2)),
    ]  # fmt: skip
    assert build_pipeline(split_ws).ingest(first).inserted == 2

    def crash(*_: object) -> None:
        raise Crash("the process died after the posts were written")

    with pytest.raises(Crash):
        build_pipeline(split_ws).ingest(later, cursor=Cursor("source:s", {"page": 1}), state=crash)
    # After a restart: the held batch is finished from the stored posts.
    build_pipeline(split_ws).ingest(later, cursor=Cursor("source:s", {"page": 1}))
    stored = {p.native_id: p for p in posts_store.get_posts([p.id for p in first + later])}
    assert stored["a"].cluster_id == stored["b"].cluster_id == first[0].id
    assert stored["c"].cluster_id == first[1].id
    assert stored["d"].cluster_id == later[1].id
    for post in stored.values():
        assert split_ws.state.cluster_of(post.id) == post.cluster_id  # type: ignore[attr-defined]
    assert split_ws.state.pending_ingests() == []
    if client is not None:
        assert posts_store.rows("SELECT count() FROM posts")[0][0] == 4
        client.command("SYSTEM START MERGES posts")


def test_a_post_dated_ahead_is_dated_when_collected_and_an_edit_replaces_its_text(
    split_ws: Workspace,
) -> None:
    """In every posts backend: a post dated years after its collection is
    stored dated when collected (the date it gave in its payload), and the
    same post given again with other text (a feed entry edited) has its new
    text stored."""
    from dataclasses import replace

    pipeline = build_pipeline(split_ws, skip=("enrich",))
    collected = datetime.now(UTC).replace(microsecond=0)
    given = datetime(2031, 1, 1, 8, tzinfo=UTC)
    ahead = replace(make_post("31", "Lumio in 2031", published_at=given), collected_at=collected)
    on_time = replace(_posts(1)[0], collected_at=collected)
    result = pipeline.ingest([ahead, on_time])
    assert result.inserted == 2 and result.ahead == {ahead.id: given}
    (stored,) = split_ws.posts.get_posts([ahead.id])
    assert stored.published_at == collected
    assert stored.raw["published_at_given"] == "2031-01-01T08:00:00+00:00"
    # Read again (later): not dated again, not counted again.
    again = pipeline.ingest([replace(ahead, collected_at=collected + timedelta(hours=1))])
    assert again.ahead == {} and split_ws.posts.get_posts([ahead.id])[0].published_at == collected
    edited = replace(on_time, text="Lumio lamp number 0 was recalled")
    edited = replace(edited, content_hash=Post.create(
        platform=edited.platform, native_id=edited.native_id, text=edited.text,
        published_at=edited.published_at, author=edited.author,
    ).content_hash)  # fmt: skip
    assert len(pipeline.ingest([edited]).updated) == 1
    (now,) = split_ws.posts.get_posts([on_time.id])
    assert now.text == "Lumio lamp number 0 was recalled"
