"""A workspace whose posts are in ClickHouse (chDB) or whose state is in
PostgreSQL, upgraded by the first veille that opens it after an upgrade of
veille: a schema's new columns, a new rollup filled from every post (12 s
at 10M posts), the posts' terms made again, or PostgreSQL's migrations.
Every page waited for it (nothing answered; a proxy in front gave up
first), and ``veille serve`` (``veille run --serve``) did not even listen
until it was done. Its pages now say within seconds, in the reader's
language, that veille is upgrading the workspace (503, Retry-After), as
during a SQLite upgrade, and are served as usual once it is done.

Each upgrade is made long the way a real one is met: another process is
upgrading the store (here a process that only sleeps, named in the
ClickHouse store's upgrade lock; a connection holding PostgreSQL's
migration lock), and this veille waits for it."""

from __future__ import annotations

import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import init_state_workspace, make_post
from veille.web.app import create_app
from veille.web.serve import LiveServer
from veille.workspace import init_workspace

SRC = Path(__file__).resolve().parents[2] / "src"
#: How long a page waits for an upgrade before it says so (`[web]
#: upgrade_wait_seconds`, 5 s by default), set short: these tests need only
#: see the wait end, each of them idle for it.
WAIT = 0.5


def _heard(logger: str, words: str) -> tuple[threading.Event, logging.Logger, logging.Handler]:
    """An event set once ``logger`` logs a message holding ``words``."""
    heard = threading.Event()

    class Heard(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if words in record.getMessage():
                heard.set()

    said = logging.getLogger(logger)
    handler = Heard()
    said.addHandler(handler)
    return heard, said, handler


def _began() -> float:
    """When the upgrade under way in this process began, on the monotonic
    clock, or a little before (never after: its end of the wait is then
    never put later than the app's)."""
    from veille.store.upgrading import upgrading_for

    now = time.monotonic()
    return now - upgrading_for()


def _says_upgrading(url: str, waited_from: float | None = None) -> None:
    """The pages, the API and /healthz of the app at ``url`` say that the
    workspace is being upgraded, in the reader's language; the first of
    them once ``WAIT`` has passed since ``waited_from`` (the upgrade's
    start, where the app runs in this process), not before."""
    with httpx.Client(base_url=url, timeout=30) as client:
        page = client.get("/login", headers={"Accept-Language": "fr"})
        if waited_from is not None:  # the wait ended, then the page answered
            assert time.monotonic() >= waited_from + WAIT
        assert page.status_code == 503, page.text
        assert page.headers["Retry-After"]
        assert "veille met à niveau la base de données de cet espace de travail" in page.text
        assert "réessayez dans une minute" in page.text
        english = client.get("/login", headers={"Accept-Language": "en"})
        assert english.status_code == 503, english.text
        assert "veille is upgrading this workspace&#39;s database" in english.text
        api = client.get("/api/v1/topics", headers={"Authorization": "Bearer vl_nothing"})
        assert api.status_code == 503, api.text
        assert api.json()["error"]["code"] == "busy", api.text
        assert "upgrading this workspace" in api.json()["error"]["message"], api.text
        assert client.get("/healthz").status_code == 503


def _served(url: str, within: float = 120) -> None:
    """The app at ``url`` serves its pages again (the upgrade is done)."""
    deadline = time.monotonic() + within
    with httpx.Client(base_url=url, timeout=30) as client:
        while (page := client.get("/login")).status_code == 503:
            assert time.monotonic() < deadline, page.text
            time.sleep(0.05)  # (a quick look: it is done within seconds)
        assert page.status_code in (200, 303), page.text  # (303: to set up)
        assert client.get("/healthz").status_code == 200


@pytest.fixture
def chdb_upgrading(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    """A workspace whose chDB posts store was written by an older veille
    (its posts' terms made by another term extraction), which another
    process on this machine is upgrading: it holds the store's upgrade
    lock while it runs (it only sleeps); killing it lets the next veille
    take the upgrade over at once, as it does a holder that died."""
    pytest.importorskip("chdb")
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.clickhouse.upgrade_lock import PREFIX, _pid_space

    root = init_workspace(tmp_path / "ws")
    url = "chdb:///posts.chdb"
    toml = f'[store]\nposts = "{url}"\nstate = "sqlite:///veille.db"\n'
    toml += f"[web]\nupgrade_wait_seconds = {WAIT}\n"
    (root / "veille.toml").write_text(toml, encoding="utf-8")
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        store = ChdbBackend().open(url, root=root)
        try:
            store.upsert_posts(
                [make_post(f"p-{i}", f"Post {i} about the fibre") for i in range(50)]
            )
            store.write_row("veille_meta", {"key": "terms_version", "value": "1.old"})
            store.client.command(
                f"CREATE TABLE {PREFIX}1 (token String, host String, pid UInt32, "
                "at DateTime64(3)) ENGINE = MergeTree ORDER BY at"
            )
            store.client.command(
                f"INSERT INTO {PREFIX}1 SELECT {{token:String}}, {{host:String}}, "
                "{pid:UInt32}, now64(3)",
                {"token": f"other:{_pid_space()}", "host": socket.gethostname(), "pid": holder.pid},
            )
        finally:
            store.close()
        yield root, holder
    finally:
        holder.kill()
        holder.wait()


def test_a_page_asked_for_while_the_chdb_posts_store_upgrades_says_so(
    chdb_upgrading: tuple[Path, subprocess.Popen[bytes]],
) -> None:
    root, holder = chdb_upgrading
    app = create_app(root)
    waiting, said, handler = _heard(
        "veille.store.clickhouse.upgrade_lock", "this process waits until it is done"
    )
    # The server's warm-up, or its first visitor: it waits for the upgrade.
    first = threading.Thread(target=lambda: app.state.workspace.posts, daemon=True)
    try:
        with LiveServer(app) as server:
            first.start()
            assert waiting.wait(60), "the store did not wait for the upgrade"
            _says_upgrading(server.url, waited_from=_began())
            holder.kill()  # the other process is gone: this one upgrades it, and ends
            holder.wait()
            first.join(120)
            assert not first.is_alive()
            _served(server.url)
            terms = app.state.workspace.posts.rows(
                "SELECT value FROM veille_meta FINAL WHERE key = 'terms_version'"
            )
            assert terms[0][0] != "1.old"
    finally:
        said.removeHandler(handler)
        holder.kill()  # (a failure above leaves no upgrade waiting for it)
        holder.wait()
        app.state.workspace.close()


def test_a_page_asked_for_while_the_postgresql_state_store_migrates_says_so(
    tmp_path: Path, postgres_url: str
) -> None:
    import psycopg

    from veille.store.postgres.migrations import _LOCK

    root = init_state_workspace(tmp_path / "ws", "postgresql")
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    assert "# upgrade_wait_seconds = 5.0\n" in text, "the [web] template changed"
    text = text.replace("# upgrade_wait_seconds = 5.0", f"upgrade_wait_seconds = {WAIT}")
    config.write_text(text, encoding="utf-8")
    app = create_app(root)
    # Another veille process migrating the database holds its lock.
    held = psycopg.connect(postgres_url, autocommit=True)
    held.execute("SELECT pg_advisory_lock(%s)", (_LOCK,))
    waiting, said, handler = _heard(
        "veille.store.postgres.migrations", "is being migrated by another veille process"
    )
    first = threading.Thread(target=lambda: app.state.workspace.state, daemon=True)
    try:
        with LiveServer(app) as server:
            first.start()
            assert waiting.wait(60), "the store did not wait for the migration"
            _says_upgrading(server.url, waited_from=_began())
            held.execute("SELECT pg_advisory_unlock(%s)", (_LOCK,))  # it is done
            first.join(120)
            assert not first.is_alive()
            _served(server.url)
    finally:
        said.removeHandler(handler)
        held.close()
        app.state.workspace.close()


@pytest.mark.parametrize("command", [["serve"], ["run", "--serve"]], ids=["serve", "run-serve"])
def test_veille_serve_listens_while_its_chdb_posts_store_upgrades(
    chdb_upgrading: tuple[Path, subprocess.Popen[bytes]], command: list[str]
) -> None:
    """``veille serve`` and ``veille run --serve`` opened the chDB folder,
    upgrading it, before they listened: nothing answered until the upgrade
    was done. They now listen at once, their pages saying so, then serve
    (and collect) once it is done, and stop on SIGTERM as usual."""
    root, holder = chdb_upgrading
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("VEILLE_WORKSPACE", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "veille", *command, "--workspace", str(root), "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        out = server.stdout
        threading.Thread(target=lambda: [lines.put(x) for x in out], daemon=True).start()
        while not (line := lines.get(timeout=90)).startswith("open "):  # its address
            pass
        url = line.split()[1]
        _says_upgrading(url)
        holder.kill()  # the other process is gone: this one upgrades it
        holder.wait()
        _served(url)
        server.send_signal(signal.SIGTERM)
        rest = server.communicate(timeout=90)[1]
        assert server.returncode == 0, rest
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    from veille.store.clickhouse.backend import ChdbBackend

    store = ChdbBackend().open("chdb:///posts.chdb", root=root)  # upgraded, once
    try:
        terms = store.rows("SELECT value FROM veille_meta FINAL WHERE key = 'terms_version'")
        assert terms[0][0] != "1.old"
        assert not store.rows("SELECT name FROM system.tables WHERE name LIKE 'veille_upgrade%'")
    finally:
        store.close()


def test_veille_serve_says_a_failed_upgrade_of_its_chdb_folder_and_exits(tmp_path: Path) -> None:
    """An upgrade that fails (here the upgrade lock cannot be read: a table
    of that name left by something else) stops ``veille serve`` with its
    error, exit status 1, whether it listened already or not: it neither
    hangs nor serves pages that would each fail."""
    pytest.importorskip("chdb")
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.clickhouse.upgrade_lock import PREFIX

    root = init_workspace(tmp_path / "ws")
    toml = '[store]\nposts = "chdb:///posts.chdb"\nstate = "sqlite:///veille.db"\n'
    (root / "veille.toml").write_text(toml, encoding="utf-8")
    store = ChdbBackend().open("chdb:///posts.chdb", root=root)
    try:
        store.write_row("veille_meta", {"key": "terms_version", "value": "1.old"})
        store.client.command(f"CREATE TABLE {PREFIX}1 (x UInt8) ENGINE = MergeTree ORDER BY x")
    finally:
        store.close()
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("VEILLE_WORKSPACE", None)
    done = subprocess.run(
        [sys.executable, "-m", "veille", "serve", "--workspace", str(root), "--port", "0"],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert f"error: chDB {root / 'posts.chdb'}" in done.stderr, done.stderr
    assert "Stopped." not in done.stderr
