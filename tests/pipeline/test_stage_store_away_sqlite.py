"""A SQLite store that cannot be written while an ingest stage writes
(its disk full, its lock held by another process beyond the busy
timeout) is the store away, not the stage's bug. SQLite's "database or
disk is full" raised by a stage's write in the ingest's transaction was
said as "the alerts stage failed … fix or remove that stage", with a
traceback, as PostgreSQL's lost server was until this morning."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import make_post
from veille.errors import DiskFull, StoreLocked
from veille.models import Cursor
from veille.pipeline.ingest import Pipeline, Stage
from veille.store.base import StoreTransaction, UpsertResult
from veille.store.sqlite import SQLiteStore


def _writes_a_large_cursor(tx: StoreTransaction, result: UpsertResult) -> None:
    tx.set_cursor(Cursor("alerts-state", {"seen": "x" * 2_000_000}))


def test_a_full_disk_while_a_stage_writes_is_the_store_not_the_stage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SQLiteStore.open(tmp_path / "veille.db", timeout=0.5)
    try:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        # Room for the page's posts, not for what the stage writes after
        # them: SQLite says "database or disk is full", as on a full disk.
        store.conn.execute(f"PRAGMA max_page_count = {pages + 200}")
        pipeline = Pipeline(store, [Stage("alerts", in_transaction=_writes_a_large_cursor)])
        posts = [make_post(f"p-{i}", f"Lumio lamp {i}") for i in range(3)]
        with caplog.at_level(logging.ERROR), pytest.raises(DiskFull) as caught:
            pipeline.ingest(posts)
        assert "is full; nothing of this batch was written" in caught.value.message
        assert "stage alerts failed" not in caplog.text, caplog.text
        ids = [p.id for p in posts]
        assert store.get_posts(ids) == []  # the batch is rolled back, as it says
        store.conn.execute(f"PRAGMA max_page_count = {pages + 100_000}")
        assert pipeline.ingest(posts).new  # space again: the page is stored
        assert len(store.get_posts(ids)) == 3
    finally:
        store.close()


def test_a_lock_held_by_another_process_while_a_stage_writes_is_the_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Posts in one SQLite file, state in another: a stage's clusters are
    written to the posts file too, whose write lock another connection
    holds (another process) beyond the busy timeout."""
    state = SQLiteStore.open(tmp_path / "veille.db", timeout=0.3)
    posts = SQLiteStore.open(tmp_path / "posts.db", timeout=0.3)
    other = sqlite3.connect(tmp_path / "posts.db", isolation_level=None)
    try:

        def clusters(tx: StoreTransaction, result: UpsertResult) -> None:
            other.execute("BEGIN IMMEDIATE")  # another process starts writing
            tx.set_clusters([(p.id, p.id) for p in result.new])

        pipeline = Pipeline(state, [Stage("clusters", in_transaction=clusters)], posts=posts)
        with caplog.at_level(logging.ERROR), pytest.raises(StoreLocked) as caught:
            pipeline.ingest([make_post("p-1", "Lumio lamp")])
        assert "posts.db is locked by another veille process" in caught.value.message
        assert "stage clusters failed" not in caplog.text, caplog.text
    finally:
        other.close()
        posts.close()
        state.close()
