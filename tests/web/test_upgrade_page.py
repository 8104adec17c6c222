"""The first page after an upgrade of veille that makes every post's
terms again (TERMS_VERSION 2: about three minutes over a million posts,
once, when the workspace's database opens): it hung until that was done
(a proxy in front gave up first, 504). It now says within seconds, in the
reader's language, that veille is upgrading the workspace (503,
Retry-After), and is served as usual once the upgrade is done."""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import make_post
from veille.store.sqlite import SQLiteStore
from veille.store.upgrading import upgrading_for
from veille.web.app import create_app
from veille.web.serve import LiveServer
from veille.workspace import init_workspace

NBSP = "\u202f"


#: How long a page waits for an upgrade before it says so (`[web]
#: upgrade_wait_seconds`, 5 s by default), set short where a test need only
#: see the wait end: each is idle for it.
WAIT = 0.5


def _older_workspace(folder: Path, wait: float) -> Path:
    """A workspace whose posts' terms an older veille made (the next
    opening makes them again: an upgrade), its pages waiting ``wait``
    seconds for an upgrade before they say so."""
    root = init_workspace(folder)
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    assert "# upgrade_wait_seconds = 5.0\n" in text, "the [web] template changed"
    set_wait = text.replace("# upgrade_wait_seconds = 5.0", f"upgrade_wait_seconds = {wait}")
    config.write_text(set_wait, encoding="utf-8")
    store = SQLiteStore.open(root / "veille.db")
    store.upsert_posts([make_post(f"p-{i}", f"Post {i} about the fibre") for i in range(50)])
    store.conn.execute("UPDATE kept_terms SET version = '1.old'")  # an older veille's terms
    store.close()
    return root


@contextmanager
def _upgrading(root: Path) -> Iterator[tuple[httpx.Client, float, Callable[[], None]]]:
    """The web app of ``root`` served on loopback while its database is
    upgraded, held by this test as another veille process would hold it:
    ``(a client of it, when the upgrade began, what lets the upgrade end)``,
    that instant on the monotonic clock or a little before it, never after."""
    app = create_app(root)
    # The upgrade is held where it starts (another veille process migrating
    # the same file holds this lock), so that the pages are asked for while
    # it lasts, as on a workspace of a million posts.
    held = open(str(root / "veille.db") + "-migrate.lock", "ab")  # noqa: SIM115
    fcntl.flock(held, fcntl.LOCK_EX)
    waiting = threading.Event()

    class Waits(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "is being migrated by another veille process" in record.getMessage():
                waiting.set()

    said = logging.getLogger("veille.store.sqlite.migrations")
    handler = Waits()
    said.addHandler(handler)
    first = threading.Thread(target=lambda: app.state.workspace.state, daemon=True)
    try:
        with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
            first.start()  # the server's warm-up, or its first visitor: it waits for it
            # (it says, in the log, that it waits for the process upgrading)
            assert waiting.wait(60), "the store did not start upgrading"

            def release() -> None:
                fcntl.flock(held, fcntl.LOCK_UN)  # the upgrade goes on, and ends
                first.join(120)
                assert not first.is_alive()

            now = time.monotonic()  # (read before the time the upgrade has lasted)
            yield client, now - upgrading_for(), release
    finally:
        said.removeHandler(handler)
        held.close()
        app.state.workspace.close()


def test_a_page_asked_for_while_the_workspace_upgrades_says_so(tmp_path: Path) -> None:
    root = _older_workspace(tmp_path / "ws", WAIT)
    with _upgrading(root) as (client, began, release):
        page = client.get("/login", headers={"Accept-Language": "fr"})
        assert time.monotonic() >= began + WAIT  # the wait ended, then it answered
        assert page.status_code == 503, page.text
        assert page.headers["Retry-After"]
        assert "veille met à niveau la base de données de cet espace de travail" in page.text
        assert "réessayez dans une minute" in page.text
        english = client.get("/login", headers={"Accept-Language": "en"})
        assert "veille is upgrading this workspace&#39;s database" in english.text
        api = client.get("/api/v1/topics", headers={"Authorization": "Bearer vl_nothing"})
        assert api.status_code == 503, api.text
        assert api.json()["error"]["code"] == "busy", api.text
        assert "upgrading this workspace" in api.json()["error"]["message"], api.text
        health = client.get("/healthz")
        assert health.status_code == 503

        release()
        assert client.get("/login").status_code in (200, 303)  # (303: to set up)
        assert client.get("/healthz").status_code == 200


def test_a_page_waits_for_an_upgrade_as_long_as_veille_toml_says(tmp_path: Path) -> None:
    """`[web] upgrade_wait_seconds` set longer than its default (5 s), as
    behind a patient proxy: a page asked for while the workspace upgrades
    answers that veille is upgrading once that wait has passed since the
    upgrade began, not at the default's end, nor at once."""
    longer = 5.5  # (past the default's end, and its 0.1 s look at the lock)
    root = _older_workspace(tmp_path / "ws", longer)
    with _upgrading(root) as (client, began, release):
        page = client.get("/login", headers={"Accept-Language": "en"})
        assert time.monotonic() >= began + longer  # the wait ended, then it answered
        assert page.status_code == 503, page.text
        assert "veille is upgrading this workspace&#39;s database" in page.text
        release()
        assert client.get("/login").status_code in (200, 303)


def test_veille_serve_listens_and_stops_on_sigterm_while_the_workspace_upgrades(
    tmp_path: Path,
) -> None:
    """``veille serve`` upgraded the workspace's database before it listened
    (minutes at a million posts: nothing answered, a proxy said 502), and
    stopped (Ctrl-C, a supervisor's SIGTERM) only once it was done (systemd
    killed it first, undoing it all the same). It now listens at once, its
    pages saying that the workspace is upgrading, and stops on SIGTERM,
    saying the upgrade is left undone and starts again at the next start."""
    import os
    import queue
    import signal
    import subprocess
    import sys

    root = _older_workspace(tmp_path / "ws", WAIT)
    held = open(str(root / "veille.db") + "-migrate.lock", "ab")  # noqa: SIM115
    fcntl.flock(held, fcntl.LOCK_EX)  # the upgrade lasts while this is held
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("VEILLE_WORKSPACE", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "veille", "serve", "--workspace", str(root), "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        out = server.stdout
        threading.Thread(target=lambda: [lines.put(x) for x in out], daemon=True).start()
        while not (line := lines.get(timeout=60)).startswith("open "):  # its address
            pass
        url = line.split()[1]
        # It listens while it upgrades: its pages say so (the warm-up waits
        # for the upgrade, held by this test as another process would).
        with httpx.Client(base_url=url, timeout=30) as client:
            page = client.get("/login", headers={"Accept-Language": "fr"})
        assert page.status_code == 503, page.text
        assert "veille met à niveau la base de données" in page.text
        server.send_signal(signal.SIGTERM)
        rest = server.communicate(timeout=90)[1]
        assert server.returncode == 0, rest
        assert "the upgrade is left undone, and starts again the next time" in rest, rest
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        held.close()
    # Left undone: the next opening makes the terms, as it would have.
    reopened = SQLiteStore.open(root / "veille.db")
    try:
        assert reopened.conn.execute("SELECT version FROM kept_terms").fetchone()[0] != "1.old"
    finally:
        reopened.close()
