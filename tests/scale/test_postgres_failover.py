"""PostgreSQL failover with real processes, as an operator runs it: a
primary and a streaming replica (synchronous: the primary's commits wait
for the replica) started on loopback ports, ``[store] state`` naming both in
one libpq URL with ``target_session_attrs=read-write``, a ``veille run``
collecting from the simulator and sending alerts to a webhook. The primary
is SIGKILLed, the replica promoted (``pg_ctl promote``): the daemon stays
up, logs its failing passes in one line each, then writes to the new
primary without a restart; nothing committed before is lost, no post is
stored twice, each (alert, post) is received under one delivery id.

And veille pointed at the replica alone (read-only) by mistake: one clear
line naming the store and what to do, no traceback.
"""

from __future__ import annotations

import collections
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.reliability.harness import VEILLE, Hooks, alert_queries
from tests.scale.conftest import split_root
from tests.scale.test_multiprocess import _env
from veille.alerts.model import Alert, AlertBook
from veille.services.sources import add_source
from veille.sim.feeds import FEED_PLATFORMS
from veille.sim.generate import SimConfig, generate_posts
from veille.sim.server import SimClock, Simulator, SimWorld, default_specs
from veille.store.postgres.testing import (
    TestServer,
    multi_host_url,
)
from veille.workspace import Workspace

# Two servers (initdb, a base backup) and a daemon carried across a failover.
pytestmark = [pytest.mark.slow, pytest.mark.failover]

HOSTS = ("mastodon", "bluesky")


