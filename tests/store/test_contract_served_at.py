"""Where the web app is served, as the StateStore keeps it for the senders
of every process and machine sharing the state (veille.served_at): run over
every backend keeping state (SQLite, PostgreSQL)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from veille.served_at import (
    STALE_SECONDS,
    Recording,
    record_name,
    records,
    served_url,
)
from veille.store import StateStore
from veille.workspace import Workspace, init_workspace

HERE = "http://127.0.0.1:8812"


def _gone_pid() -> int:
    """The id of a process of this machine that has exited."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_record_is_live_while_renewed_and_gone_once_released(state_store: StateStore) -> None:
    assert served_url(state_store) is None
    server = Recording(None, HERE)
    server.beat_once(state_store)
    (live,) = records(state_store)
    assert (live.url, live.host, live.pid) == (HERE, socket.gethostname(), os.getpid())
    assert served_url(state_store) == HERE

    # Not renewed for STALE_SECONDS (a killed server, elsewhere): no one's.
    later = float(state_store.clock()) + STALE_SECONDS + 1
    assert served_url(state_store, now=later) is None
    # Renewed by its heartbeat, it lives on from then.
    server.beat_once(state_store)
    (renewed,) = records(state_store)
    assert renewed.started_at == live.started_at and renewed.renewed_at >= live.renewed_at

    server.release(state_store)  # a clean stop
    assert served_url(state_store) is None
    assert records(state_store) == []


def test_the_server_started_last_wins(state_store: StateStore) -> None:
    first = Recording(None, "http://127.0.0.1:8001")
    first.beat_once(state_store)
    time.sleep(0.01)  # (two starts in one clock tick would tie)
    last = Recording(None, "http://127.0.0.1:8002")
    last.beat_once(state_store)
    assert served_url(state_store) == "http://127.0.0.1:8002"
    # Each renews its own; the first stays second.
    first.beat_once(state_store)
    assert [r.url for r in records(state_store)] == [
        "http://127.0.0.1:8002",
        "http://127.0.0.1:8001",
    ]
    last.release(state_store)
    assert served_url(state_store) == "http://127.0.0.1:8001"


def test_a_loopback_address_is_used_on_its_own_machine_only(state_store: StateStore) -> None:
    now = float(state_store.clock())
    loopback = "http://127.0.0.1:8000"
    held = state_store.acquire_lease(
        record_name(loopback, "elsewhere"), "elsewhere:4242:abc123", ttl=STALE_SECONDS, now=now
    )
    assert held is not None
    # A sender of this machine: 127.0.0.1 of another machine leads nowhere.
    assert served_url(state_store) is None
    # The sender beside it, on that machine, uses it.
    assert served_url(state_store, here="elsewhere") == loopback
    # A name other machines reach (`veille serve --host 0.0.0.0` records
    # its machine's name): every machine uses it.
    named = "http://elsewhere.example.org:8000"
    state_store.acquire_lease(
        record_name(named, "elsewhere"), "elsewhere:4243:def456", ttl=STALE_SECONDS, now=now
    )
    assert served_url(state_store) == named
    # This machine's own loopback server is seen by its senders, not by those
    # of the other machine (started last, it wins here).
    time.sleep(0.01)
    mine = Recording(None, HERE)
    mine.beat_once(state_store)
    assert served_url(state_store) == HERE
    assert served_url(state_store, here="elsewhere") == named


def test_a_killed_server_of_this_machine_is_no_ones_at_once(state_store: StateStore) -> None:
    now = float(state_store.clock())
    killed = f"{socket.gethostname()}:{_gone_pid()}:abc123"
    assert state_store.acquire_lease(record_name(HERE), killed, ttl=STALE_SECONDS, now=now)
    # Its record has not gone stale yet; its process is gone: not used.
    assert served_url(state_store) is None
    # A server started again at the same address (it holds the port now)
    # takes the record over at once.
    again = Recording(None, HERE)
    again.beat_once(state_store)
    (live,) = records(state_store)
    assert (live.url, live.pid) == (HERE, os.getpid())


@pytest.fixture(params=["sqlite", "postgresql"])
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """A workspace whose state is kept in SQLite, or in PostgreSQL."""
    root = tmp_path / "ws"
    if request.param == "postgresql":
        from veille.store.postgres.testing import fresh_schema_url

        state = fresh_schema_url(request.getfixturevalue("postgres_url"), tmp_path / "schema")
        root.mkdir()
        (root / "veille.toml").write_text(f'[store]\nstate = "{state}"\n', encoding="utf-8")
    with Workspace.open(init_workspace(root)) as ws:
        yield ws


def test_the_heartbeat_renews_the_record_until_the_server_stops(workspace: Workspace) -> None:
    server = Recording(workspace, HERE, beat=0.05).start()
    try:
        deadline = time.monotonic() + 60
        while True:  # taken, then renewed by the heartbeat alone
            found = records(workspace.state)
            if found and found[0].renewed_at > found[0].started_at:
                break
            assert time.monotonic() < deadline, found
            time.sleep(0.02)
        assert found[0].url == HERE
    finally:
        server.stop()
    assert records(workspace.state) == []
    assert served_url(workspace.state) is None


def test_a_state_store_that_does_not_answer_is_said_once_and_tried_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server goes on serving: its heartbeat says the failure once
    (never a thread's traceback) and tries again at the next beat."""
    import threading

    root = tmp_path / "ws"
    root.mkdir()
    (root / "veille.toml").write_text(
        '[store]\nstate = "postgresql://veille@127.0.0.1:9/veille?connect_timeout=1"\n',
        encoding="utf-8",
    )
    died: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: died.append(args.exc_value))
    with Workspace.open(root) as ws:
        server = Recording(ws, HERE, beat=0.05).start()
        deadline = time.monotonic() + 60
        while "recording where the web app is served failed" not in caplog.text:
            assert time.monotonic() < deadline, caplog.text
            time.sleep(0.05)
        time.sleep(0.3)  # (more beats, failing too)
        server.stop()
    assert died == []
    assert caplog.text.count("recording where the web app is served failed") == 1
