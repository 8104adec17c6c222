"""SQLite's side of :mod:`veille.store.portable`: the shared domain code
runs on this thread's connection, its writes in :meth:`SQLiteStore.transaction`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from veille.store.portable import Params, Sql


class SQLiteSql:
    """:class:`veille.store.portable.Sql` over one sqlite3 connection."""

    find = "instr"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.conn.execute(sql, params).fetchone()
        return row

    def run(self, sql: str, params: Params = ()) -> int:
        return int(self.conn.execute(sql, params).rowcount)

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)


class SQLitePortable:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore` beside the
    portable domain mixins."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:  # given by SQLiteStore

        def transaction(self) -> AbstractContextManager[Any]: ...

    def _sql_read(self) -> Sql:
        return SQLiteSql(self.conn)

    @contextmanager
    def _sql_write(self) -> Iterator[Sql]:
        with self.transaction():
            yield SQLiteSql(self.conn)


class SQLitePortableTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection

    def _sql_tx(self) -> Sql:
        return SQLiteSql(self.conn)
