"""`veille store backup`: an operator on one machine (SQLite) backs up the
workspace before an upgrade, and every night while collectors write. The
docs named tools for PostgreSQL and ClickHouse only; copying veille.db with
cp while veille writes can leave a copy without the batches still in its
WAL file, or torn. The real CLI, in subprocesses, beside a real writer."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_post, old_database
from veille.workspace import Workspace, init_workspace

SRC = Path(__file__).resolve().parents[1] / "src"

# Writes batches of 50 posts (one transaction each) into the database
# argv[1] until its stdin closes, saying each batch on stdout.
WRITER = """
import sys, threading
from datetime import UTC, datetime
from veille.models import Author, Post
from veille.store.sqlite import SQLiteStore
store = SQLiteStore.open(sys.argv[1])
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
n = 0
while not stop.is_set():
    store.upsert_posts(
        Post.create(platform="rss", native_id=f"{n}-{i}", text=f"Batch {n}, post {i}",
                    published_at=datetime(2026, 3, 1, tzinfo=UTC), author=Author(handle="feed"))
        for i in range(50)
    )
    n += 1
    print(f"batch {n}", flush=True)
store.close()
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VEILLE_WORKSPACE", "VEILLE_LOG_LEVEL")}
    env["PYTHONPATH"] = str(SRC)
    return env


def _veille(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veille", *args],
        env=_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _one(db: Path, sql: str) -> object:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_a_backup_taken_while_a_collector_writes_holds_whole_batches(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root / "veille.db")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(),
    )  # fmt: skip
    assert writer.stdout is not None and writer.stdin is not None
    try:
        for _ in range(3):  # under way
            assert writer.stdout.readline().startswith("batch "), writer.stderr
        made = _veille("store", "backup", str(tmp_path / "copy"), "--workspace", str(root))
        assert writer.poll() is None, "the writer stopped before the backup ended"
    finally:
        writer.communicate(input="", timeout=60)  # its stdin closed: it stops
    assert made.returncode == 0, made.stderr
    assert f"Backed up to {tmp_path / 'copy'}" in made.stdout
    copy = tmp_path / "copy" / "veille.db"
    assert (tmp_path / "copy" / "veille.toml").read_text() == (root / "veille.toml").read_text()
    assert _one(copy, "PRAGMA integrity_check") == "ok"
    posts = _one(copy, "SELECT count(*) FROM posts")
    assert isinstance(posts, int) and posts >= 150 and posts % 50 == 0  # whole batches only
    assert _one(copy, "SELECT count(*) FROM posts_fts") == posts
    # The copy opens as a workspace, its posts searchable.
    stats = _veille("stats", "--workspace", str(tmp_path / "copy"))
    assert stats.returncode == 0 and f"{posts:,} posts" in stats.stdout, stats.stderr
    found = _veille("search", "batch", "--format", "jsonl", "--workspace", str(tmp_path / "copy"))
    assert found.returncode == 0, found.stderr


def test_a_backup_before_an_upgrade_leaves_the_old_schema_for_the_old_veille(
    tmp_path: Path,
) -> None:
    """The workspace is not opened through its stores: the newer veille's
    migrations do not run on it, or on the copy, which the older veille
    (which refuses a newer schema) can open again."""
    root = init_workspace(tmp_path / "ws")
    (root / "veille.db").unlink(missing_ok=True)
    old_database(root / "veille.db", 283, [make_post("1", "Une œuvre")])
    before = _one(root / "veille.db", "PRAGMA user_version")
    made = _veille("store", "backup", str(tmp_path / "copy"), "--workspace", str(root))
    assert made.returncode == 0, made.stderr
    assert "migration" not in made.stderr
    assert _one(root / "veille.db", "PRAGMA user_version") == before
    assert _one(tmp_path / "copy" / "veille.db", "PRAGMA user_version") == before
    assert _one(tmp_path / "copy" / "veille.db", "SELECT count(*) FROM posts") == 1


