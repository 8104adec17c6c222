"""Numbered schema migrations.

Each ``NNNN_name.sql`` file beside this module is applied once, in order, in a
transaction of its own; ``PRAGMA user_version`` records the last one applied.
Numbers may skip (each feature owns its numbers) but never go back. A change
SQL alone cannot make (one that needs veille's tokenizer) is a
``NNNN_name.py`` file defining ``migrate(conn)``, run in the same kind of
transaction; it must not commit.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from typing import Any

from veille.errors import SchemaTooNew

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.(sql|py)$")


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str = ""  # the statements of a .sql migration
    source: str = ""  # the code of a .py migration

    def run(self, conn: sqlite3.Connection) -> None:
        """Apply this migration's changes (the caller owns the transaction)."""
        if self.source:
            namespace: dict[str, Any] = {"__name__": f"veille_migration_{self.number}"}
            exec(compile(self.source, self.name, "exec"), namespace)
            namespace["migrate"](conn)
        else:
            conn.executescript(self.sql)


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


def migrate(conn: sqlite3.Connection, *, path: str = "the database") -> list[str]:
    """Bring the schema up to date; return the names of the migrations applied."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    known = migrations()
    if current > known[-1].number:
        raise SchemaTooNew(
            f"{path} was written by a newer veille (schema {current}; "
            f"this one knows up to {known[-1].number})",
            hint="Upgrade veille (pip install -U veille); nothing was changed.",
        )
    applied = []
    for mig in known:
        if mig.number <= current:
            continue
        try:
            if mig.source:
                conn.execute("BEGIN IMMEDIATE")
                mig.run(conn)
                conn.execute(f"PRAGMA user_version = {mig.number}")
                conn.execute("COMMIT")
            else:
                # executescript commits first; BEGIN makes the file and the version atomic.
                script = (
                    f"BEGIN IMMEDIATE;\n{mig.sql}\nPRAGMA user_version = {mig.number};\nCOMMIT;"
                )
                conn.executescript(script)
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        applied.append(mig.name)
    return applied
