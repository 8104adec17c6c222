"""Numbered schema migrations.

Each ``NNNN_name.sql`` file beside this module is applied once, in order, in a
transaction of its own; ``PRAGMA user_version`` records the last one applied.
Numbers may skip (each feature owns its numbers) but never go back.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from veille.errors import SchemaTooNew

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


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
        # executescript commits first; BEGIN makes the file and the version atomic.
        script = f"BEGIN IMMEDIATE;\n{mig.sql}\nPRAGMA user_version = {mig.number};\nCOMMIT;"
        try:
            conn.executescript(script)
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        applied.append(mig.name)
    return applied
