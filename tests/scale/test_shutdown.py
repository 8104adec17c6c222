"""``veille run --role collector`` stopped with SIGTERM (a deploy, systemd's
stop, Kubernetes) in the middle of a long walk through a feed's pages: it
stops after the batch it is on rather than at the walk's end (a supervisor
would SIGKILL it before then), commits nothing half-done, releases its
lease at once (another collector need not wait for it to expire), says so
in its log and exits 0; the next collector goes on from the committed
cursor and every post is stored once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.scale.conftest import split_root
from veille.services.sources import add_source
from veille.sim.runner import start_simulator
from veille.sim.server import Simulator
from veille.workspace import Workspace

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = start_simulator(seed=5, days=10)
    yield s
    s.stop()


@pytest.mark.slow
def test_sigterm_stops_a_collector_after_its_batch_and_releases_its_lease(
    tmp_path: Path, state_url: str, sim: Simulator
) -> None:
    root = split_root(tmp_path / "ws", state_url)
    with Workspace.open(root) as ws:
        add_source(
            ws.state,
            "feeds",
            sim.url("mastodon", "/feeds/all.atom"),
            name="firehose",
            options={"max_pages": "1000", "platform": "mastodon"},
        )
    expected = {f"mastodon:{p.url}" for p in sim.world.visible(platform="mastodon")}
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]),
        "VEILLE_ALLOW_PRIVATE_NETWORKS": "1",
    }
    host = sim.host("mastodon")
    host.faults.delay_seconds = 0.5  # a page every half second: a walk of a minute or more
    err = tmp_path / "stderr.log"
    try:
        with err.open("wb") as sink:
            proc = subprocess.Popen(
                [sys.executable, "-m", "veille", "run", "--role", "collector", "-w", str(root)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )
            try:
                with Workspace.open(root) as ws:
                    end = time.monotonic() + 120
                    while ws.state.get_cursor("source:firehose") is None:
                        assert proc.poll() is None, err.read_text("utf-8")
                        assert time.monotonic() < end, "no batch was committed"
                        time.sleep(0.1)
                proc.send_signal(signal.SIGTERM)
                # Far less than the walk's remaining pages would take.
                code = proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    finally:
        host.faults.delay_seconds = 0
    log = err.read_text("utf-8")
    assert code == 0, log
    assert "Traceback" not in log, log
    with Workspace.open(root) as ws:
        stored = ws.posts.count_posts()
        assert 0 < stored < len(expected)  # stopped mid-walk, what it committed kept
        # The lease is released, the source left due and healthy.
        assert all(not x.holder for x in ws.state.leases())
        assert all(g.ended_at is not None for g in ws.state.lease_log())
        (h,) = ws.state.source_health("firehose")
        assert h.consecutive_failures == 0
        assert "firehose" in ws.state.due_sources(datetime.now(UTC))
    # One line when the signal came, one per source stopped, one at the end.
    assert "stopping on SIGTERM" in log, log
    assert "source firehose stopped after the batch it was on" in log, log
    assert "the sources' leases are released" in log, log
    # Another collector goes on from the cursor: every post once.
    done = subprocess.run(
        [sys.executable, "-m", "veille", "collect", "-w", str(root)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with Workspace.open(root) as ws:
        ids = {p.id for p in ws.posts.iter_posts()}
        assert ids == expected
        assert ws.posts.count_posts() == len(expected)
