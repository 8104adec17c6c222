"""A migration that reworks stored posts says so when a workspace opens: any
command otherwise printed nothing for as long as it took (about 8 s over a
million posts for 0283) and looked hung. The real CLI, in a subprocess."""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_post, old_database
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


def test_a_long_migration_speaks_the_workspaces_language(tmp_path: Path) -> None:
    """With ui_language = "fr", what the upgrade says is French (it was
    English whatever the workspace's language); its English twin above."""
    root = init_workspace(tmp_path / "ws")
    toml = root / "veille.toml"
    toml.write_text(toml.read_text().replace('# ui_language = "en"', 'ui_language = "fr"'))
    _as_before_0283(root / "veille.db")
    said = _veille(root, "topic", "list").stderr
    n = "\u202f"
    assert f"migration 0283_fts_ligatures.py de {root / 'veille.db'}{n}: réindexation des " in said
    assert "oeuvre trouve Œuvre" in said and "Elle s’exécute une fois, maintenant" in said
    assert f"peut être interrompue sans risque{n}: rien ne change" in said
    assert f"migration 0283_fts_ligatures.py terminée{n}: 2 publications retravaillées en" in said
    assert "It runs once" not in said and "re-indexing" not in said and "reworked" not in said
    assert re.search(r"retravaillées en \d+,\d s\.", said), said  # 0,4 s: a decimal comma


def test_a_new_workspace_migrates_in_silence(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    made = subprocess.run(
        [sys.executable, "-m", "veille", "init", str(tmp_path / "ws")],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "migration" not in made.stderr
    assert "migration" not in _veille(tmp_path / "ws", "topic", "list").stderr


# Opens the database named by argv[1] when told to on stdin, as a process
# starting after an upgrade does; its log (the migrations' notices) on stderr.
OPENER = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
from veille.store.sqlite import SQLiteStore
print("ready", flush=True)
sys.stdin.readline()
SQLiteStore.open(sys.argv[1]).close()
print("done", flush=True)
"""


def _opener(db: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    process = subprocess.Popen(
        [sys.executable, "-c", OPENER, str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    return process


def _go(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.flush()


def _applied(db: Path) -> list[tuple[int, int]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT number, count(*) FROM schema_migrations GROUP BY number HAVING number >= 283"
        ).fetchall()
    finally:
        conn.close()


def test_two_processes_opening_a_workspace_to_migrate_migrate_it_once(tmp_path: Path) -> None:
    """The collector and the web app started together after an upgrade: the
    second applied the migrations again once the first had committed, and
    failed ('table schema_migrations already exists'). Now one migrates,
    the other waits, and both run."""
    db = tmp_path / "veille.db"
    old_database(db, 283, [make_post(str(n), f"Une œuvre numéro {n}") for n in range(20000)])
    first, second = _opener(db), _opener(db)
    _go(first)
    _go(second)
    outs = [p.communicate(timeout=300) for p in (first, second)]
    # Each process's whole stderr when one fails (a list's repr is cut short).
    assert [p.returncode for p in (first, second)] == [0, 0], "\n----\n".join(e for _o, e in outs)
    said = [err for _out, err in outs]
    assert sum("0283_fts_ligatures.py done: 20,000 posts reworked" in e for e in said) == 1, said
    applied = _applied(db)  # 0283 and every later one, each once
    assert applied[0] == (283, 1) and all(n == 1 for _m, n in applied), applied


def test_a_process_waits_while_another_migrates(tmp_path: Path) -> None:
    """Another process holds the migration lock: this one says what it waits
    for, and migrates once it is let go (finding what is left to do)."""
    db = tmp_path / "veille.db"
    old_database(db, 283, [make_post("1", "Une œuvre")])
    with open(str(db) + "-migrate.lock", "ab") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        waiting = _opener(db)
        _go(waiting)
        assert waiting.stderr is not None
        line = waiting.stderr.readline()
        assert f"{db} is being migrated by another veille process" in line, line
        assert "this one waits until it is done" in line
        assert waiting.poll() is None
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0 and out == "done\n", err
    assert "0283_fts_ligatures.py done: 1 posts reworked" in err
    applied = _applied(db)
    assert applied[0] == (283, 1) and all(n == 1 for _m, n in applied), applied
