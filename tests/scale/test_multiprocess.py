"""Horizontal collection with real processes: three ``veille run --role
collector`` and one ``veille run --role scheduler`` against the simulator,
the state in PostgreSQL, the posts held by one ``veille store serve-posts``
process that the collectors reach through veille's own ingest endpoint
(``[store] posts = "veille+http://…"``). One collector is SIGKILLed while it
holds a source. At the end: every published post stored exactly once, no
source held by two collectors at once (the lease log), the killed
collector's source taken over, every outbox row sent and each (alert, post)
received under one delivery id.

The posts server keeps its posts in chDB (in SQLite where chdb is not
installed): one process opens a chDB path, which is why the collectors go
through the endpoint. The same run again with every process writing to a
ClickHouse server over HTTP (``clickhouse://``, as production does): the
session's server (``tests/conftest.py::clickhouse_url``).
"""

from __future__ import annotations

import collections
import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import clickhouse_posts_url
from tests.reliability.harness import Hooks, alert_queries
from tests.scale.conftest import split_root
from veille.alerts.model import Alert, AlertBook
from veille.services.sources import add_source
from veille.sim.feeds import FEED_PLATFORMS
from veille.sim.generate import SimConfig, generate_posts
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.store.registry import open_store
from veille.workspace import Workspace

pytestmark = pytest.mark.slow

VEILLE = [sys.executable, "-c", "from veille.cli import main; main()"]
try:
    import chdb  # noqa: F401

    POSTS_URL = "chdb:///posts"
except ImportError:
    POSTS_URL = "sqlite:///posts.db"
# Long enough that the collectors walk the feeds while posts come and one is
# killed among them; the takeover itself is waited for, not timed.
PUBLISH_SECONDS = 10.0
# Short, so the killed collector's source is taken over within the test; a
# heartbeat late on a loaded machine renews a lease nobody took over.
LEASE_SECONDS = 5.0


def _env(ws: Path) -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    return dict(
        os.environ, VEILLE_ALLOW_PRIVATE_NETWORKS="1", VEILLE_WORKSPACE=str(ws), PYTHONPATH=path
    )


def _wait(
    what: str, done: Callable[[], bool], seconds: float, why: Callable[[], str] = str
) -> None:
    """Wait for ``done``; on a timeout, fail saying ``what`` and ``why()``
    (each process's exit code and the tail of their log: a timeout under
    load said only what it waited for)."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} ({seconds:g} s){why()}")
        time.sleep(0.1)


def _said(procs: list[tuple[str, subprocess.Popen[bytes]]], log: Path, lines: int = 60) -> str:
    """Each process (its role, its pid) with its exit code or "running", and
    the last ``lines`` lines of the processes' shared log."""
    states = []
    for name, proc in procs:
        code = proc.poll()
        states.append(f"  {name} (pid {proc.pid}): {'running' if code is None else code}")
    tail = log.read_bytes().decode("utf-8", "replace").splitlines()[-lines:]
    return "\nprocesses:\n" + "\n".join(states) + f"\nlast of {log.name}:\n" + "\n".join(tail)


def _taken_over(grants: list[Any], pid: int) -> int:
    """How many times a source the collector ``pid`` held was next granted to
    another holder (``grants``: the lease log, oldest first)."""
    by_source: dict[str, list[Any]] = collections.defaultdict(list)
    for g in grants:
        by_source[g.name].append(g)
    return sum(
        1
        for held in by_source.values()
        for before, after in itertools.pairwise(held)
        if f":{pid}:" in before.holder and after.holder != before.holder
    )


@pytest.fixture
def world() -> Iterator[tuple[SimWorld, Simulator]]:
    now = datetime.now(UTC).replace(microsecond=0)
    cfg = SimConfig(
        seed=11, days=2, end=now + timedelta(days=1), posts_per_day=150, spike_day=1,
        spike_posts=15,
    )  # fmt: skip
    sim_world = SimWorld(generate_posts(cfg), SimClock(now, 0.0))
    sim = Simulator(sim_world).start()
    try:
        yield sim_world, sim
    finally:
        sim.stop()


