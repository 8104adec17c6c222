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
from pathlib import Path

import httpx

from tests.conftest import make_post
from veille.store.sqlite import SQLiteStore
from veille.web.app import create_app
from veille.web.serve import LiveServer
from veille.workspace import init_workspace

NBSP = "\u202f"


def test_a_page_asked_for_while_the_workspace_upgrades_says_so(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    store = SQLiteStore.open(root / "veille.db")
    store.upsert_posts([make_post(f"p-{i}", f"Post {i} about the fibre") for i in range(50)])
    store.conn.execute("UPDATE kept_terms SET version = '1.old'")  # an older veille's terms
    store.close()

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
        with LiveServer(app) as server:
            first.start()  # the server's warm-up, or its first visitor: it waits for it
            # (it says, in the log, that it waits for the process upgrading)
            assert waiting.wait(60), "the store did not start upgrading"
            with httpx.Client(base_url=server.url, timeout=30) as client:
                page = client.get("/login", headers={"Accept-Language": "fr"})
                assert page.status_code == 503, page.text
                assert page.headers["Retry-After"]
                assert "veille met à niveau la base de données de cet espace de travail" in (
                    page.text
                )
                assert "réessayez dans une minute" in page.text
                english = client.get("/login", headers={"Accept-Language": "en"})
                assert "veille is upgrading this workspace&#39;s database" in english.text
                api = client.get("/api/v1/topics", headers={"Authorization": "Bearer vl_nothing"})
                assert api.status_code == 503, api.text
                assert api.json()["error"]["code"] == "busy", api.text
                assert "upgrading this workspace" in api.json()["error"]["message"], api.text
                health = client.get("/healthz")
                assert health.status_code == 503

                fcntl.flock(held, fcntl.LOCK_UN)  # the upgrade goes on, and ends
                first.join(120)
                assert not first.is_alive()
                assert client.get("/login").status_code in (200, 303)  # (303: to set up)
                assert client.get("/healthz").status_code == 200
    finally:
        said.removeHandler(handler)
        held.close()
        app.state.workspace.close()
