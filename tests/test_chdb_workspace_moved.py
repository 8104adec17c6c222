"""A workspace whose posts are in chDB, moved or copied to another folder.

`veille store migrate --posts chdb:////abs/ws/posts.chdb` printed that
absolute path as the line to paste into veille.toml, and `veille store
backup` copied veille.toml as it was: a workspace moved elsewhere (or a
backup restored on another machine) then opened an empty chDB folder made
at the old path, or, beside the old workspace, read and wrote the old
workspace's own posts. A folder inside the workspace is now recorded
relative to it (`chdb:///posts.chdb`); one outside stays absolute. The
real CLI, in this process: each command lets go of the folder as it ends."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import make_post
from veille.cli import build_app
from veille.workspace import Workspace, init_workspace

pytest.importorskip("chdb")

TEXTS = ["lumio launches a lamp", "vexa answers lumio", "orbita stays quiet", "lumio again"]


def _veille(*args: str) -> str:
    env = {"VEILLE_WORKSPACE": None, "VEILLE_LOG_LEVEL": None, "VEILLE_LANGUAGE": None}
    done = CliRunner(env=env).invoke(build_app(), ["--language", "en", *args])
    assert done.exit_code == 0, (done.output, done.exception)
    return done.stdout


def _readings(root: Path) -> tuple[str, str]:
    """What a user reads of the workspace's posts: stats and a search."""
    return _veille("stats", "-w", str(root)), _veille("search", "lumio", "-w", str(root))


def _posts_in_sqlite(root: Path) -> Path:
    init_workspace(root)
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts([make_post(str(n), text) for n, text in enumerate(TEXTS)])
    return root


def _use(root: Path, line: str) -> None:
    """The line ``store migrate`` printed, set in [store] as a user pastes it."""
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[store]\n", f"[store]\n{line}\n", 1), encoding="utf-8")


def test_a_workspace_migrated_to_chdb_reads_its_posts_once_moved(tmp_path: Path) -> None:
    root = _posts_in_sqlite(tmp_path / "ws")
    # Named by its absolute path, as a user may type it: recorded relative.
    said = _veille("store", "migrate", "--posts", f"chdb:///{root / 'posts.chdb'}", "-w", str(root))
    assert 'posts = "chdb:///posts.chdb"' in said, said
    assert str(root) not in said, said
    _use(root, 'posts = "chdb:///posts.chdb"\nstate = "sqlite:///veille.db"')
    before = _readings(root)
    assert "4 posts" in before[0] and "3 posts matched" in before[1], before
    (root / "veille.db").unlink()  # the SQLite posts gone: only chDB's are read

    moved = tmp_path / "elsewhere" / "ws"
    moved.parent.mkdir()
    shutil.move(root, moved)
    assert _readings(moved) == before
    assert not root.exists()  # no empty chDB folder made at the old place


def test_a_chdb_folder_outside_the_workspace_stays_named_by_its_path(tmp_path: Path) -> None:
    root = _posts_in_sqlite(tmp_path / "ws")
    outside = tmp_path / "disk" / "posts.chdb"
    said = _veille("store", "migrate", "--posts", "chdb:///../disk/posts.chdb", "-w", str(root))
    assert f'posts = "chdb:///{outside}"' in said, said
    _use(root, f'posts = "chdb:///{outside}"\nstate = "sqlite:///veille.db"')
    before = _readings(root)
    assert "4 posts" in before[0], before
    shutil.move(root, tmp_path / "moved")
    assert _readings(tmp_path / "moved") == before


def test_a_backup_restored_at_another_path_reads_its_posts(tmp_path: Path) -> None:
    """A workspace whose veille.toml names its chDB folder absolutely (as
    ``store migrate`` printed it before): its backup names the folder
    relative to itself, so that it opens wherever it is put, and never the
    workspace's own folder."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "veille.toml").write_text(
        f'[store]\n# the posts, in chDB\nposts = "chdb:///{root / "posts.chdb"}"  # ours\n'
        'state = "sqlite:///veille.db"\n',
        encoding="utf-8",
    )
    init_workspace(root)
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts([make_post(str(n), text) for n, text in enumerate(TEXTS)])
    before = _readings(root)
    assert "4 posts" in before[0], before

    backup = tmp_path / "backup"
    _veille("store", "backup", str(backup), "-w", str(root))
    config = (backup / "veille.toml").read_text(encoding="utf-8")
    assert 'posts = "chdb:///posts.chdb"  # ours' in config, config
    assert "# the posts, in chDB" in config and str(root) not in config, config

    # Restored on another machine: the workspace's folder is not there.
    shutil.move(root, tmp_path / "gone")
    restored = tmp_path / "new-machine" / "ws"
    restored.parent.mkdir()
    shutil.move(backup, restored)
    assert _readings(restored) == before
    assert not root.exists()


def test_migrating_to_the_workspace_s_own_store_spelled_by_its_path_is_refused(
    tmp_path: Path,
) -> None:
    """The workspace's own file or folder named by its absolute path is the
    store it already uses: refused as the same spelling is, not copied into
    itself and then reported as a move."""
    root = _posts_in_sqlite(tmp_path / "ws")
    for url in (f"sqlite:///{root / 'veille.db'}", "sqlite:///./veille.db"):
        done = CliRunner(env={"VEILLE_WORKSPACE": None}).invoke(
            build_app(), ["--language", "en", "store", "migrate", "--posts", url, "-w", str(root)]
        )
        assert done.exit_code == 2, done.output
        assert "the posts are already in sqlite:///veille.db" in done.output, done.output
    _veille("store", "migrate", "--posts", "chdb:///posts.chdb", "-w", str(root))
    _use(root, 'posts = "chdb:///posts.chdb"\nstate = "sqlite:///veille.db"')
    done = CliRunner(env={"VEILLE_WORKSPACE": None}).invoke(
        build_app(),
        ["--language", "en", "store", "migrate", "--posts", f"chdb:///{root / 'posts.chdb'}",
         "-w", str(root)],
    )  # fmt: skip
    assert done.exit_code == 2, done.output
    assert "the posts are already in chdb:///posts.chdb" in done.output, done.output
