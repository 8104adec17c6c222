"""Numbered schema migrations of the PostgreSQL StateStore.

Each ``NNNN_name.sql`` file beside this module is applied once, in order;
``veille_schema`` records those applied. Pending migrations run in one
transaction under an advisory lock, so collectors starting together on many
machines migrate once and the others wait (PostgreSQL's DDL is transactional:
a failed migration leaves nothing behind). A process that finds the lock
taken says so (logged as a warning) before it waits: a web worker started
during a long migration otherwise printed nothing for as long as it took.
"""

from __future__ import annotations

import logging
import re
from contextlib import ExitStack
from dataclasses import dataclass
from importlib import resources
from typing import Any

from veille.errors import SchemaTooNew, tr
from veille.store.upgrading import upgrading_store

log = logging.getLogger(__name__)
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# pg_advisory_xact_lock key: "veille" in ASCII, so other tools' locks differ.
_LOCK = 0x766569_6C6C65


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Every migration shipped with this version, in order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda mig: mig.number)
    return found


def latest_version() -> int:
    return migrations()[-1].number


def migrate(conn: Any, *, where: str = "the database") -> list[str]:
    """Bring the schema up to date on ``conn`` (an autocommit psycopg
    connection); the names of the migrations applied."""
    known = migrations()
    applied: list[str] = []
    # Marked as upgrading while it waits for another process's migration or
    # applies its own: the web app's pages say so (503) rather than hang.
    with ExitStack() as upgrading, conn.transaction():
        taken = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (_LOCK,)).fetchone()
        if not taken[0]:
            upgrading.enter_context(upgrading_store(where))
            log.warning(
                tr(
                    "the PostgreSQL state store %(store)s is being migrated by another veille "
                    "process (or another holds its migration lock); this one waits until it "
                    "is done.",
                    store=where,
                )
            )
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS veille_schema (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {int(v) for (v,) in conn.execute("SELECT version FROM veille_schema")}
        current = max(done, default=0)
        if current > known[-1].number:
            raise SchemaTooNew(
                tr("%(path)s was written by a newer veille (schema %(current)s; "
                   "this one knows up to %(known)s)",
                   path=where, current=current, known=known[-1].number),
                hint=tr("Upgrade veille (pip install -U veille); nothing was changed."),
            )  # fmt: skip
        # Each one not recorded, numbered below the highest applied too:
        # features land in any order (each owns its numbers), so "everything
        # up to the highest number" is not what a database has (as SQLite's).
        for mig in known:
            if mig.number in done:
                continue
            if taken[0] and not applied:
                upgrading.enter_context(upgrading_store(where))
            conn.execute(mig.sql)
            conn.execute(
                "INSERT INTO veille_schema (version, name) VALUES (%s, %s)", (mig.number, mig.name)
            )
            applied.append(mig.name)
    return applied
