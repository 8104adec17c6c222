"""A running `veille run` files posts under a topic added while it runs, and
delivers an alert added while it runs (issue 16): the pipeline's one matcher
follows the rules' change counter, and the outbox worker sends."""

from __future__ import annotations

import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from veille.httpserver import LoggingHTTPServer
from veille.sim.feeds import FEED_PLATFORMS
from veille.sim.generate import SimConfig, generate_posts
from veille.sim.server import SimClock, Simulator, SimWorld, default_specs
from veille.textnorm import tokens

VEILLE = [sys.executable, "-c", "from veille.cli import main; main()"]
HOST = "mastodon"


class Hook:
    def __init__(self) -> None:
        self.posts: list[str] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hook.posts.extend(p["id"] for p in json.loads(body).get("posts") or [])
                self.send_response(204)
                self.end_headers()

        self.server = LoggingHTTPServer(("127.0.0.1", 0), Handler, "veille.tests.hook")
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _env(ws: Path) -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    path = os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])
    return dict(
        os.environ, VEILLE_ALLOW_PRIVATE_NETWORKS="1", VEILLE_WORKSPACE=str(ws), PYTHONPATH=path
    )


def _veille(ws: Path, *args: str) -> None:
    """``veille ARGS`` in workspace ``ws``, as a user types it beside the
    daemon. The daemon is the other process; this runs in the test's own
    (typer's runner): a process of its own per command spent a second or
    more starting, and proved nothing these tests ask."""
    from tests.cli_runner import CliRunner, veille_command

    env = {key: _env(ws)[key] for key in ("VEILLE_ALLOW_PRIVATE_NETWORKS", "VEILLE_WORKSPACE")}
    done = CliRunner(env=env).invoke(veille_command(), list(args))
    assert done.exit_code == 0, (args, done.output, done.exception)


def _rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(sql, params).fetchall()
    except sqlite3.Error:
        return []


def _until(check: Any, timeout: float = 90.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return bool(check())


@pytest.mark.slow
def test_topic_and_alert_added_to_a_running_daemon(tmp_path: Path) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    cfg = SimConfig(seed=5, days=2, end=start + timedelta(days=1), posts_per_day=600,
                    spike_day=1, spike_posts=0)  # fmt: skip
    world = SimWorld(generate_posts(cfg), SimClock(start))
    specs = [s for s in default_specs() if s.name == HOST]
    hook = Hook()
    ws = tmp_path / "ws"
    with Simulator(world, specs) as sim:
        _veille(tmp_path, "init", str(ws))
        (ws / "veille.toml").write_text("[alerts]\nretry_base_seconds = 0.0\n")
        _veille(ws, "source", "add", "feeds", sim.url(HOST, "/feeds/all.atom"), "--name", "sim",
                "--every", "10s", "-o", f"platform={FEED_PLATFORMS[HOST]}",
                "-o", "max_pages=1000", "-o", "adaptive=false")  # fmt: skip
        db = ws / "veille.db"
        log = (tmp_path / "daemon.log").open("wb")
        proc = subprocess.Popen([*VEILLE, "run", "--tick", "0.3"], env=_env(ws), stdout=log,
                                stderr=subprocess.STDOUT)  # fmt: skip
        try:
            assert _until(lambda: _rows(db, "SELECT count(*) FROM posts")[0][0] > 0)
            # The next hours' posts, and a word common among them.
            later = [p for p in world.posts if p.platform == HOST
                     and start < p.published_at <= start + timedelta(hours=6)]  # fmt: skip
            assert later
            counts = collections.Counter(
                w for p in later for w in set(tokens(p.text)) if len(w) > 4 and not w.isdigit()
            )
            word = counts.most_common(1)[0][0]
            _veille(ws, "topic", "add", "live", word)
            _veille(ws, "alert", "add", "--query", word, "--name", "live",
                    "--to", f"webhook+{hook.url}")  # fmt: skip
            world.clock.set(start + timedelta(hours=6))  # the simulator publishes them

            def filed() -> dict[str, str]:
                return dict(_rows(
                    db, "SELECT p.id, p.text FROM post_topics f JOIN posts p ON p.pk = f.post_pk "
                    "JOIN topics t ON t.id = f.topic_id WHERE t.name = 'live'"))  # fmt: skip

            assert _until(lambda: len(filed()) > 0), (tmp_path / "daemon.log").read_text()
            assert _until(lambda: bool(set(hook.posts) & set(filed())))
            assert all(word in tokens(text) for text in filed().values())
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
            hook.server.shutdown()
        assert proc.returncode == 0, (tmp_path / "daemon.log").read_text()
