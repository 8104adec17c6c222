"""An erasure still running in another process (a long ``veille privacy
erase``: a person with many posts on a big store) used to be taken over by
``veille run`` once it had begun ``[privacy] erasure_resume_minutes`` ago:
the same erasure ran twice at once, and the erasure log had two entries.
Now an erasure runs under a lease of the state store, renewed by a
heartbeat while it runs: ``veille run`` leaves a running one to its process
(and says so, naming the person by the keyed hash only), a second ``veille
privacy erase`` of the same person is refused, and a killed one is taken
over at once. Two real processes, on SQLite and with the state in
PostgreSQL; the erasure is the real command, deleting one post per
transaction and held between two of them (its lease's heartbeat running)
until the test lets it go: caught running for sure, however loaded the
machine, without thousands of posts to outlast the other process's start."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.pipeline.test_daemon_live import VEILLE, _env
from tests.test_erasure_killed import _cli
from tests.test_erasure_leases import _imported
from tests.test_erasure_unfinished import _finished_by_run, _resume_at_once
from veille.cli import build_app
from veille.workspace import Workspace

POSTS = 30

# The real command, its erasure deleting one post per transaction (the chunk
# size), held after its second post's transaction has committed (the write
# lock free, its heartbeat renewing its lease) until the file "go" exists
# beside the workspace; it touches "held" as it waits.
_HELD = """
import sys, time
from contextlib import contextmanager
from pathlib import Path
from veille.store.sqlite import privacy
from veille.store.sqlite.store import SQLiteStore

ws = Path(sys.argv[1])
held, go = ws.parent / "held", ws.parent / "go"
privacy.ERASE_CHUNK = 1
deleted = [0]
real_unlink, real_transaction = privacy.unlink_posts, SQLiteStore.transaction

def unlink(conn, part, removed):
    deleted[0] += len(part)
    return real_unlink(conn, part, removed)

@contextmanager
def transaction(self):
    with real_transaction(self) as tx:
        yield tx
    if deleted[0] == 2 and not held.exists():
        held.touch()
        while not go.exists():
            time.sleep(0.02)