@pytest.mark.parametrize("posts", ["served", "clickhouse"])
def test_three_collectors_one_killed_one_scheduler(
    tmp_path: Path,
    state_url: str,
    world: tuple[SimWorld, Simulator],
    posts: str,
    request: pytest.FixtureRequest,
) -> None:
    sim_world, sim = world
    hooks = Hooks()
    procs: list[subprocess.Popen[bytes]] = []
    named: list[tuple[str, subprocess.Popen[bytes]]] = []  # for what a timeout says
    log_path = tmp_path / "processes.log"
    logs = log_path.open("ab")
    try:
        if posts == "clickhouse":
            # Every process writes to the ClickHouse server itself.
            pytest.importorskip("chdb")
            posts_url = clickhouse_posts_url(posts, tmp_path, request)
        else:
            # The process holding the posts, and its address. The server's
            # own state is never used; its URL only completes [store].
            posts_root = split_root(tmp_path / "posts-ws", "sqlite:///unused.db", POSTS_URL)
            server = subprocess.Popen(
                [*VEILLE, "store", "serve-posts", "--port", "0"],
                env=_env(posts_root),
                stdout=subprocess.PIPE,
                stderr=logs,
            )
            procs.append(server)
            named.append(("store serve-posts", server))
            assert server.stdout is not None
            line = server.stdout.readline().decode()
            found = re.search(r"veille\+http://[\d.]+:\d+", line)
            assert found, f"serve-posts printed {line!r}"
            posts_url = found.group(0)

        root = split_root(tmp_path / "ws", state_url, posts_url)
        with (root / "veille.toml").open("a", encoding="utf-8") as f:
            f.write(
                "\n[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 2.0\n"
                "dispatch_interval_seconds = 0.5\n"
            )
        hosts = [h for h in FEED_PLATFORMS if h in sim.hosts]
        with Workspace.open(root) as ws:
            for host in hosts:
                add_source(
                    ws.state, "feeds", sim.url(host, "/feeds/all.atom"), name=f"sim-{host}",
                    every="10s", options={"platform": FEED_PLATFORMS[host], "max_pages": "1000",
                                         "adaptive": "false"},
                )  # fmt: skip
            book = AlertBook(ws.state)
            for i, q in enumerate(alert_queries(sim_world, 20)):
                book.add(Alert(name=f"a{i}", query=q, channel_url=f"webhook+{hooks.url}"))

        def start(role: str) -> subprocess.Popen[bytes]:
            args = ["run", "--role", role, "--tick", "0.3", "--lease-seconds", str(LEASE_SECONDS)]
            proc = subprocess.Popen([*VEILLE, *args], env=_env(root), stdout=logs, stderr=logs)
            procs.append(proc)
            named.append((role, proc))
            return proc

        collectors = [start("collector") for _ in range(3)]
        start("scheduler")
        # The simulator publishes one more day over PUBLISH_SECONDS.
        sim_world.clock.speed = 86_400 / PUBLISH_SECONDS
        sim_world.clock.set(sim_world.clock.now())
        published_from = time.monotonic()

        with Workspace.open(root) as ws:
            # The victim is whichever collector is seen holding a source: the
            # first one started may lose every race for the sources to the
            # other two for a while (one pass takes every due source), which
            # says nothing of the takeover tested here. A collector that
            # died meanwhile fails the test, with its exit code.
            held_by: list[subprocess.Popen[bytes]] = []

            def a_collector_holds_a_source() -> bool:
                now = time.time()
                live = [x.holder for x in ws.state.leases() if x.expires_at > now]
                held_by[:] = [c for c in collectors if any(f":{c.pid}:" in h for h in live)]
                return bool(held_by)

            def why() -> str:
                grants = collections.Counter(g.holder for g in ws.state.lease_log())
                held = ", ".join(f"{h}: {n}" for h, n in sorted(grants.items())) or "none"
                return f"\nleases granted, by holder: {held}{_said(named, log_path)}"

            _wait("a collector to hold a source", a_collector_holds_a_source, 240, why)
            assert all(c.poll() is None for c in collectors), f"a collector exited{why()}"
            victim = held_by[0]
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            time.sleep(max(0.0, PUBLISH_SECONDS - (time.monotonic() - published_from)))
            end = sim_world.clock.now()
            sim_world.clock.speed = 0.0
            sim_world.clock.set(end)
            feeds = set(FEED_PLATFORMS.values())
            expected = {p.url for p in sim_world.visible(now=end) if p.platform in feeds}

            reader = open_store(posts_url, role="posts", root=tmp_path)
            try:

                def stored_urls() -> list[Any]:
                    return [p.url for p in reader.iter_posts()]

                _wait(
                    "every published post",
                    lambda: expected <= set(stored_urls()),
                    420,
                    lambda: (
                        f"\nmissing: {len(expected - set(stored_urls()))} of "
                        f"{len(expected)}{_said(named, log_path)}"
                    ),
                )

                def outbox_drained() -> bool:
                    # A batch the killed collector held (its posts stored, its
                    # state not) is finished by another collector later: its
                    # deliveries are queued then.
                    return not ws.state.pending_ingests() and not ws.state.list_deliveries(
                        ("pending", "sending"), limit=1
                    )

                # The victim's source is due again once its lease has run
                # out (LEASE_SECONDS); another collector takes it then, even
                # where the victim had walked it to the end before it died.
                _wait(
                    "the killed collector's source taken over",
                    lambda: _taken_over(ws.state.lease_log(), victim.pid) >= 1,
                    240,
                    why,
                )
                _wait("the outbox to drain", outbox_drained, 240, why)
                urls = stored_urls()
            finally:
                reader.close()
            # Every published post stored exactly once.
            counts = collections.Counter(urls)
            assert expected <= set(counts)
            assert [u for u, n in counts.items() if n > 1] == []

            # No source held by two collectors at once; the victim's taken over.
            grants = ws.state.lease_log()
            by_source: dict[str, list[Any]] = collections.defaultdict(list)
            for g in grants:
                by_source[g.name].append(g)
            for name, held in by_source.items():
                for before, after in itertools.pairwise(held):
                    assert before.ended_at is not None, f"{name}: grant {before.epoch} never ended"
                    assert after.acquired_at >= before.ended_at, f"{name}: two holders at once"
            assert _taken_over(grants, victim.pid) >= 1
            holders = {g.holder for g in grants}
            assert len(holders) >= 2  # the sources were shared

            # Every alert delivered, each (alert, post) under one delivery id.
            outbox = ws.state.list_deliveries(limit=1_000_000)
            assert outbox and {d.status for d in outbox} <= {"sent", "skipped"}
            ids_of: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
            for delivery, alert, post_ids in hooks.seen:
                for pid in post_ids:
                    ids_of[(alert, pid)].add(delivery)
            assert all(len(ids) == 1 for ids in ids_of.values())
            sent = {(d.alert, d.post_id) for d in outbox if d.status == "sent"}
            assert sent <= set(ids_of), "an outbox row marked sent was never received"
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        hooks.stop()
        logs.close()