def test_a_backup_writes_over_nothing_and_says_what_it_cannot_copy(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    refused = _veille("store", "backup", str(tmp_path / "full"), "--workspace", str(root))
    assert refused.returncode == 2
    assert "already exists and is not an empty folder" in refused.stderr
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine"

    inside = _veille("store", "backup", str(root / "bk"), "--workspace", str(root))
    assert inside.returncode == 2 and "is inside the workspace" in inside.stderr

    config = root / "veille.toml"
    config.write_text(
        config.read_text().replace(
            "[store]\n", '[store]\nstate = "postgresql://veille:s3cret@pg/veille"\n', 1
        )
    )
    server = _veille("store", "backup", str(tmp_path / "copy"), "--workspace", str(root))
    assert server.returncode == 2
    assert "is kept by the postgresql backend" in server.stderr and "pg_dump" in server.stderr
    assert "s3cret" not in server.stderr
    assert not (tmp_path / "copy").exists()


def test_a_chdb_posts_store_is_named_as_veille_toml_writes_it(tmp_path: Path) -> None:
    """`veille store backup` with posts in chDB answered "[store] chdb:/posts
    is kept by the chdb backend": the URL lost its "//" (chdb:///posts in
    veille.toml), so the administrator could not find it in the file. (A
    chDB folder is copied now: tests/test_backup_chdb.py; one never opened
    is named as veille.toml writes it.)"""
    root = init_workspace(tmp_path / "ws")
    config = root / "veille.toml"
    config.write_text(
        config.read_text().replace("[store]\n", '[store]\nposts = "chdb:///posts"\n', 1)
    )
    with Workspace.open(root) as ws:  # its state (SQLite) made; chDB never opened
        ws.state.list_sources()
    refused = _veille("store", "backup", str(tmp_path / "copy"), "--workspace", str(root))
    assert refused.returncode == 1
    said = " ".join(refused.stderr.split())
    assert "[store] 'chdb:///posts': no chDB folder at" in said, said
    assert not (tmp_path / "copy").exists()


def test_scheduled_backups_come_when_due_and_keep_the_newest(tmp_path: Path) -> None:
    """`[backup]`: veille run's backups (SQLite here), one when the last is
    every_hours old, the oldest beyond keep deleted, and one left half-made
    by a kill never taken for a backup (deleted by the next)."""
    from datetime import UTC, datetime, timedelta

    from veille.services.backup import backups_in, scheduled_backup

    root = init_workspace(tmp_path / "ws")
    backups = tmp_path / "backups"
    config = root / "veille.toml"
    config.write_text(
        config.read_text().replace(
            "[backup]\n", f'[backup]\nfolder = "{backups}"\nevery_hours = 6\nkeep = 2\n', 1
        )
    )
    (backups / "veille-20261101-000000.partial").mkdir(parents=True)  # killed half-way
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([make_post("1", "Une œuvre")])
        made = [scheduled_backup(ws, start + timedelta(hours=h)) for h in (0, 1, 6, 12.5)]
    assert [r is not None for r in made] == [True, False, True, True]
    kept = [p.name for _at, p in backups_in(backups)]
    assert kept == ["veille-20261102-140000", "veille-20261102-203000"]
    assert sorted(p.name for p in backups.iterdir()) == kept
    assert _one(backups / kept[-1] / "veille.db", "SELECT count(*) FROM posts") == 1


def test_a_backup_that_fails_is_logged_and_the_daemon_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`veille run` makes its first backup, then the folder is taken away (a
    backup disk unmounted, a file in its place): the next backup fails with
    one line naming the folder, and the scheduler goes on with its passes."""
    import threading
    import time

    from veille.pipeline import daemon

    monkeypatch.setattr(daemon, "BACKUP_CHECK_EVERY", 0.1)  # look often; every_hours is tiny
    root = init_workspace(tmp_path / "ws")
    backups = tmp_path / "backups"
    config = root / "veille.toml"
    config.write_text(
        config.read_text().replace(
            "[backup]\n", f'[backup]\nfolder = "{backups}"\nevery_hours = 0.01\n', 1
        )
    )
    state = daemon.DaemonState()
    with Workspace.open(root) as ws:
        run = threading.Thread(
            target=daemon.run_daemon,
            args=(ws,),
            kwargs={"state": state, "tick": 0.05, "install_signals": False, "role": "scheduler"},
        )
        with caplog.at_level("INFO", logger="veille"):
            run.start()
            try:
                end = time.monotonic() + 120
                while "backed up the workspace to" not in caplog.text:
                    assert time.monotonic() < end and run.is_alive(), caplog.text
                    time.sleep(0.05)
                # Moved away at once: emptied first, the folder looked as if no
                # backup was made, and the daemon could write another into it
                # between the emptying and its removal.
                backups.rename(tmp_path / "backups-gone")
                backups.write_text("the backup disk is gone")
                while "backup failed" not in caplog.text:
                    assert time.monotonic() < end and run.is_alive(), caplog.text
                    time.sleep(0.05)
                passes = state.passes
                while state.passes < passes + 3:  # it goes on
                    assert time.monotonic() < end and run.is_alive(), caplog.text
                    time.sleep(0.05)
            finally:
                state.stop.set()
                run.join(timeout=60)
    assert not run.is_alive()
    said = " ".join(caplog.text.split())
    assert f"[backup] folder {backups} cannot be made" in said, said
    assert "tried again in 15 minutes" in said
