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

from tests.pipeline.test_daemon_live import VEILLE, _env, _veille

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
