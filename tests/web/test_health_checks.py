"""``/healthz`` as a load balancer checking every 2 s meets it (an operator's
review): the dangling references and unreadable saved queries, read from
every topic, alert and KPI at each check, are kept for a while, while the
stores are asked at every check; and a ClickHouse server that accepts
connections and never answers is a 503 naming the posts store within the
check's own wait, where the check hung for the client's timeouts (minutes),
so that the balancer's check timed out instead of reading "down". Real
HTTP, ClickHouse's HTTP interface over chDB in a process of its own, then a
loopback socket on its port that accepts and never answers."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

pytest.importorskip("chdb", reason="chdb is not installed (the clickhouse extra)")
pytest.importorskip("clickhouse_connect", reason="clickhouse-connect is not installed")

from tests.web.test_posts_outage import _clickhouse, _stop


@contextmanager
def never_answering(port: int) -> Iterator[list[socket.socket]]:
    """A server on ``port`` that accepts every connection and never answers."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    held: list[socket.socket] = []
    closing = threading.Event()

    def accept() -> None:
        while not closing.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)  # kept open, never read from nor written to

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield held
    finally:
        closing.set()
        listener.close()
        for conn in held:
            conn.close()


def _orphan_alert(root: Path, name: str, topic: str) -> None:
    """An alert on a topic deleted under it (as veille did before it refused)."""
    from veille.alerts.model import Alert, AlertBook
    from veille.query.topics import add_topic, get_topic
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        add_topic(ws.state, topic, "lumio")
        AlertBook(ws.state).add(Alert(name=name, channel_url="atom:feed.xml", topic=topic))
        ws.state.delete_topic(get_topic(ws.state, topic).id)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path, int, subprocess.Popen[str]]]:
    """``(url, root, ClickHouse's port, its process)``: the web app over a
    workspace whose posts are on a ClickHouse server (state in SQLite)."""
    from veille.web.app import create_app
    from veille.web.serve import LiveServer
    from veille.workspace import init_workspace

    ch, port = _clickhouse(tmp_path / "chdb")
    try:
        root = init_workspace(tmp_path / "ws")
        config = root / "veille.toml"
        text = config.read_text(encoding="utf-8")
        split = f'posts = "clickhouse://127.0.0.1:{port}/veille"\nstate = "sqlite:///veille.db"'
        config.write_text(text.replace('# posts = ""\n# state = ""', split), encoding="utf-8")
        with LiveServer(create_app(root)) as server:
            yield server.url, root, port, ch
    finally:
        _stop(ch)


def _health(url: str) -> httpx.Response:
    # Far longer than the check's own wait (3 s), far shorter than
    # clickhouse-connect's (300 s to read an answer).
    return httpx.get(url + "/healthz", timeout=30)


def test_healthz_keeps_what_it_reads_from_the_topics_not_the_stores(
    site: tuple[str, Path, int, subprocess.Popen[str]],
) -> None:
    url, root, _port, ch = site
    _orphan_alert(root, "first", "gone")
    up = _health(url)
    assert up.status_code == 200, up.text
    assert up.json()["dangling_references"] == 1
    _orphan_alert(root, "second", "lost")  # a second one, within the minute
    kept = _health(url)
    # Read a moment ago: kept, not read again at each check.
    assert kept.status_code == 200 and kept.json()["dangling_references"] == 1, kept.text
    _stop(ch)
    down = _health(url)  # the stores are asked at every check
    assert down.status_code == 503, down.text
    assert down.json()["stores"] == {"state": "ok", "posts": "unavailable"}
    assert "dangling_references" not in down.json()  # never "ok" beside a store that is down


def test_a_posts_store_that_never_answers_is_a_503_naming_it(
    site: tuple[str, Path, int, subprocess.Popen[str]], caplog: pytest.LogCaptureFixture
) -> None:
    url, _root, port, ch = site
    assert _health(url).status_code == 200
    _stop(ch)
    with never_answering(port) as held:
        silent = _health(url)
        again = _health(url)  # while the first probe still waits
        reached = len(held)
    assert reached >= 1  # the probe did reach the silent server
    for answer in (silent, again):
        assert answer.status_code == 503, answer.text
        assert answer.headers.get("retry-after")
        said = answer.json()
        assert said["status"] == "unavailable"
        assert said["stores"] == {"state": "ok", "posts": "unavailable"}
        assert "posts store is unreachable" in said["message"]
    # The log names the store, as its own errors do (it said "the posts
    # store", leaving the operator to find which).
    timed_out = [r.getMessage() for r in caplog.records if "health check" in r.getMessage()]
    assert timed_out, caplog.text
    named = f"the ClickHouse posts store 127.0.0.1:{port}/veille did not answer the health check"
    assert all(named in line for line in timed_out), timed_out
