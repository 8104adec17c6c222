"""Collectors while the posts store (a ClickHouse server over HTTP) is away
and the state (PostgreSQL) answers: the pass fails as one, naming the posts
store; no source is marked failed or backed off for it (the sources did
nothing wrong), no cursor moves, no fetching thread is left behind, and the
next pass once the server is back stores every post once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.scale.conftest import split_root
from tests.web.test_posts_outage import _clickhouse, _stop
from veille.config import HttpSettings
from veille.errors import PostsUnavailable
from veille.http import HttpClient
from veille.pipeline import build_pipeline
from veille.pipeline.collect import collect
from veille.services.sources import add_source
from veille.sim.feeds import author_feed_path
from veille.sim.runner import start_simulator
from veille.sim.server import Simulator
from veille.workspace import Workspace

pytest.importorskip("chdb", reason="chdb is not installed (the clickhouse extra)")
pytest.importorskip("clickhouse_connect", reason="clickhouse-connect is not installed")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = start_simulator(seed=11, days=10)
    yield s
    s.stop()


def _fetching() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("collect-")]


def test_a_posts_store_outage_fails_the_pass_not_the_sources(
    tmp_path: Path, state_url: str, sim: Simulator
) -> None:
    ch, port = _clickhouse(tmp_path / "chdb")
    try:
        posts_url = f"clickhouse://127.0.0.1:{port}/veille"
        with Workspace.open(split_root(tmp_path / "ws", state_url, posts_url)) as ws:
            handles = sorted(
                sim.world.authors("mastodon"),
                key=lambda h: -len(sim.world.by_author[("mastodon", h)]),
            )[:3]
            names = [
                add_source(
                    ws.state,
                    "feeds",
                    sim.url("mastodon", author_feed_path("mastodon", h)),
                    name=f"s{i}",
                    options={"max_pages": "20"},
                ).name
                for i, h in enumerate(handles)
            ]
            pipeline = build_pipeline(ws, skip=("enrich",))
            http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))
            _stop(ch)
            with pytest.raises(PostsUnavailable) as caught:
                collect(ws, http=http, pipeline=pipeline)
            assert f"ClickHouse posts store 127.0.0.1:{port}/veille" in caught.value.message
            # Not the sources' fault: no failure in their health, no back-off,
            # each still due for the next pass; no cursor moved.
            for name in names:
                (h,) = ws.state.source_health(name)
                assert h.consecutive_failures == 0 and h.last_error is None, h
                assert ws.state.get_cursor(f"source:{name}") is None
            assert set(names) <= set(ws.state.due_sources(datetime.now(UTC)))
            assert not ws.state.leases() or all(not x.holder for x in ws.state.leases())
            end = time.monotonic() + 30
            while _fetching() and time.monotonic() < end:
                time.sleep(0.1)
            assert _fetching() == []  # no thread left fetching, or blocked
            ch, _ = _clickhouse(tmp_path / "chdb", port)
            runs = collect(ws, http=http, pipeline=pipeline)
            assert sorted(r.source for r in runs if r.ok) == names
            expected = {
                f"mastodon:{p.url}"
                for h in handles
                for p in sim.world.visible(platform="mastodon", author=h)
            }
            assert ws.posts.count_posts() == len(expected) > 0
            http.close()
    finally:
        _stop(ch)


def test_a_full_posts_disk_fails_the_pass_not_the_sources(
    tmp_path: Path, state_url: str, sim: Simulator
) -> None:
    """Posts in a SQLite file of their own that cannot grow (SQLite's own
    "database or disk is full", through ``max_page_count``): the pass fails
    once, naming the disk; no source is failed or backed off (they used to
    be, up to 6 hours, so collection stayed stopped long after space was
    freed); once there is room every post is stored."""
    from veille.errors import DiskFull

    with Workspace.open(split_root(tmp_path / "ws", state_url)) as ws:
        handles = sorted(
            sim.world.authors("mastodon"), key=lambda h: -len(sim.world.by_author[("mastodon", h)])
        )[:2]
        for i, h in enumerate(handles):
            url = sim.url("mastodon", author_feed_path("mastodon", h))
            add_source(ws.state, "feeds", url, name=f"s{i}")
        pipeline = build_pipeline(ws, skip=("enrich",))
        http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))
        conn = ws.posts.conn  # this thread's: the collector commits from it
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
        with pytest.raises(DiskFull) as caught:
            collect(ws, http=http, pipeline=pipeline)
        assert "is full" in caught.value.message and "Free some space" in str(caught.value.hint)
        for name in ("s0", "s1"):
            (h,) = ws.state.source_health(name)
            assert h.consecutive_failures == 0 and h.last_error is None, h
            assert ws.state.get_cursor(f"source:{name}") is None
        assert {"s0", "s1"} <= set(ws.state.due_sources(datetime.now(UTC)))
        conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
        runs = collect(ws, http=http, pipeline=pipeline)
        assert sorted(r.source for r in runs if r.ok) == ["s0", "s1"]
        expected = {
            f"mastodon:{p.url}"
            for h in handles
            for p in sim.world.visible(platform="mastodon", author=h)
        }
        assert ws.posts.count_posts() == len(expected) > 0
        http.close()
