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

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import keep_posts_days, retention_workspace
from tests.store.test_retention_ingest_race import LATER, RECENT, WEEK_OLD
from tests.store.test_retention_late_posts import _figures
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.services.retention import apply_retention
from veille.workspace import Workspace


def _workspace(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    root = tmp_path / "ws"
    if kind == "chdb":
        return retention_workspace("chdb", root)
    pytest.importorskip("chdb")
    from veille.store.postgres.testing import fresh_schema_url

    state = fresh_schema_url(request.getfixturevalue("postgres_url"), tmp_path)
    root.mkdir()
    (root / "veille.toml").write_text(
        f'[store]\nposts = "chdb:///{root / "posts.chdb"}"\nstate = "{state}"\n',
        encoding="utf-8",
    )
    from veille.workspace import init_workspace

    return keep_posts_days(init_workspace(root))


@pytest.mark.parametrize("kind", ["chdb", "chdb+postgresql"])
def test_posts_a_purge_deleted_before_their_filing_are_not_filed(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Until 2026-12-06: the topic's volume read 4 (2 held, 2 deleted) where
    the workspace's read 2, and the next purges never took the two out."""
    with Workspace.open(_workspace(kind, tmp_path, request)) as ws:
        ws.store.upsert_posts(RECENT)
        add_topic(ws.store, "lumio", "lumio")
        pipeline = build_pipeline(ws)
        posts = pipeline.post_store
        write = posts.upsert_posts
        purges: list[Any] = []

        def upsert_posts(batch: Any, **kwargs: Any) -> Any:
            result = write(batch, **kwargs)
            # The purge, from another thread, after the write and before
            # the filing (the state's transaction, not begun yet).
            worker = threading.Thread(target=lambda: purges.append(apply_retention(ws, now=LATER)))
            worker.start()
            worker.join()
            return result

        posts.upsert_posts = upsert_posts
        try:
            got = pipeline.ingest(WEEK_OLD)
        finally:
            del posts.upsert_posts
        assert sorted(p.id for p in got.new) == sorted(p.id for p in WEEK_OLD)
        assert len(purges) == 1 and purges[0] is not None and purges[0].posts == 2
        assert ws.posts.count_posts() == 2
        figures = _figures(ws)
        # The topic counts what the workspace counts: the two held, and the
        # two the purge deleted once (its kept totals or nowhere, not held).
        assert figures["topic"]["volume"] == figures["all"]["volume"]
        held = ws.posts.rows(
            "SELECT post_id FROM topic_filings FINAL WHERE filed = 1 ORDER BY post_id"
        )
        assert [r[0] for r in held] == sorted(p.id for p in RECENT)
        # (The purge filed the topic's backlog first, the two new posts in
        # it: its kept totals count them, once.)
        kept = ws.posts.rows("SELECT sum(posts) FROM topic_purged")
        assert int(kept[0][0]) == 2
        # The next purge finds nothing more; the figures stay.
        assert apply_retention(ws, now=LATER) is not None
        assert _figures(ws) == figures
