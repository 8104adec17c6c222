"""Numbered schema migrations.

Each ``NNNN_name.sql`` file beside this module is applied once, in order, in a
transaction of its own; the ``schema_migrations`` table records each one
applied (``PRAGMA user_version`` keeps the highest, which an older veille
reads to refuse a newer schema). Numbers may skip (each feature owns its
numbers), and one numbered below the highest applied is still applied when it
arrives later: features land in any order, so "everything up to the highest
number" is not what a database has. A change
SQL alone cannot make (one that needs veille's tokenizer) is a
``NNNN_name.py`` file defining ``migrate(conn)``, run in the same kind of
transaction; it must not commit. One that may take long over many posts
(it reworks them) also defines ``ABOUT``, what it does and why: on a
database holding posts, that is said (logged as a warning, so that any
command shows it on stderr) before it starts, with that it runs once and may
be interrupted, and when it ends, with how many posts ``migrate`` says it
reworked and how long it took. Quick migrations say nothing. One that
builds a table again that others point at (SQLite's way to change a
column's definition) sets ``REBUILDS = True``: it runs with foreign keys
off, as SQLite asks for such a change (dropping the old table would
otherwise delete every row pointing at it), and the keys are checked
before it commits: those of the tables it names (``REBUILDS =
("inbox_items",)``) and of the tables pointing at them, or every key
where it says only ``True``.

Two processes opening a database at once (the collector and the web app
started together after an upgrade) migrate it once: the one that finds
migrations to apply takes a lock on the file ``<database>-migrate.lock``
beside it (``flock``: a process that dies lets go of it), reads again what
is applied, and applies the rest; the other says it waits, then finds
nothing left to do. (Without it, the second applied the migrations again
once the first had committed, and failed on a table or column that
already existed.)

A database made new (no table yet, ``user_version`` 0: ``veille init``, a
new workspace, each test's store) is made at the newest schema at once:
played back from the snapshot of what migrating leaves (:mod:`.newest`),
or, when the snapshot is behind the migrations shipped, every migration in
ONE transaction instead of one each (the same statements in the same
order). Either way it is the database migrating step by step makes (a test
compares them), and the record says every migration was applied, so a
later one is applied to it like to any other. Foreign keys are off for
that transaction, as for a rebuilding migration (the setting cannot change
inside one), which changes nothing on tables with no rows; every key is
still checked before the commit.
"""

from __future__ import annotations

import fcntl
import logging
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

from veille.errors import Count, Figure, SchemaTooNew, tr
from veille.store.upgrading import upgrading_store

log = logging.getLogger(__name__)
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.(sql|py)$")


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str = ""  # the statements of a .sql migration
    source: str = ""  # the code of a .py migration

    def run(self, conn: sqlite3.Connection, *, path: str = "the database") -> None:
        """Apply this migration's changes (the caller owns the transaction);
        one that may take long says so before and after (see the module)."""
        if not self.source:
            conn.executescript(self.sql)
            return
        namespace = self._module
        about = namespace.get("ABOUT")
        if not about or not _holds_posts(conn):
            namespace["migrate"](conn)
            return
        log.warning(
            tr(
                "migration %(name)s of %(path)s: %(about)s It runs once, now, before veille "
                "goes on; over millions of posts it takes a minute or more. It is safe to "
                "interrupt: nothing changes until it ends, and it starts again the next time "
                "the workspace opens.",
                name=self.name, path=path, about=tr(about),
            )
        )  # fmt: skip
        started = time.monotonic()
        reworked = namespace["migrate"](conn)
        log.warning(
            tr(
                "migration %(name)s done: %(count)s posts reworked in %(seconds)s s.",
                name=self.name, count=Count(int(reworked or 0)),
                seconds=Figure(time.monotonic() - started, 1),
            )
        )  # fmt: skip

    @cached_property
    def _module(self) -> dict[str, Any]:
        """The names a .py migration defines, its code run once (the runner
        asks what it rebuilds, then runs it)."""
        namespace: dict[str, Any] = {"__name__": f"veille_migration_{self.number}"}
        exec(compile(self.source, self.name, "exec"), namespace)
        return namespace

    @property
    def rebuilds(self) -> bool:
        """Whether this migration builds again a table others point at."""
        return bool(self.source) and bool(self._module.get("REBUILDS"))

    @property
    def rebuilt_tables(self) -> tuple[str, ...]:
        """The tables it builds again, where ``REBUILDS`` names them (empty:
        ``REBUILDS = True``, which does not say)."""
        named = self._module.get("REBUILDS") if self.source else None
        if isinstance(named, str):
            return (named,)
        return tuple(named) if isinstance(named, (tuple, list)) else ()


