"""``veille serve`` while its posts store (a ClickHouse server over HTTP) is
away and its state store (PostgreSQL) answers: ``/healthz`` tells a load
balancer which part is down, the API and pages answer 503 naming the posts
store (never a 500 with the server's address), each failure is one line in
the log, and the same process serves again once the server is back."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_state_outage import STAMP, _workspace

pytest.importorskip("chdb", reason="chdb is not installed (the clickhouse extra)")
pytest.importorskip("clickhouse_connect", reason="clickhouse-connect is not installed")

SRC = str(Path(__file__).resolve().parents[2] / "src")
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}


def _clickhouse(folder: Path, port: int = 0) -> tuple[subprocess.Popen[str], int]:
    """ClickHouse's HTTP interface over chDB in ``folder`` (kept between two
    starts), in a process of its own, and its port."""
    import urllib.request

    proc = subprocess.Popen(
        [sys.executable, "-m", "veille.store.clickhouse.testing", str(folder), str(port)],
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline().split()[1])
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=5):
                return proc, port
        except OSError:
            assert time.monotonic() < deadline, "the ClickHouse test server did not start"
            time.sleep(0.1)


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=30)
    if proc.stdout is not None:
        proc.stdout.close()


def test_healthz_says_the_posts_store_is_down_and_serve_recovers(
    tmp_path: Path, postgres_url: str
) -> None:
    import httpx

    from veille.store.postgres.testing import fresh_schema_url

    ch, port = _clickhouse(tmp_path / "chdb")
    try:
        state_url = fresh_schema_url(postgres_url, tmp_path)
        root, _session, token = _workspace(tmp_path / "ws", state_url)
        config = root / "veille.toml"
        text = config.read_text(encoding="utf-8")
        posts_url = f"clickhouse://127.0.0.1:{port}/veille"
        config.write_text(
            text.replace('posts = "sqlite:///veille.db"', f'posts = "{posts_url}"'),
            encoding="utf-8",
        )
        err = tmp_path / "stderr.log"
        with err.open("wb") as sink:
            serve = subprocess.Popen(
                [sys.executable, "-m", "veille", "serve", "--port", "0", "-w", str(root)],
                env=ENV,
                stdout=subprocess.PIPE,
                stderr=sink,
                text=True,
            )
            try:
                assert serve.stdout is not None
                url = next(line.split()[1] for line in serve.stdout if line.startswith("open "))
                api = {"headers": {"Authorization": f"Bearer {token}"}}

                def get(path: str, **how: Any) -> Any:
                    return httpx.get(url + path, timeout=60, **how)

                up = get("/healthz")
                assert get("/api/v1/posts?q=hello", **api).status_code == 200
                start = len(err.read_text("utf-8"))
                _stop(ch)
                health, search = get("/healthz"), get("/api/v1/posts?q=hello", **api)
                in_french = {**api["headers"], "Accept-Language": "fr"}
                french = get("/api/v1/posts?q=hello", headers=in_french)
                outage = err.read_text("utf-8")[start:]
                ch, _ = _clickhouse(tmp_path / "chdb", port)
                began = time.monotonic()
                back = get("/healthz")
                while back.status_code != 200:
                    assert time.monotonic() - began < 60, back.text
                    time.sleep(0.2)
                    back = get("/healthz")
                found = get("/api/v1/posts?q=hello", **api)
            finally:
                serve.terminate()
                serve.wait(timeout=30)
    finally:
        _stop(ch)
    assert up.status_code == 200, up.text
    assert up.json()["status"] == "ok"
    assert up.json()["stores"] == {"state": "ok", "posts": "ok"}
    # Which part is down, for the load balancer and whoever it pages.
    assert health.status_code == 503 and health.headers.get("retry-after"), health.text
    assert health.json()["status"] == "unavailable"
    assert health.json()["stores"] == {"state": "ok", "posts": "unavailable"}
    assert "posts store is unreachable" in health.json()["message"]
    # The API's 503, not a 500 with the server's address in it.
    assert search.status_code == 503 and search.headers.get("retry-after"), search.text
    error = search.json()["error"]
    assert error["code"] == "unavailable", error
    assert "posts store is unreachable" in error["message"]
    assert str(port) not in search.text and "127.0.0.1" not in search.text
    assert french.json()["error"]["message"] == "la base des publications est injoignable"
    # One line per failed request (no warnings of the HTTP client's before
    # it), naming the server and what to do.
    assert "Traceback" not in outage, outage
    lines = [line for line in outage.splitlines() if line.strip()]
    assert all(STAMP.match(line) for line in lines), outage
    assert len(lines) == 3, outage
    assert all(" ERROR veille.web: " in line for line in lines), outage
    assert all(f"ClickHouse posts store 127.0.0.1:{port}/veille" in line for line in lines)
    assert all("did not answer" in line for line in lines), outage
    assert back.json()["stores"] == {"state": "ok", "posts": "ok"}
    assert found.status_code == 200, found.text
