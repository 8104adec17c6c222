"""Backups of a workspace whose posts are in chDB (state in SQLite).

`veille run --serve` holds the chDB folder for good, and the docs said to
stop it and `cp -a` the folder: a one-machine deployment on chDB could not
back up without stopping, and `veille store backup` copied nothing ("a chDB
folder is copied while veille is stopped"). Now the process holding the
folder backs the workspace up itself (`[backup] folder`), and `veille store
backup` copies a folder nobody holds. The real CLI: `veille run` in
subprocesses (one process opens one chDB folder), the commands that exit in
this process (each lets go of the folder as it ends), collecting from the
simulator and a file written meanwhile; the test makes workspaces and reads
what a folder nobody holds contains in its own process."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veille.cli import build_app
from veille.services.sources import add_source
from veille.sim.runner import start_simulator
from veille.workspace import Workspace

pytest.importorskip("chdb")

SRC = str(Path(__file__).resolve().parents[1] / "src")
STORE = '[store]\nposts = "chdb:///posts"\nstate = "sqlite:///veille.db"\n'


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VEILLE_WORKSPACE", "VEILLE_LOG_LEVEL")}
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    env["VEILLE_ALLOW_PRIVATE_NETWORKS"] = "1"
    return env


def _veille(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veille", *args], env=_env(root), cwd=root.parent,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """A command that exits, run in this process (as ``_veille`` would in
    its own, less the interpreter's start and imports, a second or more
    each): it lets go of the chDB folder as it ends, as that process's exit
    did. ``veille run``, which runs until it is stopped, keeps a process."""
    env = {"VEILLE_ALLOW_PRIVATE_NETWORKS": "1", "VEILLE_WORKSPACE": None, "VEILLE_LOG_LEVEL": None}
    done = CliRunner(env=env).invoke(build_app(), list(args))
    err = done.stderr
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        err += f"\n{done.exception!r}"
    return subprocess.CompletedProcess(list(args), done.exit_code, done.stdout, err)


def _probe(root: Path) -> dict[str, object]:
    """What the workspace at ``root`` holds, as JSON: its posts' ids and
    content hashes, and the file source's cursor (the line it has read up
    to) in its state. Read in this process once no other holds its chDB
    folder (Workspace.open closes it again)."""
    with Workspace.open(root) as ws:
        cursor = ws.state.get_cursor("source:mine")
        found: dict[str, object] = json.loads(
            json.dumps(
                {
                    "posts": dict(ws.posts.post_digests()),
                    "line": (cursor.value or {}).get("line", 0) if cursor else 0,
                }
            )
        )
    return found


def _row(n: int) -> str:
    return json.dumps({"platform": "rss", "id": f"w{n}", "text": f"written line {n}",
                       "published_at": "2026-11-20T10:00:00Z"}) + "\n"  # fmt: skip


@pytest.fixture(scope="module")
def sim_url() -> object:
    s = start_simulator(seed=5, days=2)
    yield s.url("mastodon", "/feeds/all.atom")
    s.stop()


def _workspace(root: Path, feed: str, extra: str = "") -> Path:
    made = CliRunner().invoke(build_app(), ["init", str(root)])
    assert made.exit_code == 0, made.output
    (root / "veille.toml").write_text(STORE + extra, encoding="utf-8")
    (root / "mine.jsonl").write_text("".join(_row(n) for n in range(5)))
    with Workspace.open(root) as ws:  # the state only: chDB is not opened here
        add_source(ws.state, "feeds", feed, name="sim", every="10s",
                   options={"platform": "mastodon", "adaptive": "false"})  # fmt: skip
        add_source(ws.state, "file", str(root / "mine.jsonl"), name="mine", every="10s")
    return root


def _held_lines(probe: dict[str, object]) -> None:
    """Every line the copy's cursor says was read is among the copy's posts."""
    posts, line = probe["posts"], probe["line"]
    assert isinstance(posts, dict) and isinstance(line, int) and line >= 5
    written = {f"rss:w{n}" for n in range(line)}
    assert written <= set(posts), sorted(written - set(posts))[:5]


def test_store_backup_copies_a_chdb_folder_nobody_holds(tmp_path: Path, sim_url: str) -> None:
    root = _workspace(tmp_path / "ws", sim_url)
    collected = _cli("collect", "--workspace", str(root))
    assert collected.returncode == 0, collected.stderr
    before = _probe(root)
    left = root / "posts" / "veille-backups" / "0123abcd"  # by a backup killed half-way
    left.mkdir(parents=True)
    (left / ".backup").write_text("half")

    made = _cli("store", "backup", str(tmp_path / "copy"), "--workspace", str(root))
    assert made.returncode == 0, made.stderr
    assert "posts: " in made.stdout and f"Backed up to {tmp_path / 'copy'}" in made.stdout
    # The copy opens as a workspace and holds the same posts, hash for hash.
    copy = _probe(tmp_path / "copy")
    assert copy == before and len(before["posts"]) > 5  # type: ignore[arg-type]
    stats = _cli("stats", "--workspace", str(tmp_path / "copy"))
    assert stats.returncode == 0 and f"{len(copy['posts'])} posts" in stats.stdout  # type: ignore[arg-type]
    assert not any((root / "posts" / "veille-backups").iterdir())  # nothing left behind
    assert _probe(root) == before  # the workspace itself is as it was

    # Bad input: nothing written over, nothing written inside the workspace.
    again = _cli("store", "backup", str(tmp_path / "copy"), "--workspace", str(root))
    assert again.returncode == 2 and "is not an empty folder" in again.stderr
    inside = _cli("store", "backup", str(root / "bk"), "--workspace", str(root))
    assert inside.returncode == 2 and "is inside the workspace" in inside.stderr
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    under = _cli("store", "backup", str(blocked / "bk"), "--workspace", str(root))
    assert under.returncode == 2 and f"cannot write the backup into {blocked / 'bk'}" in (
        under.stderr
    ), under.stderr


def _finished(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("veille-*") if re.fullmatch(r"veille-\d{8}-\d{6}", p.name))


def test_veille_run_backs_up_the_chdb_workspace_it_holds_while_it_collects(
    tmp_path: Path, sim_url: str
) -> None:
    backups = tmp_path / "backups"
    root = _workspace(tmp_path / "ws", sim_url, f'[backup]\nfolder = "{backups}"\nkeep = 2\n')
    run = subprocess.Popen(
        [sys.executable, "-m", "veille", "run", "--serve", "--port", "0", "--tick", "0.2",
         "--workspace", str(root)],
        env=_env(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    stop = threading.Event()
    written = [5]

    def write() -> None:  # lines keep coming while the backup is taken
        while not stop.is_set():
            with (root / "mine.jsonl").open("a") as f:
                f.write(_row(written[0]))
            written[0] += 1
            time.sleep(0.05)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        end = time.monotonic() + 240
        while not _finished(backups):
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < end, "no backup was written"
            time.sleep(0.05)
        # Another process is told who holds the folder and how it is backed up.
        refused = _cli("store", "backup", str(tmp_path / "cp"), "--workspace", str(root))
        assert refused.returncode == 1, refused.stderr
        said = " ".join(refused.stderr.split())
        assert "is open in another process (process " in said
        assert "Set [backup] folder in veille.toml" in said, said
        assert not (tmp_path / "cp").exists()  # nothing half-copied is left
        time.sleep(1)  # collection goes on after the backup
    finally:
        stop.set()
        writer.join()
        run.send_signal(signal.SIGTERM)
        _out, err = run.communicate(timeout=180)
    assert run.returncode == 0, err
    assert "backed up the workspace to " in err, err
    (backup,) = _finished(backups)

    copy, live = _probe(backup), _probe(root)
    _held_lines(copy)  # consistent: no cursor ahead of its posts
    _held_lines(live)
    # Nothing in the running workspace was lost; it went on past the copy.
    assert set(copy["posts"]) <= set(live["posts"])  # type: ignore[arg-type]
    assert live["line"] >= copy["line"]  # type: ignore[operator]
    conn = sqlite3.connect(backup / "veille.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert not list(backups.glob("*.partial"))


def test_a_backup_folder_veille_run_cannot_use_is_refused_as_it_starts(
    tmp_path: Path, sim_url: str
) -> None:
    root = _workspace(tmp_path / "ws", sim_url, '[backup]\nfolder = "backups"\n')
    refused = _veille(root, "run", "--workspace", str(root))
    assert refused.returncode == 2, refused.stderr
    said = " ".join(refused.stderr.split())
    assert "[backup] folder" in said and "is inside the workspace" in said, said
    assert "Collecting" not in refused.stdout


def test_a_chdb_folder_or_backup_folder_whose_path_has_a_question_mark_is_refused(
    tmp_path: Path, sim_url: str
) -> None:
    """chDB reads what follows a "?" in the folder it opens as its settings:
    a backup into "copy?1" said "Backed up" while the posts went into a
    folder "copy" beside it (the copy opened with no posts), and [store]
    posts = "chdb:///posts?2" read and wrote the folder "posts"."""
    root = _workspace(tmp_path / "ws", sim_url)
    collected = _cli("collect", "--workspace", str(root))
    assert collected.returncode == 0, collected.stderr

    dest = tmp_path / "copy?1"
    made = _cli("store", "backup", str(dest), "--workspace", str(root))
    said = " ".join(made.stderr.split())
    assert made.returncode == 2, (made.stdout, said)
    assert f"cannot back up a chDB folder into {dest / 'posts'}: its path has a '?'" in said
    assert "Name a backup folder without '?'" in said
    assert not dest.exists() and not (tmp_path / "copy").exists()  # nothing written elsewhere

    (root / "veille.toml").write_text(
        STORE.replace("chdb:///posts", "chdb:///posts?2"), encoding="utf-8"
    )
    refused = _cli("stats", "--workspace", str(root))
    said = " ".join(refused.stderr.split())
    assert refused.returncode == 2, (refused.stdout, said)
    assert f"the chDB folder {root / 'posts?2'} has a '?' in its path" in said, said
    assert f"would open {root / 'posts'} instead" in said
    assert not (root / "posts?2").exists()

    backups = tmp_path / "bk?s"
    (root / "veille.toml").write_text(STORE + f'[backup]\nfolder = "{backups}"\n', "utf-8")
    run = _veille(root, "run", "--workspace", str(root))
    said = " ".join(run.stderr.split())
    assert run.returncode == 2, (run.stdout, said)
    assert f"cannot back up a chDB folder into [backup] folder {backups}" in said, said
    assert "Collecting" not in run.stdout


def test_a_sigterm_during_a_scheduled_backup_cuts_it_short_and_leaves_nothing(
    tmp_path: Path, sim_url: str
) -> None:
    """A SIGTERM while veille run wrote a backup waited for the whole copy
    (minutes at millions of posts, past a service manager's stop timeout,
    which then killed it before the stores were closed). Now the copy is cut
    short: its child stopped, its snapshot and its partial folder deleted,
    and veille run stops with 0; the next run backs up again."""
    backups = tmp_path / "backups"
    root = _workspace(tmp_path / "ws", sim_url, f'[backup]\nfolder = "{backups}"\n')
    run = subprocess.Popen(
        [sys.executable, "-m", "veille", "run", "--tick", "0.2", "--workspace", str(root)],
        env=_env(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        end = time.monotonic() + 240
        while not list(backups.glob("*.partial")):  # a backup is being written
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < end, "no backup was started"
            time.sleep(0.02)
    finally:
        run.send_signal(signal.SIGTERM)
        _out, err = run.communicate(timeout=180)
    assert run.returncode == 0, err
    said = " ".join(err.split())
    assert "the backup under way was cut short: veille is stopping" in said, said
    assert "backup failed" not in said
    assert not _finished(backups) and not list(backups.iterdir())  # nothing half-written
    assert not any((root / "posts" / "veille-backups").iterdir())  # its snapshot deleted
    assert not (tmp_path / "posts").exists()
    assert _probe(root)["line"] == 5  # the workspace opens, as it was


def test_a_chdb_folder_whose_path_has_a_percent_or_a_plus_is_backed_up(
    tmp_path: Path, sim_url: str
) -> None:
    """chDB percent-decodes the backups.allowed_path setting given with the
    folder: in a workspace under "team+50%41" every backup was refused ("is
    not allowed for backups", with a hint about free space)."""
    root = _workspace(tmp_path / "team+50%41" / "ws", sim_url)
    collected = _cli("collect", "--workspace", str(root))
    assert collected.returncode == 0, collected.stderr
    before = _probe(root)
    dest = tmp_path / "team+50%41" / "copy"
    made = _cli("store", "backup", str(dest), "--workspace", str(root))
    assert made.returncode == 0, " ".join(made.stderr.split())
    assert _probe(dest) == before and len(before["posts"]) > 5  # type: ignore[arg-type]


def test_a_chdb_folder_whose_path_has_an_ampersand_is_refused_naming_it(
    tmp_path: Path, sim_url: str
) -> None:
    """chDB splits the settings given with a folder at a "&", encoded or
    not: every backup of a folder under "r&d" failed as "not allowed for
    backups", with a hint about free space. Now refused, saying why and
    what to do, by veille store backup and as veille run starts."""
    root = _workspace(tmp_path / "r&d" / "ws", sim_url)
    assert _cli("collect", "--workspace", str(root)).returncode == 0
    made = _cli("store", "backup", str(tmp_path / "copy"), "--workspace", str(root))
    said = " ".join(made.stderr.split())
    assert made.returncode == 2, said
    assert f"cannot back up the chDB folder {root / 'posts'}: its path has a '&'" in said, said
    assert "Move the folder (or the workspace) to a path without '&'" in said
    assert not (tmp_path / "copy").exists()

    (root / "veille.toml").write_text(STORE + f'[backup]\nfolder = "{tmp_path / "bk"}"\n')
    run = _veille(root, "run", "--workspace", str(root))
    said = " ".join(run.stderr.split())
    assert run.returncode == 2, said
    assert f"cannot back up the chDB folder {root / 'posts'}: its path has a '&'" in said
    assert "Collecting" not in run.stdout
