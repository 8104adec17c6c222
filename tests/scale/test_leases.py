"""Source leases in the collector: one collector at a time per source, a
dead collector's source taken over from its committed cursor, and a
collector that lost its lease unable to commit (SQLite here; the same
protocol runs on PostgreSQL, see tests/store/test_contract_collection.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from veille.config import HttpSettings
from veille.http import HttpClient
from veille.models import Post
from veille.pipeline import Stage, build_pipeline
from veille.pipeline.collect import StoreClock, collect
from veille.pipeline.leases import lease_name
from veille.services.sources import add_source
from veille.sim.feeds import author_feed_path
from veille.sim.runner import start_simulator
from veille.sim.server import Simulator
from veille.workspace import Workspace


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = start_simulator(seed=7, days=10)
    yield s
    s.stop()


def client() -> HttpClient:
    return HttpClient(HttpSettings(allow_private_networks=True, max_retries=2), backoff_base=0.01)


def _source(workspace: Workspace, sim: Simulator) -> str:
    handle = max(
        sim.world.authors("mastodon"), key=lambda h: len(sim.world.by_author[("mastodon", h)])
    )
    url = sim.url("mastodon", author_feed_path("mastodon", handle))
    return add_source(workspace.state, "feeds", url, name="m").name


def test_a_source_held_by_another_collector_is_left_alone(
    workspace: Workspace, sim: Simulator
) -> None:
    name = _source(workspace, sim)
    assert workspace.state.acquire_lease(lease_name(name), "elsewhere", ttl=60, now=time.time())
    assert collect(workspace, http=client(), holder="here") == []
    assert workspace.posts.count_posts() == 0
    # Once the other collector's lease runs out, this one takes the source over.
    later = time.time() + 61
    assert workspace.state.acquire_lease(lease_name(name), "here", ttl=60, now=later) == 2
    workspace.state.release_lease(lease_name(name), "here", now=later)
    (run,) = collect(workspace, http=client(), holder="here", force=True)
    assert run.ok and run.new_posts > 0
    grants = workspace.state.lease_log(lease_name(name))
    assert [g.holder for g in grants] == ["elsewhere", "here", "here"]
    assert all(g.ended_at is not None for g in grants)  # released after the run


def test_a_collector_that_lost_its_lease_commits_nothing(
    workspace: Workspace, sim: Simulator
) -> None:
    name = _source(workspace, sim)

    def stall(posts: list[Post]) -> list[Post]:
        # This collector stalls past its lease; another takes the source over.
        workspace.state.acquire_lease(lease_name(name), "fast", ttl=60, now=time.time() + 3600)
        return posts

    pipeline = build_pipeline(workspace, skip=("enrich",), extra=[Stage("stall", prepare=stall)])
    (run,) = collect(workspace, http=client(), holder="slow", pipeline=pipeline)
    assert not run.ok and run.lease_lost and "lost its lease" in (run.error or "")
    assert workspace.posts.count_posts() == 0
    assert workspace.state.get_cursor(f"source:{name}") is None
    # Its health is left to the collector now holding the source.
    (h,) = workspace.state.source_health(name)
    assert h.runs == 0


def test_the_lease_of_a_process_that_exited_here_is_taken_at_once(
    workspace: Workspace, sim: Simulator
) -> None:
    import socket
    import subprocess
    import sys

    name = _source(workspace, sim)
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = f"{socket.gethostname()}:{done.stdout.strip()}:abc123"
    assert workspace.state.acquire_lease(lease_name(name), dead, ttl=600, now=time.time())
    (run,) = collect(workspace, http=client(), holder="here")
    assert run.ok and run.new_posts > 0
    # Another machine's collector (or a live one here) is waited for.
    workspace.state.acquire_lease(lease_name(name), "other-host:1:x", ttl=600, now=time.time())
    assert collect(workspace, http=client(), holder="here", force=True) == []


def test_a_live_collector_here_whose_heartbeat_a_long_write_held_up_keeps_its_source(
    workspace: Workspace, sim: Simulator
) -> None:
    """On SQLite a long write (a retention purge's or an erasure's chunks,
    one after the other) keeps the heartbeat of a collector that is working
    from renewing its lease: it used to run out, and another collector took
    the source over from one that was still collecting it. A collector whose
    process still runs on this machine keeps it (for up to
    HELD_HERE_SECONDS after its last heartbeat); one that stopped beating
    that long ago (hung) is taken over as before."""
    import socket
    import subprocess
    import sys

    from veille.pipeline.leases import HELD_HERE_SECONDS

    name = _source(workspace, sim)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        holder = f"{socket.gethostname()}:{live.pid}:abc123"
        # Its lease ran out 30 s ago: its last heartbeat, 90 s ago, was held up.
        lease = lease_name(name)
        assert workspace.state.acquire_lease(lease, holder, ttl=60, now=time.time() - 90)
        assert collect(workspace, http=client(), holder="here") == []
        assert workspace.posts.count_posts() == 0
        assert [(x.holder, x.epoch) for x in workspace.state.leases()] == [(holder, 1)]
        # Silent for longer than HELD_HERE_SECONDS: hung, taken over.
        then = time.time() - HELD_HERE_SECONDS - 60
        assert workspace.state.acquire_lease(lease, holder, ttl=60, now=then) == 2
        (run,) = collect(workspace, http=client(), holder="here", force=True)
        assert run.ok and run.new_posts > 0
    finally:
        live.kill()
        live.wait(30)


def test_a_collector_whose_clock_runs_ahead_leaves_running_leases_alone(
    tmp_path: Path, state_url: str, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Lease times are the state store's (PostgreSQL's clock), not each
    machine's: a collector 10 minutes ahead used to read every running lease
    as expired and take it over (the collector holding it then lost its batch
    to the fencing check), and says once that its clock is off."""
    from tests.scale.conftest import split_root

    with Workspace.open(split_root(tmp_path / "ws", state_url)) as ws:
        name = _source(ws, sim)
        # Another collector, in step with the store, holds the source for 60 s.
        held = ws.state.acquire_lease(lease_name(name), "in-step", ttl=60, now=ws.state.clock())
        assert held == 1
        ahead = StoreClock(ws.state, local=lambda: time.time() + 600)
        with caplog.at_level(logging.INFO, logger="veille.collect"):
            for _ in range(2):
                assert collect(ws, http=client(), holder="ahead", clock=ahead) == []
        assert ws.posts.count_posts() == 0
        assert [(x.holder, x.epoch) for x in ws.state.leases()] == [("in-step", 1)]
        said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert said == [
            "this machine's clock is 600 s ahead of the state store's: leases and "
            "schedules go by the store's clock; synchronize this machine's (NTP)"
        ]
        # Once it is released, the collector ahead takes the source and its
        # lease lasts as long as anyone's, by the store's clock.
        ws.state.release_lease(lease_name(name), "in-step", now=ws.state.clock())
        (run,) = collect(ws, http=client(), holder="ahead", clock=ahead)
        assert run.ok and run.new_posts > 0
        (grant,) = [g for g in ws.state.lease_log(lease_name(name)) if g.holder == "ahead"]
        assert abs(grant.acquired_at - ws.state.clock()) < 120


def test_taking_over_a_dead_collectors_lease_is_one_line_in_the_log(
    tmp_path: Path, state_url: str, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A collector SIGKILLed (or its machine lost) never releases its lease;
    the one that takes the source over once it ran out says so, naming both,
    for the operator wondering why a source paused for a minute."""
    from tests.scale.conftest import split_root

    with Workspace.open(split_root(tmp_path / "ws", state_url)) as ws:
        name = _source(ws, sim)
        then = ws.state.clock() - 120
        assert ws.state.acquire_lease(lease_name(name), "gone:1:abc", ttl=60, now=then) == 1
        with caplog.at_level(logging.INFO, logger="veille.collect"):
            (run,) = collect(ws, http=client(), holder="here")
            (again,) = collect(ws, http=client(), holder="here", force=True)
        assert run.ok and run.new_posts > 0 and again.ok
        said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(said) == 1, said  # not again once it released its own lease
        assert said[0].startswith(
            f"source {name} taken over from collector gone:1:abc, whose lease ran out "
        )
        assert said[0].endswith(" s ago without being released; going on from its committed cursor")
