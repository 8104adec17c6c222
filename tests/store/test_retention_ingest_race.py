"""Ingest against a retention purge that begins after it read its cutoff,
on every layout: SQLite; posts in chDB, served over ``veille+http``, or in a
SQLite file beside PostgreSQL state.

The ingest path reads the retention cutoff once per call and leaves out the
posts published before it. A purge that began after that read (another
process's hourly upkeep, the next day's cutoff) deleted posts that the
ingest, holding the older cutoff, then stored again: counted twice, in the
aggregates the purge kept and as posts held (a volume of 4 read 6). The
purge now marks its cutoff in the posts store before its first delete, and
the ingest's write reads it again where it is ordered with the purge's
deletes (SQLite: in the write's transaction; ClickHouse: under the lock the
deletes take), and leaves them out, counted in ``expired``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import init_state_workspace, keep_posts_days, retention_workspace
from tests.store.test_retention_late_posts import PERIOD, _figures, _post
from veille.analytics.scope import Scope
from veille.analytics.tops import headline
from veille.analytics.volume import volume
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.services.retention import apply_retention
from veille.workspace import Workspace, init_workspace

# A week old: kept by today's purge (10 days), deleted by the one five days on.
WEEK_OLD = [_post("mid1", 7, 3), _post("mid2", 8, 4)]
RECENT = [_post("new1", 2, 5), _post("new2", 3, 1)]
LATER = datetime.now(UTC) + timedelta(days=5)


def ingest_beside_a_purge(ws: Workspace, posts: list[Any]) -> tuple[Any, list[Any]]:
    """Ingest ``posts`` with a retention purge (``LATER``'s, from another
    thread) landing after their write and before the state's transaction
    (which files them under topics and queues their alerts): the ingest's
    result and the purge's report, the window the two tests of
    ``test_retention_filing_race`` and ``test_retention_outbox_race`` open
    every time."""
    pipeline = build_pipeline(ws)
    store = pipeline.post_store
    write = store.upsert_posts
    purges: list[Any] = []

    def upsert_posts(batch: Any, **kwargs: Any) -> Any:
        result = write(batch, **kwargs)
        worker = threading.Thread(target=lambda: purges.append(apply_retention(ws, now=LATER)))
        worker.start()
        worker.join()
        return result

    store.upsert_posts = upsert_posts
    try:
        got = pipeline.ingest(posts)
    finally:
        del store.upsert_posts
    return got, purges


def _purging_after_the_read(ws: Workspace, purge: Any) -> Any:
    """The workspace's pipeline, whose cutoff read lets ``purge`` run after it."""
    pipeline = build_pipeline(ws)
    read = pipeline.retention
    assert read is not None

    purged: list[bool] = []

    def retention() -> datetime | None:
        cutoff = read()
        if not purged:  # after the ingest's first read only
            purged.append(True)
            purge()
        return cutoff

    pipeline.retention = retention
    return pipeline


def _served_figures(store: Any) -> dict[str, Any]:
    """What the dashboard reads of a served store's posts (read where it is
    served: a topic's figures are not served), and its topic's kept totals."""
    found = headline(store, Scope(), PERIOD)
    kept = store.rows("SELECT sum(posts), sum(engagement), sum(positive) FROM topic_purged")
    return {
        "headline": {k: (f.value, f.posts) for k, f in found.items()},
        "volume": volume(store, Scope(), PERIOD).total,
        "topic_purged": [int(n) for n in kept[0]],
    }


@contextmanager
def _layout(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Path, Callable[[Workspace], dict[str, Any]]]]:
    """A workspace keeping posts 10 days, its posts where ``kind`` says:
    ``sqlite`` (one file), ``chdb``, ``veille+http`` (a chDB store served
    by ``veille store serve-posts``), ``sqlite+postgresql`` (a SQLite posts
    file, the state in PostgreSQL); and what to compare of its figures."""
    root = tmp_path / "ws"
    if kind in ("sqlite", "chdb"):
        yield retention_workspace(kind, root), _figures
    elif kind == "sqlite+postgresql":
        request.getfixturevalue("postgres_url")
        yield keep_posts_days(init_state_workspace(root, "postgresql")), _figures
    else:
        pytest.importorskip("chdb")
        from veille.store.clickhouse.backend import ChdbBackend
        from veille.store.remote.server import PostServer

        served = ChdbBackend().open(f"chdb:///{tmp_path / 'served.chdb'}", root=tmp_path)
        server = PostServer(served).start()
        try:
            root.mkdir()
            (root / "veille.toml").write_text(
                f'[store]\nposts = "{server.url}"\n', encoding="utf-8"
            )
            yield keep_posts_days(init_workspace(root)), lambda _ws: _served_figures(served)
        finally:
            server.stop()
            served.close()


