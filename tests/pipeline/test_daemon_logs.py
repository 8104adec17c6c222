"""What a running ``veille run`` logs, as an operator reads it on a
collector's stderr (journald, a container log): one line per record with the
UTC time, the level and where it comes from; veille's records from
``VEILLE_LOG_LEVEL`` up."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.pipeline.test_daemon_live import VEILLE, _env, _until, _veille

if TYPE_CHECKING:
    from veille.store.postgres.testing import TestServer

LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WARNING veille\.cli\.sources: "
    r"source down failed after 0 new posts: cannot reach http://127\.0\.0\.1:\d+/feed\.atom",
    re.M,
)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_failing_source_is_logged_with_its_time_and_level(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _veille(tmp_path, "init", str(ws))
    url = f"http://127.0.0.1:{_closed_port()}/feed.atom"
    _veille(ws, "source", "add", "feeds", url, "--name", "down", "--every", "1h")
    err = tmp_path / "stderr.log"
    with err.open("wb") as sink:
        proc = subprocess.Popen(
            [*VEILLE, "run", "--tick", "0.2"], env=_env(ws), stdout=subprocess.DEVNULL, stderr=sink
        )
        try:
            end = time.monotonic() + 60
            while time.monotonic() < end and not LINE.search(err.read_text("utf-8")):
                time.sleep(0.2)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    text = err.read_text("utf-8")
    assert LINE.search(text), text
    assert "HTTP Request" not in text  # httpx's own INFO lines are left out


STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR) [\w.]+: ")


def test_a_postgresql_outage_is_one_line_per_failure_and_the_daemon_recovers(
    tmp_path: Path, stoppable_postgres: TestServer
) -> None:
    server = stoppable_postgres
    ws = tmp_path / "ws"
    _veille(tmp_path, "init", str(ws))
    toml = ws / "veille.toml"
    toml.write_text(
        toml.read_text("utf-8").replace(
            "[store]\n", f'[store]\nposts = "sqlite:///posts.db"\nstate = "{server.url}"\n', 1
        ),
        "utf-8",
    )
    url = f"http://127.0.0.1:{_closed_port()}/feed.atom"
    _veille(ws, "source", "add", "feeds", url, "--name", "before", "--every", "1h")
    err = tmp_path / "stderr.log"
    log = lambda: err.read_text("utf-8")  # noqa: E731
    with err.open("wb") as sink:
        proc = subprocess.Popen(
            [*VEILLE, "run", "--tick", "0.2"],
            env=_env(ws),
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        try:
            assert _until(lambda: "source before failed" in log()), log()
            port, start = server.port, len(log())
            server.stop()  # PostgreSQL goes away while the daemon runs
            failed = lambda: log()[start:].count(" ERROR veille.")  # noqa: E731
            assert _until(lambda: failed() >= 3, timeout=120), log()
            # Many more passes (one each 0.2 s) meet the server away: each
            # repeating step said it once, not once per pass.
            time.sleep(5)
            for step in ("collection pass", "account snapshot", "outbox worker's round"):
                assert log()[start:].count(f"{step} failed") <= 1, log()[start:]
            assert log()[start:].count("collection pass failed") == 1, log()[start:]
            server.port = port
            server.start()
            _veille(ws, "source", "add", "feeds", url, "--name", "after", "--every", "1h")
            assert _until(lambda: "source after failed" in log(), timeout=180), log()
            assert "collection pass works again after" in log()[start:], log()[start:]
            assert proc.poll() is None  # up all along
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    outage = log()[start:]
    assert "Traceback" not in outage, outage
    lines = [line for line in outage.splitlines() if line.strip()]
    assert all(STAMP.match(line) for line in lines), outage  # one line per record
    errors = [line for line in lines if " ERROR veille." in line]
    assert errors and all(
        f"PostgreSQL state store {server.url}" in line and "Check that the server runs" in line
        for line in errors
    ), errors


def test_an_unknown_log_level_is_refused_before_anything_runs(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _veille(tmp_path, "init", str(ws))
    env = {**_env(ws), "VEILLE_LOG_LEVEL": "loud"}
    done = subprocess.run(
        [*VEILLE, "run"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode != 0
    assert "VEILLE_LOG_LEVEL='LOUD' is not a level" in done.stderr + done.stdout
    assert "DEBUG, INFO, WARNING, ERROR" in done.stderr + done.stdout


def test_a_failure_the_daemon_outlives_is_one_line_and_a_bug_keeps_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from veille.errors import StoreError, log_failure

    log = logging.getLogger("veille.test")
    gone = StoreError(
        "the store did not answer: connection refused\n\tIs the server running?",
        hint="Check that the server runs.",
    )
    with caplog.at_level(logging.DEBUG, logger="veille"):
        log_failure(log, "collection pass failed", gone, "The next pass tries again.")
        log_failure(log, "collection pass failed", KeyError("x"), "The next pass tries again.")
    store, debug, bug = caplog.records
    assert store.levelname == "ERROR" and store.exc_info is None
    assert store.getMessage() == (
        "collection pass failed: the store did not answer: connection refused "
        "Is the server running? Check that the server runs. The next pass tries again."
    )
    assert debug.levelname == "DEBUG" and debug.exc_info is not None  # the traceback
    assert bug.levelname == "ERROR" and bug.exc_info is not None


def test_a_failure_that_repeats_is_said_again_only_every_five_minutes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from veille.errors import DiskFull, RepeatedFailures, StoreUnavailable

    now = [0.0]
    log = logging.getLogger("veille.test")
    passes = RepeatedFailures(log, "collection pass failed", "The next pass tries again.",
                              clock=lambda: now[0])  # fmt: skip
    with caplog.at_level(logging.INFO, logger="veille"):
        for _ in range(100):  # a pass every 2 s for 200 s: one line
            passes.failed(StoreUnavailable("the state store did not answer"))
            now[0] += 2
        now[0] = 301
        passes.failed(StoreUnavailable("the state store did not answer"))  # five minutes on
        passes.failed(DiskFull("the disk is full"))  # another failure: said at once
        passes.succeeded()
        passes.succeeded()
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert said == [
        "collection pass failed: the state store did not answer. The next pass tries again.",
        "collection pass failed: the state store did not answer. The next pass tries again. "
        "(101 failures in a row.)",
        "collection pass failed: the disk is full. The next pass tries again.",
        "collection pass works again after 102 failures in a row",
    ]


def test_the_stop_asked_by_a_signal_takes_no_lock() -> None:
    """A signal handler runs between two bytecodes of the main thread, which
    may be holding the stop event's lock at that moment (an Event's wait
    holds it for moments): the handler's ``set`` then waited for it for
    ever, and ``veille run`` never stopped on SIGTERM (seen once in CI)."""
    import signal
    import threading

    from veille.pipeline.daemon import DaemonState, _stopping

    state = DaemonState()
    with state.stop._cond:  # type: ignore[attr-defined]  # held, as by a wait
        handler = threading.Thread(target=_stopping, args=(state, signal.SIGTERM), daemon=True)
        handler.start()
        handler.join(timeout=2)
        assert not handler.is_alive()
    assert state.stop.is_set() and state.stop.wait(0)
