"""A collection beside a long write on SQLite (another process holding the write lock).

A long write in another process (a migration, an erasure, a tool holding a
transaction) holds the SQLite write lock for as long as it writes. A
collector whose batch came while it held it waited the store's busy timeout,
then the source was marked failed with "… is locked by another veille
process" and backed off (its next run put off, twice as far at each such
pass) as if the source had done something wrong. Now a locked store is a
store away for the pass, as one that does not answer: nothing of the batch
is written, no source is marked failed or backed off, the pass raises the
lock once (``veille run`` logs it and tries again at the next pass), and the
next pass stores the posts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from veille.errors import StoreLocked
from veille.models import Post
from veille.pipeline.collect import RunResult, collect
from veille.pipeline.ingest import Stage, build_pipeline
from veille.services.sources import add_source, health
from veille.workspace import Workspace, init_workspace

WAIT = 0.2  # the store's busy timeout in this test (10 s in use)


def _rows(n: int) -> str:
    return "".join(
        json.dumps(
            {
                "platform": "mastodon",
                "id": str(i),
                "text": f"Lumio post number {i}",
                "author": "someone",
                "published_at": f"2026-09-01T10:{i:02d}:00Z",
            }
        )
        + "\n"
        for i in range(n)
    )


def test_a_lock_held_by_a_long_write_marks_no_source_failed(tmp_path: Path) -> None:
    feed = tmp_path / "posts.jsonl"
    feed.write_text(_rows(5))
    with Workspace.open(init_workspace(tmp_path / "ws")) as ws:
        add_source(ws.store, "file", str(feed), name="f")
        db = ws.state.path
        ws.state.timeout = WAIT
        ws.state.conn.execute(f"PRAGMA busy_timeout = {int(WAIT * 1000)}")
        pipeline = build_pipeline(ws)
        importer = sqlite3.connect(db, isolation_level=None, check_same_thread=False)

        def import_begins(posts: list[Post]) -> list[Post]:
            # The long write takes the write lock once the collector has
            # its lease and its page, and holds it...
            if not importer.in_transaction:
                importer.execute("BEGIN IMMEDIATE")
            return posts

        def import_ends(result: RunResult) -> None:
            # ... until just after the collector's batch waited for it.
            if importer.in_transaction:
                importer.rollback()

        pipeline.stages.insert(0, Stage("import-beside", prepare=import_begins))
        said = ""
        try:
            collect(ws, pipeline=pipeline, force=True, on_batch=import_ends)
        except StoreLocked as exc:
            said = exc.message
        importer.close()
        pipeline.stages.pop(0)

        # The source did nothing wrong: not marked failed, not put off.
        (h,) = health(ws.store, "f")
        assert (h.consecutive_failures, h.last_error) == (0, None)
        assert ws.store.count_posts() == 0
        # The pass said why, once.
        assert "locked by another veille process" in said

        # The next pass, the lock gone, stores the page.
        (second,) = collect(ws, pipeline=pipeline)
        assert second.ok and second.new_posts == 5
        (h,) = health(ws.store, "f")
        assert h.consecutive_failures == 0 and h.total_posts == 5
