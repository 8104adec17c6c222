"""The one matcher when the state store fails while it reads the rules: the
batch fails (and is retried like any batch whose state did not commit), and
the next batch reads the rules again, so no post is left unfiled and no alert
unsent after a blip, and none is filed or queued twice."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post
from tests.scale.conftest import split_root
from veille.alerts.model import Alert, AlertBook
from veille.errors import StoreError, StoreLocked
from veille.pipeline import build_pipeline
from veille.pipeline.matching import RuleIndex
from veille.query.topics import add_topic
from veille.workspace import Workspace


def _rules(store: Any) -> int:
    add_topic(store, "lamps", "lamp")
    AlertBook(store).add(Alert(name="lamps", query="lamp", channel_url="atom:alerts/lamps.atom"))
    topic = store.topic("lamps")
    assert topic is not None
    return int(topic.id)


def _after_the_version(monkeypatch: pytest.MonkeyPatch, store: Any, then: Any) -> None:
    """Run ``then()`` once, right after the matcher's first read of the rules'
    version (before it reads the rules themselves)."""
    read = store.rules_version
    done: list[bool] = []

    def version() -> int:
        found = int(read())
        if not done:
            done.append(True)
            then()
        return found

    monkeypatch.setattr(store, "rules_version", version)


def test_rules_unread_after_their_version_are_read_on_the_next_batch(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = workspace.state
    topic_id = _rules(store)
    topics = store.topics
    blip: list[bool] = []

    def locked_once() -> Any:
        if blip:
            blip.clear()
            raise StoreLocked("veille.db: database is locked")
        return topics()

    monkeypatch.setattr(store, "topics", locked_once)
    _after_the_version(monkeypatch, store, lambda: blip.append(True))
    pipeline = build_pipeline(workspace, skip=("enrich",))
    # The batch that met the blip fails as a whole (nothing stored, filed or
    # queued: its source's cursor stays where it was, so it is read again).
    with pytest.raises(StoreError, match="locked"):
        pipeline.ingest([make_post("1", "a lamp")])
    assert workspace.posts.count_posts() == 0
    # The same post read again, then a new one: both filed and queued, once.
    pipeline.ingest([make_post("1", "a lamp")])
    pipeline.ingest([make_post("2", "another lamp"), make_post("3", "a chair")])
    filed = store.conn.execute(
        "SELECT p.id FROM post_topics f JOIN posts p ON p.pk = f.post_pk WHERE f.topic_id = ?",
        (topic_id,),
    ).fetchall()
    assert sorted(r[0] for r in filed) == ["mastodon:1", "mastodon:2"]
    assert sorted(d.post_id for d in store.list_deliveries()) == ["mastodon:1", "mastodon:2"]


def test_a_postgresql_outage_while_the_rules_are_read_loses_no_filing_or_alert(
    stoppable_postgres: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = stoppable_postgres
    with Workspace.open(split_root(tmp_path / "ws", server.url)) as ws:
        topic_id = _rules(ws.state)
        _after_the_version(monkeypatch, ws.state, server.stop)  # the server goes away
        pipeline = build_pipeline(ws, skip=("enrich",))
        with pytest.raises(StoreError, match="did not answer"):
            pipeline.ingest([make_post("1", "a lamp")])
        server.start()  # back, as after a restart or a failover
        # The store met the server away: it is not asked again for the
        # breaker's pause (a daemon's next tick comes after it).
        time.sleep(ws.state.breaker.pause + 0.5)
        # The next batch finishes the one held by the outage, then its own.
        pipeline.ingest([make_post("2", "another lamp")])
        assert ws.state.topic_post_ids(topic_id) == {"mastodon:1", "mastodon:2"}
        assert sorted(d.post_id for d in ws.state.list_deliveries()) == [
            "mastodon:1",
            "mastodon:2",
        ]


def test_a_provider_with_a_bug_leaves_the_others_filing_and_is_read_again(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule provider that fails with no store error (a plugin's bug) does
    not stop ingest: the other rules file the batch, and its own rules are
    read again at the next batch, with no rule change needed."""
    store = workspace.state
    topic_id = _rules(store)
    broken: list[bool] = [True]
    provide = RuleIndex.provide

    def flaky_alerts(index: RuleIndex, kind: str, provider: Any) -> None:
        def flaky() -> Any:
            if broken:
                raise RuntimeError("a plugin's bug")
            return provider()

        provide(index, kind, flaky if kind == "alert" else provider)

    monkeypatch.setattr(RuleIndex, "provide", flaky_alerts)
    pipeline = build_pipeline(workspace, skip=("enrich",))
    pipeline.ingest([make_post("1", "a lamp")])
    assert store.list_deliveries() == []  # the alert's rules were skipped, the topic's were not
    broken.clear()
    pipeline.ingest([make_post("2", "another lamp")])
    filed = store.conn.execute(
        "SELECT p.id FROM post_topics f JOIN posts p ON p.pk = f.post_pk WHERE f.topic_id = ?",
        (topic_id,),
    ).fetchall()
    assert sorted(r[0] for r in filed) == ["mastodon:1", "mastodon:2"]
    assert [d.post_id for d in store.list_deliveries()] == ["mastodon:2"]