@pytest.mark.parametrize("kind", ["sqlite", "chdb", "veille+http", "sqlite+postgresql"])
def test_a_post_purged_after_the_ingest_read_its_cutoff_is_not_stored_again(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Until 2026-12-06 on every layout but SQLite: stored again, volume 6."""
    with _layout(kind, tmp_path, request) as (root, figures), Workspace.open(root) as ws:
        ws.store.upsert_posts([*WEEK_OLD, *RECENT])
        add_topic(ws.store, "lumio", "lumio")
        before = figures(ws)
        assert before.get("all", before)["volume"] == 4

        def purge() -> None:
            report = apply_retention(ws, now=LATER)
            assert report is not None and report.posts == 2

        # What the state's transaction sees (a collector counts it in the
        # source's health: expired, not suppressed).
        seen: list[tuple[int, int]] = []

        def state(tx: Any, result: Any, last: bool) -> None:
            seen.append((len(result.expired), len(result.refused)))

        got = _purging_after_the_read(ws, purge).ingest(WEEK_OLD, state=state)
        assert figures(ws) == before  # (volume 6: the two counted twice)
        assert ws.posts.count_posts() == 2
        assert sorted(got.expired) == sorted(p.id for p in WEEK_OLD)
        assert not got.new and not got.updated and not got.refused
        assert seen == [(2, 0)]
        # The purge's log counts them once; the next purge finds nothing.
        logged = ws.state.erasures(kind="retention")
        assert [e.posts for e in logged] == [2]
        assert apply_retention(ws, now=LATER) is not None
        assert figures(ws) == before and ws.posts.count_posts() == 2
        assert [e.posts for e in ws.state.erasures(kind="retention")] == [2]


class Killed(Exception):
    """The purge's process stops here."""


def test_a_post_of_a_purge_killed_after_a_batch_is_not_stored_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: the purge stopped after its first batch of one post (killed),
    an ingest that read its cutoff before brings that post again; the next
    purge finishes. The purge logged its cutoff after its deletes: the
    post was stored again between them and counted twice."""
    with Workspace.open(retention_workspace("sqlite", tmp_path / "ws")) as ws:
        store = ws.posts
        ws.store.upsert_posts([*WEEK_OLD, *RECENT])
        add_topic(ws.store, "lumio", "lumio")
        before = _figures(ws)
        first = min(WEEK_OLD, key=lambda p: p.published_at)

        def purge() -> None:
            real = store.transaction

            @contextmanager
            def transaction(*args: Any, **kwargs: Any) -> Iterator[Any]:
                if store.count_posts() < 4:  # killed once its first batch is in
                    raise Killed
                with real(*args, **kwargs) as tx:
                    yield tx

            monkeypatch.setattr(store, "transaction", transaction)
            try:
                cutoff = LATER.replace(hour=0, minute=0, second=0, microsecond=0)
                store.purge_posts_before(cutoff - timedelta(days=10), batch=1)
            except Killed:
                pass
            finally:
                monkeypatch.undo()

        got = _purging_after_the_read(ws, purge).ingest([first])
        assert got.expired == [first.id]
        assert store.count_posts() == 3
        assert apply_retention(ws, now=LATER) is not None
        assert _figures(ws) == before
        assert store.count_posts() == 2


def test_a_post_written_as_a_chdb_purge_begins_is_counted_in_its_log(tmp_path: Path) -> None:
    """A collector's write that lands after the purge counted the posts to
    delete and before it took the lock its deletes hold: the purge deleted
    it with the others (its figures keep it) but its log, counted first,
    said one post fewer than it deleted."""
    late = _post("mid3", 6, 2)  # kept by today's cutoff, not by the one five days on
    with Workspace.open(retention_workspace("chdb", tmp_path / "ws")) as ws:
        ws.store.upsert_posts([*WEEK_OLD, *RECENT])
        add_topic(ws.store, "lumio", "lumio")
        lock = ws.posts.forget_lock
        real = lock.exclusive
        written: list[Any] = []

        def exclusive() -> Any:
            if not written:  # the purge's first: after its count
                written.append(build_pipeline(ws).ingest([late]))
            return real()

        lock.exclusive = exclusive
        try:
            report = apply_retention(ws, now=LATER)
        finally:
            del lock.exclusive
        assert [p.id for p in written[0].new] == [late.id]
        assert report is not None and report.posts == 3  # (2 before)
        assert [e.posts for e in ws.state.erasures(kind="retention")] == [3]
        assert ws.posts.count_posts() == 2
        assert {k: f["volume"] for k, f in _figures(ws).items()} == {"all": 5, "topic": 5}


@pytest.mark.parametrize("kind", ["sqlite", "chdb", "sqlite+postgresql"])
def test_a_post_purged_after_dedupe_read_it_is_counted_expired_not_new(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The purge lands after dedupe read which posts are stored (and before
    the write): the ingest's result says they were left out as past
    retention, not that they came in new or changed, and they are not
    stored again. (Checked 2026-12-06: so it was; this keeps it so.)"""
    with _layout(kind, tmp_path, request) as (root, _compare), Workspace.open(root) as ws:
        ws.store.upsert_posts([*WEEK_OLD, *RECENT])
        pipeline = build_pipeline(ws)
        store = pipeline.post_store
        read = store.stored_content

        def stored_content(posts: Any) -> Any:
            found = read(posts)
            worker = threading.Thread(target=lambda: apply_retention(ws, now=LATER))
            worker.start()
            worker.join()
            return found

        store.stored_content = stored_content
        try:
            got = pipeline.ingest(WEEK_OLD)
        finally:
            del store.stored_content
        assert sorted(got.expired) == sorted(p.id for p in WEEK_OLD)
        assert not got.new and not got.updated and got.unchanged == 0
        assert ws.posts.count_posts() == 2