def _holds_posts(conn: sqlite3.Connection) -> bool:
    try:
        return conn.execute("SELECT 1 FROM posts LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:  # no posts table (yet)
        return False


def migrations() -> list[Migration]:
    """Every migration shipped with this version, in order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        m = _NAME.match(entry.name)
        if m:
            text = entry.read_text("utf-8")
            number = int(m.group(1))
            if m.group(2) == "py":
                found.append(Migration(number, entry.name, source=text))
            else:
                found.append(Migration(number, entry.name, sql=text))
    found.sort(key=lambda mig: mig.number)
    return found


def latest_version() -> int:
    return migrations()[-1].number


_RECORD_TABLE = "CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL)"
_CREATED = re.compile(r"\bCREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I)


def _seed_record(conn: sqlite3.Connection, current: int, known: list[Migration]) -> None:
    """Start ``schema_migrations`` for a database that predates it: the
    migrations up to its ``user_version`` were applied, except one whose
    first table is missing (it landed after a higher-numbered one had
    already been applied there: the old rule skipped it)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(_RECORD_TABLE)
    for mig in known:
        if mig.number > current:
            continue
        created = _CREATED.search(mig.sql or "")
        if created and created.group(1) not in tables:
            continue
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (mig.number, mig.name))
    conn.execute("COMMIT")


def _pending(conn: sqlite3.Connection, known: list[Migration], path: str) -> bool:
    """Whether a migration is left to apply (refusing a newer schema)."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > known[-1].number:
        raise SchemaTooNew(
            tr("%(path)s was written by a newer veille (schema %(current)s; "
               "this one knows up to %(known)s)",
               path=path, current=current, known=known[-1].number),
            hint=tr("Upgrade veille (pip install -U veille); nothing was changed."),
        )  # fmt: skip
    has_record = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not has_record:
        return True
    done = {n for (n,) in conn.execute("SELECT number FROM schema_migrations")}
    return any(m.number not in done for m in known)


@contextmanager
def _migrating(path: str) -> Iterator[None]:
    """This process alone migrates the database at ``path`` (see the module);
    an in-memory database is this process's own."""
    if path == ":memory:":
        yield
        return
    with upgrading_store(path), open(path + "-migrate.lock", "ab") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning(
                tr(
                    "%(path)s is being migrated by another veille process (started at the "
                    "same time, after an upgrade); this one waits until it is done.",
                    path=path,
                )
            )
            fcntl.flock(f, fcntl.LOCK_EX)
        yield  # closing the file lets go of the lock


def migrate(
    conn: sqlite3.Connection, *, path: str = "the database", known: list[Migration] | None = None
) -> list[str]:
    """Bring the schema up to date; return the names of the migrations applied.
    ``known``: the migrations to bring it to (those shipped with this version
    unless given)."""
    known = migrations() if known is None else sorted(known, key=lambda mig: mig.number)
    if not _pending(conn, known, path):
        return []
    with _migrating(path):
        # What another process applied while this one waited is not applied again.
        if not _pending(conn, known, path):
            return []
        if _is_new(conn):
            return _make_new(conn, known, path)
        return _apply(conn, known, path)


def _is_new(conn: sqlite3.Connection) -> bool:
    """Whether the database holds nothing yet (not even a table)."""
    return (
        conn.execute("PRAGMA user_version").fetchone()[0] == 0
        and conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is None
    )


def _make_new(conn: sqlite3.Connection, known: list[Migration], path: str) -> list[str]:
    """Make the newest schema in an empty database at once (see the module)."""
    # Imported here: ``python -m veille.store.sqlite.newest`` runs that module.
    from veille.store.sqlite.newest import play_back

    with _at_once(conn):
        if play_back(conn, [(mig.number, mig.name) for mig in known]):
            conn.executemany(
                "INSERT INTO schema_migrations VALUES (?, ?)",
                [(mig.number, mig.name) for mig in known],
            )
        else:
            _apply_every(conn, known, path)
        conn.execute(f"PRAGMA user_version = {known[-1].number}")
    return [mig.name for mig in known]


def made_by_migrating(
    conn: sqlite3.Connection, known: list[Migration], path: str = "the database"
) -> None:
    """Apply every migration in ``known`` to the empty database ``conn``, in
    one transaction, never from the snapshot: what the snapshot is written
    from (and compared with)."""
    with _at_once(conn):
        _apply_every(conn, known, path)
        conn.execute(f"PRAGMA user_version = {known[-1].number}")


