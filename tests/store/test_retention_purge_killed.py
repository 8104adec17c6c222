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
