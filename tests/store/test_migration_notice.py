"""A migration that reworks stored posts says so when a workspace opens: any
command otherwise printed nothing for as long as it took (about 8 s over a
million posts for 0283) and looked hung. The real CLI, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_post
from veille.store.sqlite import SQLiteStore
from veille.workspace import init_workspace

SRC = Path(__file__).resolve().parents[2] / "src"


def _veille(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VEILLE_WORKSPACE", "VEILLE_LOG_LEVEL")}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "veille", *args, "--workspace", str(root)],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


def _as_before_0283(db: Path) -> None:
    """Posts holding œ and a soft hyphen, indexed as an earlier veille did
    (words folded by case and accents only), 0283 not applied."""
    from tests.query.test_ligatures import index_folded_as_before

    store = SQLiteStore.open(db)
    try:
        store.upsert_posts(
            [make_post("1", "Une œuvre majeure"), make_post("2", "cyber\u00adsécurité"),
             make_post("3", "rien à refaire")]
        )  # fmt: skip
        conn = store.conn
        index_folded_as_before(conn)
        conn.execute("DELETE FROM schema_migrations WHERE number = 283")
        conn.commit()
    finally:
        store.close()


def test_a_long_migration_says_what_it_does_and_when_it_is_done(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    _as_before_0283(root / "veille.db")
    first = _veille(root, "topic", "list")
    said = first.stderr
    assert "migration 0283_fts_ligatures.py" in said
    assert "œ" in said and "It runs once" in said and "safe to interrupt" in said
    assert "starts again the next time the workspace opens" in said
    assert "migration 0283_fts_ligatures.py done: 2 posts reworked in" in said
    # Done once: the workspace is up to date, and opening it says nothing.
    assert "migration" not in _veille(root, "topic", "list").stderr


def test_a_new_workspace_migrates_in_silence(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    made = subprocess.run(
        [sys.executable, "-m", "veille", "init", str(tmp_path / "ws")],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "migration" not in made.stderr
    assert "migration" not in _veille(tmp_path / "ws", "topic", "list").stderr
