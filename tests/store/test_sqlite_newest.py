"""A new SQLite database is made at the newest schema at once (played back
from the snapshot, or every migration in one transaction when the snapshot
is behind), and it is the very database migrating step by step makes."""

import sqlite3
from pathlib import Path
from typing import Any

from veille.store.sqlite import SQLiteStore, _newest
from veille.store.sqlite.migrations import Migration, made_by_migrating, migrate, migrations
from veille.store.sqlite.newest import snapshot


def _everything(conn: sqlite3.Connection) -> dict[str, Any]:
    """What a database holds that a user or a later migration could tell apart."""
    entries = sorted(
        conn.execute("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master")
    )
    rows = {}
    for kind, name, _table, sql in entries:
        if kind == "table" and not sql.upper().startswith("CREATE VIRTUAL"):
            width = len(conn.execute(f'SELECT * FROM "{name}"').description)
            columns = ", ".join(str(i + 1) for i in range(width))
            rows[name] = conn.execute(f'SELECT * FROM "{name}" ORDER BY {columns}').fetchall()
    return {
        "sqlite_master": entries,
        "rows": rows,
        "user_version": conn.execute("PRAGMA user_version").fetchone()[0],
        "foreign_keys": conn.execute("PRAGMA foreign_keys").fetchone()[0],
    }


def _step_by_step(path: Path) -> sqlite3.Connection:
    """A database migrated as one made long ago and upgraded at every
    release: the first migration alone, then each next one in its own
    transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    known = migrations()
    for i in range(len(known)):
        applied = migrate(conn, path=str(path), known=known[: i + 1])
        assert applied == [known[i].name]
    return conn


def test_a_new_database_is_the_one_migrating_step_by_step_makes(tmp_path: Path) -> None:
    stepped = _step_by_step(tmp_path / "stepped.db")
    made = SQLiteStore.open(tmp_path / "made.db")  # played back from the snapshot
    at_once = sqlite3.connect(tmp_path / "at_once.db", isolation_level=None)
    at_once.execute("PRAGMA foreign_keys = ON")
    made_by_migrating(at_once, migrations())  # what a new database gets when it is behind
    expected = _everything(stepped)
    assert len(expected["sqlite_master"]) > 150
    assert expected["rows"]["schema_migrations"] == [(m.number, m.name) for m in migrations()]
    assert _everything(made.conn) == expected
    assert _everything(at_once) == expected
    for conn in (stepped, made.conn, at_once):
        assert migrate(conn, path=str(tmp_path / "x.db")) == []  # nothing left to apply
    made.close()
    stepped.close()
    at_once.close()


def test_the_snapshot_names_every_migration_and_holds_what_they_make() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    made_by_migrating(conn, migrations())
    statements, rows = snapshot(conn)
    regenerate = "the snapshot is behind: run  python -m veille.store.sqlite.newest"
    assert [tuple(m) for m in _newest.MIGRATIONS] == [(m.number, m.name) for m in migrations()], (
        regenerate
    )
    assert statements == _newest.STATEMENTS, regenerate
    kept = {t: r for t, r in rows.items() if t not in ("schema_migrations", "kept_terms")}
    assert kept == _newest.ROWS, regenerate


def test_a_database_made_new_takes_a_later_migration_like_any_other(tmp_path: Path) -> None:
    shipped = migrations()
    later = Migration(
        shipped[-1].number + 1,
        f"{shipped[-1].number + 1:04d}_later.sql",
        sql="-- a feature landing after this one\n"
        "CREATE TABLE later (id INTEGER PRIMARY KEY, topic_id INTEGER REFERENCES topics(id));\n"
        "INSERT INTO later (id) VALUES (7);",
    )
    conn = sqlite3.connect(tmp_path / "v.db", isolation_level=None)
    assert migrate(conn, path=str(tmp_path / "v.db"), known=shipped) == [m.name for m in shipped]
    assert migrate(conn, path=str(tmp_path / "v.db"), known=[*shipped, later]) == [later.name]
    assert conn.execute("SELECT id FROM later").fetchall() == [(7,)]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == later.number
    done = [n for (n,) in conn.execute("SELECT number FROM schema_migrations")]
    assert done == [m.number for m in shipped] + [later.number]
    conn.close()
    # A database made new once the later one shipped gets it too (the
    # snapshot does not name it: every migration in one transaction).
    fresh = sqlite3.connect(tmp_path / "fresh.db", isolation_level=None)
    assert (
        migrate(fresh, path=str(tmp_path / "fresh.db"), known=[*shipped, later])[-1] == later.name
    )
    assert fresh.execute("SELECT id FROM later").fetchall() == [(7,)]
    assert fresh.execute("PRAGMA user_version").fetchone()[0] == later.number
    fresh.close()