privacy.unlink_posts = unlink
SQLiteStore.transaction = transaction
from veille.cli import build_app
build_app()(["privacy", "erase", "--author", "claire", "--yes", "--workspace", str(ws)])
"""


def _workspace(tmp_path: Path, request: pytest.FixtureRequest, state: str) -> Path:
    authors = [*((n, "claire") for n in range(POSTS)), (POSTS, "bob")]
    return _imported(tmp_path, request, state, authors)


def _eraser(ws: Path, tmp_path: Path) -> subprocess.Popen[str]:
    """``veille privacy erase --author claire`` in a process of its own, held
    midway (two of her posts deleted, the erasure recorded unfinished) until
    :func:`_let_go`."""
    err = (tmp_path / "erase.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", _HELD, str(ws)], env=_env(ws), stdout=err, stderr=err, text=True
    )
    end = time.monotonic() + 120
    while time.monotonic() < end:
        assert proc.poll() is None, (tmp_path / "erase.log").read_text("utf-8")
        if (ws.parent / "held").exists():
            with Workspace.open(ws) as w:
                assert w.state.unfinished_erasures(), "held before the erasure was recorded"
            return proc
        time.sleep(0.02)
    proc.kill()
    raise AssertionError("the erasure never began")


def _let_go(ws: Path) -> None:
    (ws.parent / "go").touch()


@pytest.mark.parametrize("state", ["sqlite", "postgresql"])
def test_a_running_erasure_is_left_to_its_process_and_not_run_twice(
    state: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    ws = _workspace(tmp_path, request, state)
    _resume_at_once(ws)  # the most eager setting: take over at the next pass
    eraser = _eraser(ws, tmp_path)
    run_log = tmp_path / "run.log"
    try:
        with run_log.open("w", encoding="utf-8") as sink:
            daemon = subprocess.Popen(
                [*VEILLE, "run", "--role", "scheduler", "--tick", "0.3"],
                env=_env(ws), stdout=subprocess.DEVNULL, stderr=sink,
            )  # fmt: skip
            try:
                end = time.monotonic() + 180
                while eraser.poll() is None and time.monotonic() < end:
                    if "is running in process" in run_log.read_text("utf-8"):
                        break
                    assert daemon.poll() is None, run_log.read_text("utf-8")
                    time.sleep(0.05)
                said = run_log.read_text("utf-8")
                assert "is running in process" in said, said
                # By hand meanwhile: refused, saying why and what to do.
                again = CliRunner().invoke(
                    build_app(),
                    ["privacy", "erase", "--author", "claire", "--yes", "--workspace", str(ws)],
                )
                assert again.exit_code == 1, again.output
                assert "is running in another process" in again.stderr
                assert "Wait for it to end" in again.stderr
                _let_go(ws)
                assert eraser.wait(300) == 0, (tmp_path / "erase.log").read_text("utf-8")
                time.sleep(1.5)  # a few more passes, with the erasure done
            finally:
                daemon.send_signal(signal.SIGTERM)
                daemon.wait(60)
    finally:
        if eraser.poll() is None:
            eraser.kill()
            eraser.wait(60)

    said = run_log.read_text("utf-8")
    assert "finished:" not in said and "claire" not in said
    log = json.loads(_cli(ws, "privacy", "log", "--kind", "author", "--format", "json"))
    assert [(e["kind"], e["posts"]) for e in log] == [("author", POSTS)]  # one process did it all
    with Workspace.open(ws) as w:
        assert w.posts.author_post_ids("claire", None) == []
        assert len(w.posts.author_post_ids("bob", None)) == 1
        assert w.state.unfinished_erasures() == []
        assert not [x for x in w.state.leases() if x.name.startswith("erasure:") and x.holder]


@pytest.mark.parametrize("state", ["sqlite", "postgresql"])
def test_a_killed_erasure_is_taken_over_at_once(
    state: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    ws = _workspace(tmp_path, request, state)
    eraser = _eraser(ws, tmp_path)
    os.kill(eraser.pid, signal.SIGKILL)
    eraser.wait(60)
    with Workspace.open(ws) as w:
        assert w.posts.author_post_ids("claire", None) != []  # the kill left some
        [held] = [x for x in w.state.leases() if x.name.startswith("erasure:")]
        assert held.holder  # never released: its process was killed

    run_log = _finished_by_run(ws, tmp_path)
    assert "is running in process" not in run_log
    log = json.loads(_cli(ws, "privacy", "log", "--kind", "author", "--format", "json"))
    assert [e["kind"] for e in log] == ["author"]
    with Workspace.open(ws) as w:
        assert w.posts.author_post_ids("claire", None) == []
        assert len(w.posts.author_post_ids("bob", None)) == 1
        assert w.state.unfinished_erasures() == []


def test_a_live_eraser_whose_heartbeat_was_held_up_is_not_taken_over(tmp_path: Path) -> None:
    """On SQLite an erasure's own chunks keep the write lock, and its
    heartbeat may find the gaps between them late: its lease runs out while
    its process still runs. Such a lease, of a process of this machine that
    still runs, is left to it; one whose process has exited is taken over."""
    import socket

    from veille.services.privacy import (
        ERASURE_HELD_HERE_SECONDS,
        ErasureRunning,
        erase_author,
        erasure_lease,
        finish_erasures,
        subject_of,
    )

    ws = tmp_path / "ws"
    CliRunner().invoke(build_app(), ["init", str(ws)])
    src = tmp_path / "in.jsonl"
    row = {"platform": "mastodon", "id": "1", "text": "La fibre", "author": {"handle": "claire"}}
    row["published_at"] = datetime.now(UTC).isoformat()
    src.write_text(json.dumps(row) + "\n", encoding="utf-8")
    _cli(ws, "import", str(src))
    _resume_at_once(ws)
    gone = subprocess.Popen(["true"])
    gone.wait()
    with Workspace.open(ws) as w:
        state = w.state
        name = erasure_lease(subject_of(state, "claire", None))
        w.state.begin_erasure("claire", None)
        # Its lease ran out 30 s ago, its process (this one) runs on.
        alive = f"{socket.gethostname()}:{os.getpid()}:held"
        assert state.acquire_lease(name, alive, ttl=1, now=state.clock() - 31) is not None
        [(_, got)] = finish_erasures(w)
        assert isinstance(got, ErasureRunning) and got.holder == alive
        with pytest.raises(ErasureRunning) as refused:
            erase_author(w, "claire")
        assert w.posts.author_post_ids("claire", None) != []
        # What it says is true: left to its process until ERASURE_HELD_HERE_SECONDS
        # after its last heartbeat (31 s ago), not the lease's 60 s.
        said = re.search(r"within (\d+) seconds", str(refused.value.hint))
        assert said is not None and int(said[1]) >= ERASURE_HELD_HERE_SECONDS - 31 - 5

        # Its process has exited: taken over at once.
        dead = f"{socket.gethostname()}:{gone.pid}:gone"
        state.release_lease(name, alive, now=state.clock())
        assert state.acquire_lease(name, dead, ttl=60, now=state.clock()) is not None
        [(_, got)] = finish_erasures(w)
        assert not isinstance(got, Exception) and got.posts == 1
        assert w.posts.author_post_ids("claire", None) == []
        assert w.state.unfinished_erasures() == []