def _wait(what: str, done: Callable[[], bool], seconds: float, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{log()[-4000:]}")
        time.sleep(0.3)


def _post_urls(db: Path) -> list[str]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return [url for (url,) in conn.execute("SELECT url FROM posts")]
    except sqlite3.Error:
        return []


def _state(url: str) -> tuple[dict[str, str], set[int], int]:
    """What the server at ``url`` holds: each source's cursor, the outbox
    rows' ids, and when a cursor last moved (0 without one)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursors = {
            s: v for s, v, _ in conn.execute("SELECT source, value, updated_at FROM cursors")
        }
        moved = conn.execute("SELECT coalesce(max(updated_at), 0) FROM cursors").fetchone()
        outbox = {int(i) for (i,) in conn.execute("SELECT id FROM deliveries")}
    return cursors, outbox, int(moved[0]) if moved else 0


def test_veille_pointed_at_the_replica_says_so(
    tmp_path: Path, failover_pair: tuple[TestServer, TestServer]
) -> None:
    primary, replica = failover_pair
    with Workspace.open(split_root(tmp_path / "ok", primary.url)):
        pass  # the schema made on the primary, and so on the replica
    root = split_root(tmp_path / "ws", replica.url)
    for command in (["run", "--tick", "0.3"], ["source", "list"]):
        done = subprocess.run(
            [*VEILLE, *command], env=_env(root), capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip
        said = done.stdout + done.stderr
        assert done.returncode != 0, said
        assert "Traceback" not in said, said
        assert f"the PostgreSQL state store {replica.url} is read-only" in said, said
        assert "target_session_attrs=read-write" in said, said


def test_a_daemon_carries_on_across_a_failover(
    tmp_path: Path, failover_pair: tuple[TestServer, TestServer]
) -> None:
    primary, replica = failover_pair
    now = datetime.now(UTC).replace(microsecond=0)
    cfg = SimConfig(seed=7, days=2, end=now + timedelta(days=1), posts_per_day=200,
                    spike_day=1, spike_posts=0)  # fmt: skip
    world = SimWorld(generate_posts(cfg), SimClock(now, 0.0))
    specs = [s for s in default_specs() if s.name in HOSTS]
    hooks = Hooks()
    url = multi_host_url(primary, replica)
    root = split_root(tmp_path / "ws", url)
    with (root / "veille.toml").open("a", encoding="utf-8") as f:
        f.write("\n[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 2.0\n"
                "dispatch_interval_seconds = 0.5\n")  # fmt: skip
    err = tmp_path / "daemon.log"
    log = lambda: err.read_text("utf-8", errors="replace")  # noqa: E731
    db = root / "posts.db"
    with Simulator(world, specs) as sim, err.open("wb") as sink:
        with Workspace.open(root) as ws:
            for host in HOSTS:
                add_source(
                    ws.state, "feeds", sim.url(host, "/feeds/all.atom"), name=f"sim-{host}",
                    every="10s", options={"platform": FEED_PLATFORMS[host], "max_pages": "1000",
                                        "adaptive": "false"},
                )  # fmt: skip
            book = AlertBook(ws.state)
            for i, q in enumerate(alert_queries(world, 6)):
                book.add(Alert(name=f"a{i}", query=q, channel_url=f"webhook+{hooks.url}"))
        proc = subprocess.Popen([*VEILLE, "run", "--tick", "0.3"], env=_env(root),
                                stdout=subprocess.DEVNULL, stderr=sink)  # fmt: skip
        try:
            world.clock.speed = 86_400 / 40  # a day over 40 s
            world.clock.set(world.clock.now())
            _wait("posts and alerts before the failover",
                  lambda: bool(_post_urls(db)) and bool(hooks.seen), 120, log)  # fmt: skip
            before = _state(primary.url)
            assert before[0] and before[1]
            start = len(log())
            primary.kill()  # the primary's machine is lost
            _wait("the daemon to log the store away",
                  lambda: " ERROR veille." in log()[start:], 60, log)  # fmt: skip
            replica.promote()
            promoted, clock = int(time.time()), time.monotonic()
            # The daemon writes to the new primary: its cursors move there.
            _wait("a cursor written to the new primary",
                  lambda: _state(replica.url)[2] >= promoted, 120, log)  # fmt: skip
            resumed = time.monotonic() - clock
            _wait("the passes to work again", lambda: "works again" in log()[start:], 60, log)
            end = world.clock.now() + timedelta(hours=2)
            world.clock.speed = 0.0
            world.clock.set(end)
            feeds = {FEED_PLATFORMS[h] for h in HOSTS}
            expected = {p.url for p in world.visible(now=end) if p.platform in feeds}
            _wait("every published post", lambda: expected <= set(_post_urls(db)), 180, log)
            with Workspace.open(root) as ws:

                def drained() -> bool:
                    return not ws.state.pending_ingests() and not ws.state.list_deliveries(
                        ("pending", "sending"), limit=1
                    )

                _wait("the outbox to drain", drained, 120, log)
                outbox = ws.state.list_deliveries(limit=1_000_000)
            assert proc.poll() is None, log()  # up all along
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            hooks.stop()
    after = _state(replica.url)
    # Nothing committed before the failover is lost.
    assert set(before[0]) <= set(after[0])
    assert before[1] <= after[1]
    # Each post stored once; each (alert, post) under one delivery id.
    counts = collections.Counter(_post_urls(db))
    assert [u for u, n in counts.items() if n > 1] == []
    ids_of: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for delivery, alert, post_ids in hooks.seen:
        for pid in post_ids:
            ids_of[(alert, pid)].add(delivery)
    assert all(len(ids) == 1 for ids in ids_of.values()), ids_of
    assert {d.status for d in outbox} <= {"sent", "skipped"}
    sent = {(d.alert, d.post_id) for d in outbox if d.status == "sent"}
    assert sent <= set(ids_of), "an outbox row marked sent was never received"
    # The outage in a few lines naming the store, no traceback.
    outage = log()[start:]
    assert "Traceback" not in outage, outage
    errors = [line for line in outage.splitlines() if " ERROR veille." in line]
    assert errors and all(f"PostgreSQL state store {url}" in line for line in errors), errors
    said = [line for line in outage.splitlines() if " INFO " not in line or "again" in line]
    print(
        f"\nfailover: a cursor written to the new primary {resumed:.1f} s after the "
        f"promotion; {len(errors)} ERROR lines; the log:\n" + "\n".join(said)
    )