@contextmanager
def _at_once(conn: sqlite3.Connection) -> Iterator[None]:
    """One transaction with foreign keys off (they cannot be turned off
    inside it, and rebuilding migrations need them off), every key checked
    before the commit, the setting given back whatever happens."""
    was_on = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(
                f"the migrations leave {len(broken)} rows pointing at nothing in a new "
                f"database (first: {broken[0]}); nothing was made"
            )
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.rollback()
        conn.execute(f"PRAGMA foreign_keys = {'ON' if was_on else 'OFF'}")


def _apply_every(conn: sqlite3.Connection, known: list[Migration], path: str) -> None:
    """Every migration, in the caller's transaction, with its record."""
    conn.execute(_RECORD_TABLE)
    for mig in known:
        if mig.source:
            mig.run(conn, path=path)
        else:
            # Statement by statement: executescript would commit first.
            for statement in _statements(mig.sql):
                conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (mig.number, mig.name))


def _statements(script: str) -> Iterator[str]:
    """The statements of an SQL script, one at a time: each ``;`` that ends a
    complete statement (not one inside a string, a comment or a trigger's
    body, which :func:`sqlite3.complete_statement` tells apart) closes one."""
    start = 0
    at = script.find(";")
    while at != -1:
        piece = script[start : at + 1]
        if sqlite3.complete_statement(piece):
            yield piece
            start = at + 1
        at = script.find(";", at + 1)
    rest = script[start:]
    if rest.strip():
        yield rest  # a last statement without its ';', or a comment (which runs as nothing)


def _apply(conn: sqlite3.Connection, known: list[Migration], path: str) -> list[str]:
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    has_record = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not has_record:
        _seed_record(conn, current, known)
    done = {n for (n,) in conn.execute("SELECT number FROM schema_migrations")}
    applied = []
    for mig in known:
        if mig.number in done:
            continue
        version = max(current, mig.number)
        record = f"INSERT INTO schema_migrations VALUES ({mig.number}, '{mig.name}')"
        try:
            if mig.source and mig.rebuilds:
                _rebuild(conn, mig, path, record, version)
            elif mig.source:
                conn.execute("BEGIN IMMEDIATE")
                mig.run(conn, path=path)
                conn.execute(record)
                conn.execute(f"PRAGMA user_version = {version}")
                conn.execute("COMMIT")
            else:
                # executescript commits first; BEGIN makes the file and the record atomic.
                script = (
                    f"BEGIN IMMEDIATE;\n{mig.sql}\n{record};\n"
                    f"PRAGMA user_version = {version};\nCOMMIT;"
                )
                conn.executescript(script)
            current = version
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        applied.append(mig.name)
    return applied


def _rebuild(
    conn: sqlite3.Connection, mig: Migration, path: str, record: str, version: int
) -> None:
    """Apply ``mig``, which builds a table again, as SQLite says such a
    change is made: foreign keys off (outside the transaction, where the
    setting can change), every key checked before the commit, the setting
    given back whatever happens."""
    was_on = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        mig.run(conn, path=path)
        broken = _broken_keys(conn, mig.rebuilt_tables)
        if broken:
            raise RuntimeError(
                f"migration {mig.name} would leave {len(broken)} rows pointing at nothing "
                f"(first: {broken[0]}); nothing was changed"
            )
        conn.execute(record)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.rollback()
        conn.execute(f"PRAGMA foreign_keys = {'ON' if was_on else 'OFF'}")


def _broken_keys(conn: sqlite3.Connection, rebuilt: tuple[str, ...]) -> list[Any]:
    """The rows whose foreign key points at nothing, among those a rebuild
    of ``rebuilt`` could break: the tables built again and every table
    pointing at one of them (all tables where ``rebuilt`` is empty). A row
    left dangling elsewhere before the upgrade (a user deleted with the
    sqlite3 shell, whose foreign keys are off by default) is no reason to
    refuse it, and checking every post's filings took seconds on a large
    workspace."""
    if not rebuilt:
        return conn.execute("PRAGMA foreign_key_check").fetchall()
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    pointing = {
        name
        for name in tables
        if any(
            row[2] in rebuilt for row in conn.execute(f"PRAGMA foreign_key_list({_quoted(name)})")
        )
    }
    broken: list[Any] = []
    for name in sorted(pointing | {t for t in rebuilt if t in tables}):
        broken += conn.execute(f"PRAGMA foreign_key_check({_quoted(name)})").fetchall()
    return broken


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
