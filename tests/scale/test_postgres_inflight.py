"""A write in flight when the PostgreSQL primary dies, with real parts: a
primary and its synchronous streaming replica on loopback ports,
``[store] state`` naming both (``target_session_attrs=read-write``).

To make the primary die mid-write every time, another connection holds a
lock the write needs (``LOCK TABLE … IN SHARE MODE``: reads go on, inserts
and updates wait); once PostgreSQL shows veille's statement waiting on it,
the primary is SIGKILLed and the replica promoted.

- ``veille serve``: a topic form (English) and an inbox note (French) sent
  while their insert waits answer 503 in their reader's language, nothing
  of them saved; sent again after the promotion, each is saved once.
- ``veille run``: a collection pass whose posts are stored (posts in
  SQLite) while its state transaction (filings, outbox rows, cursor) waits on the outbox.
  After the promotion the same daemon finishes that batch's state, resumes
  from its committed cursor, stores no post twice, and queues every post to
  the alert that matches them all: at least once, one delivery id each.
"""

from __future__ import annotations

import collections
import contextlib
import html
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.harness import VEILLE, Hooks
from tests.scale.conftest import split_root, started_pair
from tests.scale.test_multiprocess import _env
from tests.scale.test_postgres_failover_serve import _sign_in, _workspace
from veille.alerts.model import Alert, AlertBook
from veille.services.sources import add_source
from veille.sim.feeds import FEED_PLATFORMS
from veille.sim.generate import SimConfig, generate_posts
from veille.sim.server import SimClock, Simulator, SimWorld, default_specs
from veille.store.postgres.testing import TestServer, multi_host_url
from veille.workspace import Workspace

# Two servers (initdb, a base backup) per test: a primary is lost in each.
pytestmark = [pytest.mark.slow, pytest.mark.failover]

HOST = "mastodon"


@pytest.fixture
def pair() -> Iterator[tuple[TestServer, TestServer]]:
    """A primary and its synchronous replica (:func:`started_pair`); one
    pair per test, as each loses its primary."""
    with started_pair() as servers:
        yield servers


