"""A retention purge on SQLite killed between two of its transactions.

The purge deletes the old posts in batches (a transaction each, so that a
collector waits for one batch, not for the whole purge), each batch keeping
its saved topics' sentiment in ``topic_purged_sentiment``; it then deleted
the author rollup's days before the cutoff in a transaction of its own. A
topic's sentiment reads the author rollup beside what purges kept: killed
after a batch (``veille run`` stopped, the machine restarted), the batches'
posts were counted twice, in both, until the next hourly upkeep (a topic of
14 positive posts said 23). Each batch now takes its posts out of the author
rollup in its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import retention_workspace
from tests.test_privacy_topic_backlog import NOW, _posts
from tests.test_privacy_topic_sentiment import _read
from veille.query.topics import add_topic
from veille.services.retention import _day_start
from veille.workspace import Workspace


class Killed(Exception):
    """The process stops here: before this transaction begins."""


def _kill_at(store: Any, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Stop the store's ``n``-th transaction from now before it begins."""
    real = store.transaction
    seen = [0]

    @contextmanager
    def transaction(*args: Any, **kwargs: Any) -> Iterator[Any]:
        seen[0] += 1
        if seen[0] == n:
            raise Killed
        with real(*args, **kwargs) as tx:
            yield tx

    monkeypatch.setattr(store, "transaction", transaction)


def test_a_purge_killed_between_its_transactions_counts_a_topics_sentiment_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cutoff = _day_start(NOW - timedelta(days=10))
    with Workspace.open(retention_workspace("sqlite", tmp_path / "ws")) as ws:
        store = ws.posts
        store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        before = _read(ws)  # files the topic's backlog
        kills = 0
        while True:
            # Killed after its first batch of 10 posts (the last run:
            # after its last batch, before the author rollup's step).
            _kill_at(store, monkeypatch, 2)
            try:
                store.delete_posts_before(cutoff, batch=10)
            except Killed:
                kills += 1
                monkeypatch.undo()
                assert _read(ws) == before, f"after {kills} batches"
                continue
            monkeypatch.undo()
            break
        # 37 posts in batches of 10: killed after each of the first three
        # (and after the fourth where a step still follows it).
        assert kills >= 3
        assert store.count_posts() == 20
        assert _read(ws) == before


def test_a_purge_killed_inside_a_day_leaves_its_top_authors_as_the_posts_held_give_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The top authors of a day the purge stopped in the middle of (`veille
    top authors --by followers`): each author's followers and name are those
    of the posts still held. Before,
    the author rollup kept the largest of the day's posts, the purged ones
    included, until the purge's last step deleted the day: Alice read 900
    followers and the name "Zoé" of a deleted post (120 and "Alice" held)."""
    from tests.conftest import make_post
    from veille.analytics.scope import Period, Scope
    from veille.analytics.topics import topic_scope
    from veille.analytics.tops import top_authors
    from veille.models import Author

    cutoff = _day_start(NOW - timedelta(days=10))
    day = cutoff - timedelta(days=3)
    people = [
        (3, "alice", 900, "Zoé"), (5, "bob", 50, "Bob"), (9, "alice", 100, "Alice"),
        (12, "bob", 70, None), (15, "alice", 120, "Alice"), (21, "bob", 60, "Bob"),
    ]  # fmt: skip
    posts = [
        make_post(f"d{i}", "Lumio lamp", author=Author(handle, name, followers=followers),
                  published_at=day + timedelta(hours=hour))
        for i, (hour, handle, followers, name) in enumerate(people)
    ]  # fmt: skip
    posts.append(make_post("kept", "Lumio lamp", published_at=NOW - timedelta(days=1)))
    whole_day = Period(day, day + timedelta(days=1))
    with Workspace.open(retention_workspace("sqlite", tmp_path / "ws")) as ws:
        store = ws.posts
        store.upsert_posts(posts)
        add_topic(ws.store, "lumio", "lumio")

        def authors() -> list[list[Any]]:
            """The top authors of that day, of every post and of the topic,
            from the rollup; and as a scan of the posts held gives them."""
            out = []
            for scope in (Scope(), topic_scope(ws.store, "lumio")):
                for s in (scope, replace(scope, scan=True)):
                    rows = top_authors(ws.store, s, whole_day, by="followers", limit=50)
                    out.append([(a.handle, a.name, a.posts, a.followers) for a in rows])
            return out

        assert authors()[0] == [("alice", "Zoé", 3, 900), ("bob", "Bob", 3, 70)]
        kills = 0
        while True:
            _kill_at(store, monkeypatch, 2)  # after each batch of one post
            try:
                store.delete_posts_before(cutoff, batch=1)
            except Killed:
                kills += 1
                monkeypatch.undo()
                got = authors()
                assert got[0] == got[1] and got[2] == got[3], f"after {kills} posts"
                assert got[0] == got[2], f"after {kills} posts"
                continue
            monkeypatch.undo()
            break
        # Killed after each batch but the last (no step follows it: no row
        # of those days is left in the author rollup).
        assert kills >= len(people) - 1
        assert authors() == [[], [], [], []]
        assert store.count_posts() == 1


def test_a_purge_killed_between_its_batches_names_and_counts_each_post_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch names its posts in the transaction that deletes them
    (``forgotten``, kind ``purged``). Killed after one: the posts it deleted
    are named and, collected again meanwhile (with a like more), left out;
    the others are held, unnamed. Run again: every post deleted is named
    once, the topic's figures are those before the purge, and the posts
    written again are left out."""
    from veille.models import Engagement
    from veille.store.protocols.privacy import PURGED, post_key

    cutoff = _day_start(NOW - timedelta(days=10))
    names_from = cutoff - timedelta(days=10)
    posts = _posts()
    old = sorted((p for p in posts if p.published_at < cutoff), key=lambda p: p.published_at)
    with Workspace.open(retention_workspace("sqlite", tmp_path / "ws")) as ws:
        store = ws.posts
        store.upsert_posts(posts)
        add_topic(ws.store, "lumio", "lumio")
        before = _read(ws)

        def names() -> set[str]:
            return {key for kind, key, _at in store.forgotten_records() if kind == PURGED}

        # Killed after its first batch (the names' cutoff moved first).
        _kill_at(store, monkeypatch, 3)
        with pytest.raises(Killed):
            store.delete_posts_before(cutoff, batch=10, names_from=names_from)
        monkeypatch.undo()
        assert store.count_posts() == len(posts) - 10
        assert names() == {post_key(p.id) for p in old[:10]}
        again = [replace(p, engagement=Engagement(likes=9)) for p in old[:10]]
        assert sorted(store.upsert_posts(again).expired) == sorted(p.id for p in again)
        assert _read(ws) == before
        assert store.delete_posts_before(cutoff, batch=10, names_from=names_from).posts == 27
        assert names() == {post_key(p.id) for p in old}
        assert _read(ws) == before
        assert sorted(store.upsert_posts(old).expired) == sorted(p.id for p in old)
        assert store.count_posts() == len(posts) - len(old)
        assert _read(ws) == before
