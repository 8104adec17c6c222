"""Python's cycle collector is paused while a batch goes through ingest and
comes back after it (veille.cycles): its full collections walked every
object the process holds, about a tenth of the whole path's CPU time. A
collector left off would let a long-running daemon's cyclic garbage grow
without bound: it is back after every batch, one that failed too. Over a
SQLite workspace and a scaled-out one (posts in chDB, state in PostgreSQL)."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import chdb_postgres_workspace, make_post
from veille.models import Post
from veille.pipeline import Stage, build_pipeline
from veille.pipeline.ingest import StageFailed
from veille.workspace import Workspace, init_workspace


@pytest.fixture(params=["sqlite", "chdb-postgresql"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "sqlite":
        return init_workspace(tmp_path / "ws")
    return chdb_postgres_workspace(tmp_path / "ws", request, tmp_path / "schema")


def _posts(n: int) -> list[Post]:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    return [
        make_post(
            f"c{i}", f"Lumio lamp number {i} works", published_at=start + timedelta(minutes=i)
        )
        for i in range(n)
    ]


def test_the_collector_is_paused_for_each_batch_and_back_after(root: Path) -> None:
    assert gc.isenabled()
    seen: list[bool] = []

    def note(posts: list[Post]) -> list[Post]:
        seen.append(gc.isenabled())
        return posts

    def broken(tx: object, result: object) -> None:
        raise ValueError("a plugin's bug")

    with Workspace.open(root) as ws:
        pipeline = build_pipeline(ws, extra=[Stage("note", prepare=note)])
        pipeline.batch_size = 2
        result = pipeline.ingest(_posts(5))
        assert len(result.new) == 5
        assert seen == [False, False, False]  # three batches, each paused
        assert gc.isenabled()
        failing = build_pipeline(ws, extra=[Stage("broken", in_transaction=broken)])
        with pytest.raises(StageFailed):
            failing.ingest(_posts(7)[5:])
        assert gc.isenabled()
