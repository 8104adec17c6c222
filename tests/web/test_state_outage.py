"""``veille serve`` while its PostgreSQL state store is away: pages, the API
and ``/healthz`` answer 503 saying so (no 500, no traceback), each failure is
one line in the log, and the same process serves again once the server is
back."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veille.workspace import init_workspace

if TYPE_CHECKING:
    from veille.store.postgres.testing import TestServer

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR) [\w.]+: ")


def _workspace(folder: Path, state_url: str) -> tuple[Path, str, str]:
    """A workspace whose state is on ``state_url`` (posts in SQLite), with an
    admin: ``(root, session cookie, API token)``."""
    from veille.services import tokens, users
    from veille.workspace import Workspace

    root = init_workspace(folder)
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    split = f'posts = "sqlite:///veille.db"\nstate = "{state_url}"'
    config.write_text(text.replace('# posts = ""\n# state = ""', split), encoding="utf-8")
    with Workspace.open(root) as ws:
        users.add_user(ws.state, "ana", "correct-horse-42", "admin")
        token = tokens.create_token(ws.state, "ana", "tests")[1]
        return root, users.start_session(ws.state, "ana"), token


def test_a_postgresql_outage_is_a_503_and_one_line_each_and_serve_recovers(
    tmp_path: Path, stoppable_postgres: TestServer
) -> None:
    server = stoppable_postgres
    import httpx

    err = tmp_path / "stderr.log"
    root, session, token = _workspace(tmp_path / "ws", server.url)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    with err.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "veille", "serve", "--port", "0", "-w", str(root)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
        )
        try:
            assert proc.stdout is not None
            url = next(line.split()[1] for line in proc.stdout if line.startswith("open "))
            asked = {
                "page": ("/topics", {"cookies": {"veille_session": session}}),
                "api": ("/api/v1/topics", {"headers": {"Authorization": f"Bearer {token}"}}),
                "health": ("/healthz", {}),
            }

            def get(what: str) -> Any:
                path, how = asked[what]
                return httpx.get(url + path, timeout=60, **how)

            def all_of() -> dict[str, Any]:
                with ThreadPoolExecutor(len(asked)) as pool:
                    return dict(zip(asked, pool.map(get, asked), strict=True))

            assert {k: r.status_code for k, r in all_of().items()} == dict.fromkeys(asked, 200)
            # The warm-up (the plan page reads the state store) ends before
            # the outage: one failing then is a line of its own, not a request's.
            began = time.monotonic()
            while get("health").json()["warming"]:
                assert time.monotonic() - began < 120, "the warm-up never ended"
                time.sleep(0.1)
            start = len(err.read_text("utf-8"))
            server.stop()
            began = time.monotonic()
            down = all_of()
            first = time.monotonic() - began
            outage = err.read_text("utf-8")[start:]
            # Known to be away: the next requests are answered without
            # waiting for the pool's timeout (measured, not asserted).
            began = time.monotonic()
            again = all_of()
            later = time.monotonic() - began
            server.start()
            began = time.monotonic()
            back = all_of()
            while any(r.status_code != 200 for r in back.values()):
                assert time.monotonic() - began < 120, {k: r.text[:300] for k, r in back.items()}
                time.sleep(0.2)
                back = all_of()
            recovered = time.monotonic() - began
            print(
                f"outage: first requests answered in {first:.2f} s, the next in "
                f"{later:.2f} s; served again {recovered:.2f} s after the server restarted"
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert {k: r.status_code for k, r in down.items()} == dict.fromkeys(asked, 503), {
        k: r.text[:300] for k, r in down.items()
    }
    assert {k: r.status_code for k, r in again.items()} == dict.fromkeys(asked, 503)
    assert all(r.headers.get("retry-after") for r in [*down.values(), *again.values()])
    page, api, health = down["page"], down["api"], down["health"]
    assert "text/html" in page.headers["content-type"]
    assert "state store is unreachable" in page.text and "Try again" in page.text
    assert "Traceback" not in page.text and server.url not in page.text
    error = api.json()["error"]
    assert error["code"] == "unavailable" and "state store is unreachable" in error["message"]
    assert "try again" in error["hint"].lower() and server.url not in str(error)
    assert health.json()["status"] == "unavailable"
    # Which part is down: the posts (a SQLite file of their own here) answer.
    assert health.json()["stores"] == {"state": "unavailable", "posts": "ok"}
    # One line per failed request, naming the store and what to do.
    assert "Traceback" not in outage, outage
    lines = [line for line in outage.splitlines() if line.strip()]
    assert all(STAMP.match(line) for line in lines), outage
    errors = [line for line in lines if " ERROR veille." in line]
    assert len(errors) == len(asked), errors
    assert all(f"PostgreSQL state store {server.url}" in line for line in errors), errors
    assert {k: r.status_code for k, r in back.items()} == dict.fromkeys(asked, 200)
