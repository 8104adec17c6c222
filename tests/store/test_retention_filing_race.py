"""A retention purge that lands between an ingest's write of new posts and
its filing of them under topics, on ClickHouse (chDB, its state in SQLite or
in PostgreSQL).

Posts and state are two backends there: the ingest writes the posts, then
files them in the state's transaction. The filing took each post's copy
from what the store had just written, without asking whether it was still
held: a purge that deleted the posts in between (another thread's or
process's hourly upkeep) counted none of them under the topic (they were
not filed yet), and the filings written after it held them as the topic's
posts for good, since later purges delete only the filings of posts still
stored. The topic read a volume of 4 beside the workspace's 2, and kept the
two deleted posts' authors and text in its copies. The filing now leaves out
the posts published before the latest purge's cutoff, read under the lock
the purge's deletes take.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    chdb_postgres_workspace,
    init_state_workspace,
    keep_posts_days,
    retention_workspace,
)
from tests.store.test_retention_ingest_race import LATER, RECENT, WEEK_OLD, ingest_beside_a_purge
from tests.store.test_retention_late_posts import _figures
from veille.query.topics import add_topic
from veille.services.retention import apply_retention
from veille.workspace import Workspace, init_workspace


@contextmanager
def _layout(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A workspace keeping posts 10 days, and the ClickHouse store where its
    posts are (``None`` for a SQLite posts file). ``kind``: ``chdb`` (its
    state in SQLite), ``chdb+postgresql``, ``veille+http`` (a chDB store
    served by ``veille store serve-posts``, the purge sent to it),
    ``sqlite+postgresql``."""
    root = tmp_path / "ws"
    if kind == "sqlite+postgresql":
        request.getfixturevalue("postgres_url")
        with Workspace.open(keep_posts_days(init_state_workspace(root, "postgresql"))) as ws:
            yield ws, None
        return
    if kind == "chdb":
        with Workspace.open(retention_workspace("chdb", root)) as ws:
            yield ws, ws.posts
        return
    if kind == "chdb+postgresql":
        root = keep_posts_days(chdb_postgres_workspace(root, request, tmp_path))
        with Workspace.open(root) as ws:
            yield ws, ws.posts
        return
    pytest.importorskip("chdb")
    root.mkdir()
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.remote.server import PostServer

    served = ChdbBackend().open(f"chdb:///{tmp_path / 'served.chdb'}", root=tmp_path)
    server = PostServer(served).start()
    try:
        (root / "veille.toml").write_text(f'[store]\nposts = "{server.url}"\n', encoding="utf-8")
        with Workspace.open(keep_posts_days(init_workspace(root))) as ws:
            yield ws, served
    finally:
        server.stop()
        served.close()


# (A SQLite posts file beside PostgreSQL state files a post only where
# it finds it, in the filing's transaction: a guard there.)
@pytest.mark.parametrize("kind", ["chdb", "chdb+postgresql", "veille+http", "sqlite+postgresql"])
def test_posts_a_purge_deleted_before_their_filing_are_not_filed(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Until 2026-12-06: the topic's volume read 4 (2 held, 2 deleted) where
    the workspace's read 2, and the next purges never took the two out."""
    with _layout(kind, tmp_path, request) as (ws, clickhouse):
        ws.store.upsert_posts(RECENT)
        add_topic(ws.store, "lumio", "lumio")
        # The purge, from another thread, after the write and before the
        # filing (the state's transaction, not begun yet).
        got, purges = ingest_beside_a_purge(ws, WEEK_OLD)
        assert sorted(p.id for p in got.new) == sorted(p.id for p in WEEK_OLD)
        assert len(purges) == 1 and purges[0] is not None and purges[0].posts == 2
        assert ws.posts.count_posts() == 2
        # A topic's figures are read where the posts are served (not
        # through veille+http): there, its filings say what it holds.
        served = kind == "veille+http"
        figures = None if served else _figures(ws)
        if figures is not None:
            # The topic counts what the workspace counts: the two held, and
            # the two the purge deleted once (in its kept totals).
            assert figures["topic"]["volume"] == figures["all"]["volume"]
        if clickhouse is not None:
            held = clickhouse.rows(
                "SELECT post_id FROM topic_filings FINAL WHERE filed = 1 ORDER BY post_id"
            )
            # (Behind veille+http the collector files the topic's backlog
            # at its first read of the topic, which it does not make here.)
            assert [r[0] for r in held] == ([] if served else sorted(p.id for p in RECENT))
            # The purge filed the backlog first, the two new posts in it
            # (served: its own filings, none): its kept totals count them once.
            kept = clickhouse.rows("SELECT sum(posts) FROM topic_purged")
            assert int(kept[0][0]) == (0 if served else 2), kept
        # The next purge finds nothing more; the figures stay.
        assert apply_retention(ws, now=LATER) is not None
        assert ws.posts.count_posts() == 2
        if figures is not None:
            assert _figures(ws) == figures
