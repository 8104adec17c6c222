"""Domain code that SQLite and PostgreSQL run alike: the inbox, the plan and
the privacy key and log are the same SQL on both, written once here.

Each backend hands these mixins a :class:`Sql`: statements use ``?`` for
parameters (the PostgreSQL adapter turns them into ``%s``), the upsert forms
both databases know (``ON CONFLICT ... DO UPDATE/NOTHING``, ``RETURNING``),
and :attr:`Sql.find` where they name a function differently. Writes that
must not race (an item's version, a reply claim) are single conditional
statements, so they hold under PostgreSQL's concurrent transactions as under
SQLite's single writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

Params = Sequence[Any]


class Sql(Protocol):
    """One backend's way to run the portable statements (on a connection
    or inside a transaction)."""

    #: ``instr`` (SQLite) or ``strpos`` (PostgreSQL): ``find(haystack, needle) > 0``.
    find: str

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]: ...

    def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None: ...

    def run(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the rows it changed."""
        ...

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


class SqlSource(Protocol):
    """What a store class offers the portable mixins."""

    def _sql_read(self) -> Sql:
        """Statements outside a transaction (each sees the last commit)."""
        ...

    def _sql_write(self) -> AbstractContextManager[Sql]:
        """Statements in one write transaction."""
        ...


def marks(n: int) -> str:
    return ",".join("?" * n)
