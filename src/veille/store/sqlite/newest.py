"""The newest schema, kept as what migrating an empty database leaves.

Applying the 54 migrations to a new database costs about 140 ms of CPU
(each ``ALTER TABLE`` makes SQLite parse its whole schema again), paid by
``veille init``, every new workspace and most tests. What they leave, the
``sqlite_master`` statements in the order they were made and the rows the
migrations insert, is kept in ``_newest.py`` beside this module; playing
it back takes a few milliseconds. It serves only while it names exactly
the migrations this version ships: one that lands without regenerating it
makes new databases the slow way (still right), and a test says to run::

    python -m veille.store.sqlite.newest

which migrates an empty database in memory and writes ``_newest.py`` again.
A test proves a database made from it equals one migrated step by step.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

Rows = dict[str, list[tuple[Any, ...]]]


def _terms_kept() -> list[tuple[Any, ...]]:
    from veille.analytics.trends import terms_version

    return [(terms_version(),)]


# Rows a migration writes from this installation rather than from its own
# text (migration 0360 records the version of the installed term
# extraction): made at play-back, never kept in the snapshot.
_OF_THIS_INSTALL = {"kept_terms": _terms_kept}


def play_back(conn: sqlite3.Connection, known: list[tuple[int, str]]) -> bool:
    """Make the newest schema in ``conn`` (empty, in the caller's
    transaction) from the snapshot, if it names exactly the migrations
    ``known`` (number, file name); whether it did."""
    from veille.store.sqlite import _newest

    if [tuple(m) for m in _newest.MIGRATIONS] != known:
        return False
    for statement in _newest.STATEMENTS:
        conn.execute(statement)
    kept: Rows = _newest.ROWS  # type: ignore[assignment]  # (its rows mix types)
    rows = kept | {table: made() for table, made in _OF_THIS_INSTALL.items()}
    for table, held in rows.items():
        for row in held:
            marks = ", ".join("?" * len(row))
            # OR REPLACE: an FTS table writes its own first rows when made.
            conn.execute(f"INSERT OR REPLACE INTO {_quoted(table)} VALUES ({marks})", row)
    return True


def snapshot(conn: sqlite3.Connection) -> tuple[list[str], Rows]:
    """The statements that make ``conn``'s schema, in the order they were
    made, and every row its tables hold: what :func:`play_back` replays.
    Left out: what SQLite makes by itself (an index for a UNIQUE
    constraint, ``sqlite_sequence``, an FTS table's own tables), whose
    rows are kept all the same."""
    entries = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY rowid").fetchall()
    # SQLite says which tables it made itself for a virtual one ("shadow").
    kinds = {name: kind for (schema, name, kind, *_) in conn.execute("PRAGMA table_list")
             if schema == "main"}  # fmt: skip
    virtual = {name for name, kind in kinds.items() if kind == "virtual"}
    shadow = {name for name, kind in kinds.items() if kind == "shadow"}
    statements = [
        sql for (_kind, name, sql) in entries
        if sql and name not in shadow and not name.startswith("sqlite_")
    ]  # fmt: skip
    rows: Rows = {}
    for kind, name, _sql in entries:
        if kind != "table" or name in virtual:
            continue
        held = conn.execute(f"SELECT * FROM {_quoted(name)}").fetchall()
        if held:
            rows[name] = [tuple(r) for r in held]
    return statements, rows


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write(path: Path) -> None:
    """Migrate an empty database in memory and write what it holds, as
    :func:`play_back` reads it, to ``path``."""
    from veille.store.sqlite.migrations import made_by_migrating, migrations

    known = migrations()
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        made_by_migrating(conn, known)
        statements, rows = snapshot(conn)
    finally:
        conn.close()
    lines = [
        '"""The newest SQLite schema: written by ``python -m veille.store.sqlite.newest``',
        '(see newest.py); do not edit."""',
        "",
        "# ruff: noqa: E501",
        "# fmt: off",
        "MIGRATIONS = [",
        *(f"    ({m.number}, {m.name!r})," for m in known),
        "]",
        "STATEMENTS = [",
        *(f"    {s!r}," for s in statements),
        "]",
        "ROWS = {",
    ]
    for table, held in rows.items():
        if table == "schema_migrations" or table in _OF_THIS_INSTALL:
            continue  # written from MIGRATIONS (see migrations.py), or at play-back
        lines.append(f"    {table!r}: [")
        lines += [f"        {row!r}," for row in held]
        lines.append("    ],")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(Path(__file__).with_name("_newest.py"))
    print(f"wrote {Path(__file__).with_name('_newest.py')}")