def _wait(what: str, done: Callable[[], bool], seconds: float, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{log()[-4000:]}")
        time.sleep(0.2)


class Blocker:
    """A connection to the primary holding ``table`` in SHARE mode: veille's
    reads go on, its inserts and updates of that table wait."""

    def __init__(self, url: str, table: str) -> None:
        import psycopg

        self.url = url
        self.conn = psycopg.connect(url)
        self.conn.execute(f"LOCK TABLE {table} IN SHARE MODE")

    def waiting(self, table: str) -> bool:
        """Whether a statement of another session waits on a lock of ``table``."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE NOT l.granted AND c.relname = %s",
                (table,),
            ).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the server it spoke to is gone
            self.conn.close()


def _in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    return thread, out


def test_a_form_in_flight_when_the_primary_dies_answers_503_then_saves_once(
    tmp_path: Path, pair: tuple[TestServer, TestServer]
) -> None:
    from veille.inbox import items

    primary, replica = pair
    url = multi_host_url(primary, replica)
    root, item, _token = _workspace(tmp_path / "ws", url)
    err = tmp_path / "stderr.log"
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    with err.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "veille", "serve", "--port", "0", "-w", str(root)],
            env=env, stdout=subprocess.PIPE, stderr=sink, text=True,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            base = next(line.split()[1] for line in proc.stdout if line.startswith("open "))
            log = lambda: err.read_text("utf-8", errors="replace")  # noqa: E731
            with (
                httpx.Client(base_url=base, timeout=120) as en,
                httpx.Client(base_url=base, timeout=120) as fr,
            ):
                en_csrf, fr_csrf = _sign_in(en, "ana"), _sign_in(fr, "zoe")
                switched = fr.post("/language", data={"csrf_token": fr_csrf, "lang": "fr",
                                                      "next": "/"})  # fmt: skip
                assert switched.status_code == 303
                # Both writes wait on a lock held by another session.
                topics = Blocker(primary.url, "topics")
                notes = Blocker(primary.url, "inbox_events")
                form, made = _in_thread(lambda: en.post("/topics/new", data={
                    "csrf_token": en_csrf, "name": "inflight", "query": "lumio"}))  # fmt: skip
                _wait("the topic's insert to wait", lambda: topics.waiting("topics"), 60, log)
                note, noted = _in_thread(lambda: fr.post(f"/inbox/{item}/note", data={
                    "csrf_token": fr_csrf, "text": "en vol"}))  # fmt: skip
                _wait("the note's insert to wait", lambda: notes.waiting("inbox_events"), 60, log)

                primary.kill()  # mid-write: the statements were sent, not answered
                topics.close()
                notes.close()
                form.join(120)
                note.join(120)
                assert made and noted, log()
                replica.promote()
                began = time.monotonic()
                while en.get("/topics").status_code != 200:
                    assert time.monotonic() - began < 120, log()
                    time.sleep(0.3)
                resent = en.post("/topics/new", data={"csrf_token": en_csrf, "name": "inflight",
                                                      "query": "lumio"})  # fmt: skip
                renoted = fr.post(f"/inbox/{item}/note",
                                  data={"csrf_token": fr_csrf, "text": "en vol"})  # fmt: skip
            assert proc.poll() is None, log()  # up all along
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    said = {"topic": (made[0].status_code, html.unescape(made[0].text)[:600]),
            "note": (noted[0].status_code, html.unescape(noted[0].text)[:600])}  # fmt: skip
    # In flight when the primary died: 503 in the reader's language.
    assert made[0].status_code == 503 and noted[0].status_code == 503, said
    assert made[0].headers.get("retry-after") and noted[0].headers.get("retry-after"), said
    assert "state store is unreachable" in html.unescape(made[0].text), said
    assert "la base d’état est injoignable" in html.unescape(noted[0].text), said
    for response in (made[0], noted[0]):
        assert "Traceback" not in response.text and primary.url not in response.text, said
    assert "Traceback" not in log(), log()
    # Sent again on the new primary: saved, once.
    assert resent.status_code == 303, resent.text[:2000]
    assert renoted.status_code == 303, renoted.text[:2000]
    import psycopg

    with psycopg.connect(replica.url, autocommit=True) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM topics ORDER BY name")]
    assert names == ["inflight", "lumio"], names
    with Workspace.open(root) as ws:
        written = [e.detail for e in items.events(ws.state, item) if e.action == "note"]
    assert written == ["en vol"], written


def _post_ids(db: Path, column: str = "id") -> list[str]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return [i for (i,) in conn.execute(f"SELECT {column} FROM posts")]
    except sqlite3.Error:
        return []


def _cursor_moved(url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            row = conn.execute("SELECT coalesce(max(updated_at), 0) FROM cursors").fetchone()
    except psycopg.Error:
        return 0
    return int(row[0]) if row else 0


def _unsent(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending')"
        ).fetchone()
    return int(row[0]) if row else 0


def test_a_batch_in_flight_when_the_primary_dies_is_finished_on_the_new_primary(
    tmp_path: Path, pair: tuple[TestServer, TestServer]
) -> None:
    primary, replica = pair
    now = datetime.now(UTC).replace(microsecond=0)
    cfg = SimConfig(seed=11, days=2, end=now + timedelta(days=1), posts_per_day=200,
                    spike_day=1, spike_posts=0)  # fmt: skip
    world = SimWorld(generate_posts(cfg), SimClock(now, 0.0))
    specs = [s for s in default_specs() if s.name == HOST]
    hooks = Hooks()
    url = multi_host_url(primary, replica)
    root = split_root(tmp_path / "ws", url)
    with (root / "veille.toml").open("a", encoding="utf-8") as f:
        f.write("\n[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 2.0\n"
                "dispatch_interval_seconds = 0.5\n")  # fmt: skip
    err = tmp_path / "daemon.log"
    log = lambda: err.read_text("utf-8", errors="replace")  # noqa: E731
    db = root / "posts.db"
    platform = FEED_PLATFORMS[HOST]
    with Simulator(world, specs) as sim, err.open("wb") as sink:
        with Workspace.open(root) as ws:
            add_source(
                ws.state, "feeds", sim.url(HOST, "/feeds/all.atom"), name=f"sim-{HOST}",
                every="10s", options={"platform": platform, "max_pages": "1000",
                                      "adaptive": "false"},
            )  # fmt: skip
            AlertBook(ws.state).add(
                Alert(name="all", query=f"platform:{platform}", channel_url=f"webhook+{hooks.url}")
            )
        proc = subprocess.Popen([*VEILLE, "run", "--tick", "0.3"], env=_env(root),
                                stdout=subprocess.DEVNULL, stderr=sink)  # fmt: skip
        blocker: Blocker | None = None
        try:
            _wait("the first pass's cursor", lambda: _cursor_moved(primary.url) > 0, 120, log)
            _wait("the first pass's alerts sent", lambda: _unsent(primary.url) == 0, 120, log)
            first = set(_post_ids(db))
            assert first
            # The next pass stores its posts, then its state transaction
            # (filings, outbox rows, cursor) waits to queue them.
            blocker = Blocker(primary.url, "deliveries")
            world.clock.set(now + timedelta(hours=6))
            _wait("the next pass's state to wait on the outbox",
                  lambda: blocker is not None and blocker.waiting("deliveries")
                  and set(_post_ids(db)) > first, 120, log)  # fmt: skip
            stored = set(_post_ids(db))
            start = len(log())
            primary.kill()  # mid-commit: the state's statements sent, not answered
            blocker.close()
            replica.promote()
            promoted = int(time.time())
            _wait("a cursor written to the new primary",
                  lambda: _cursor_moved(replica.url) >= promoted, 120, log)  # fmt: skip
            end = now + timedelta(hours=20)
            world.clock.set(end)
            expected = {p.url for p in world.visible(now=end) if p.platform == platform}
            _wait("every published post",
                  lambda: expected <= set(_post_ids(db, "url")), 180, log)  # fmt: skip
            with Workspace.open(root) as ws:

                def drained() -> bool:
                    return not ws.state.pending_ingests() and not ws.state.list_deliveries(
                        ("pending", "sending"), limit=1
                    )

                _wait("the outbox to drain", drained, 120, log)
                outbox = ws.state.list_deliveries(limit=1_000_000)
            assert proc.poll() is None, log()  # up all along
        finally:
            if blocker is not None:
                blocker.close()
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            hooks.stop()
    ids = _post_ids(db)
    counts = collections.Counter(ids)
    assert [i for i, n in counts.items() if n > 1] == []  # no post stored twice
    # Every stored post queued to the alert, the in-flight batch's included.
    queued = collections.Counter(d.post_id for d in outbox)
    assert [i for i, n in queued.items() if n > 1] == []
    missing = set(ids) - set(queued)
    assert not missing, f"{len(missing)} stored posts never queued, {len(stored - first)} in flight"
    assert {d.status for d in outbox} <= {"sent", "skipped"}
    ids_of: dict[str, set[str]] = collections.defaultdict(set)
    for delivery, _alert, post_ids in hooks.seen:
        for pid in post_ids:
            ids_of[pid].add(delivery)
    assert all(len(d) == 1 for d in ids_of.values()), ids_of
    sent = {d.post_id for d in outbox if d.status == "sent"}
    assert sent <= set(ids_of), "an outbox row marked sent was never received"
    outage = log()[start:]
    assert "Traceback" not in outage, outage
    print(f"\nin-flight batch: {len(stored - first)} posts stored while the state waited; "
          f"the log:\n{outage[-3000:]}")  # fmt: skip


@pytest.mark.parametrize("webhook", ["down", "up"])
def test_posts_whose_state_an_async_replica_lost_are_queued_again(
    tmp_path: Path, async_pair: tuple[TestServer, TestServer], webhook: str
) -> None:
    """Asynchronous replication: the replica stops receiving (as one lagging
    does), a pass stores its posts and commits its state (filings, outbox
    rows, cursor) on the primary alone, the webhook down (their alerts not
    sent yet) or up (sent, and marked sent on the primary only); the
    primary dies, the replica is promoted without those commits. The posts
    are in the posts store, their state is not: each must still be queued
    and delivered, and a receiver dropping repeats by delivery id must still
    get every post."""
    primary, replica = async_pair
    now = datetime.now(UTC).replace(microsecond=0)
    cfg = SimConfig(seed=13, days=2, end=now + timedelta(days=1), posts_per_day=200,
                    spike_day=1, spike_posts=0)  # fmt: skip
    world = SimWorld(generate_posts(cfg), SimClock(now, 0.0))
    specs = [s for s in default_specs() if s.name == HOST]
    hooks = Hooks()
    url = multi_host_url(primary, replica)
    root = split_root(tmp_path / "ws", url)
    with (root / "veille.toml").open("a", encoding="utf-8") as f:
        f.write("\n[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 2.0\n"
                "dispatch_interval_seconds = 0.5\n")  # fmt: skip
    err = tmp_path / "daemon.log"
    log = lambda: err.read_text("utf-8", errors="replace")  # noqa: E731
    db = root / "posts.db"
    platform = FEED_PLATFORMS[HOST]
    with Simulator(world, specs) as sim, err.open("wb") as sink:
        with Workspace.open(root) as ws:
            add_source(
                ws.state, "feeds", sim.url(HOST, "/feeds/all.atom"), name=f"sim-{HOST}",
                every="10s", options={"platform": platform, "max_pages": "1000",
                                      "adaptive": "false"},
            )  # fmt: skip
            AlertBook(ws.state).add(
                Alert(name="all", query=f"platform:{platform}", channel_url=f"webhook+{hooks.url}")
            )
        proc = subprocess.Popen([*VEILLE, "run", "--tick", "0.3"], env=_env(root),
                                stdout=subprocess.DEVNULL, stderr=sink)  # fmt: skip
        try:
            _wait("the first pass's cursor on the replica",
                  lambda: _cursor_moved(replica.url) > 0, 120, log)  # fmt: skip
            _wait("the first pass's alerts sent", lambda: _unsent(primary.url) == 0, 120, log)
            replica.cut_off()  # from here the primary's commits stay on it
            first = set(_post_ids(db))
            hooks.fail_share = 1.0 if webhook == "down" else 0.0
            cut = _cursor_moved(primary.url)
            world.clock.set(now + timedelta(hours=6))
            _wait("the next pass's state committed on the primary alone",
                  lambda: _cursor_moved(primary.url) > cut, 120, log)  # fmt: skip
            lost = set(_post_ids(db)) - first
            assert lost
            if webhook == "down":
                assert _unsent(primary.url) >= len(lost)
            else:  # sent before the primary died: their outbox rows say so, there only
                _wait("the pass's alerts sent", lambda: _unsent(primary.url) == 0, 120, log)
            start = len(log())
            primary.kill()
            replica.promote()
            hooks.fail_share = 0.0  # the webhook is back
            promoted = int(time.time())
            _wait("a cursor written to the new primary",
                  lambda: _cursor_moved(replica.url) >= promoted, 120, log)  # fmt: skip
            end = now + timedelta(hours=20)
            world.clock.set(end)
            expected = {p.url for p in world.visible(now=end) if p.platform == platform}
            _wait("every published post",
                  lambda: expected <= set(_post_ids(db, "url")), 180, log)  # fmt: skip
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
    ids = _post_ids(db)
    assert len(ids) == len(set(ids))  # no post stored twice
    queued = {d.post_id for d in outbox}
    missing = lost - queued
    assert not missing, (
        f"{len(missing)} of the {len(lost)} posts whose state the replica lost never queued"
    )
    # A receiver that drops repeats by delivery id: the first body of each id.
    kept: dict[str, set[str]] = {}
    for delivery, _alert, post_ids in hooks.seen:
        kept.setdefault(delivery, set(post_ids))
    received = set().union(*kept.values()) if kept else set()
    sent = {d.post_id for d in outbox if d.status == "sent"}
    dropped = sent - received
    assert not dropped, f"{len(dropped)} posts sent under a delivery id already used"
    assert (set(ids) - received) <= {d.post_id for d in outbox if d.status == "skipped"}
    assert "Traceback" not in log()[start:], log()[start:]
    said = [line for line in log()[start:].splitlines() if "filed and queued again" in line]
    assert said, log()[start:]
    print(f"\nasynchronous loss: {len(lost)} posts stored whose state the promoted replica "
          f"lacked, all queued and delivered; the log said:\n" + "\n".join(said))  # fmt: skip
