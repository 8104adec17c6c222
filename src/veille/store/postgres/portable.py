"""PostgreSQL's side of :mod:`veille.store.portable`: the shared domain code
runs through :class:`~veille.store.postgres.base.Runner` (a pooled connection,
or the transaction's), its ``?`` marks turned into psycopg's ``%s``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from veille.store.portable import Params, Sql
from veille.store.postgres.base import OnConnection, Runner


def pg_sql(sql: str) -> str:
    """A portable statement in psycopg's parameter style (the shared SQL
    keeps ``?`` out of its literals)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgSql:
    """:class:`veille.store.portable.Sql` over a :class:`Runner`."""

    find = "strpos"

    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return self.runner.rows(pg_sql(sql), params)

    def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        return self.runner.one(pg_sql(sql), params)

    def run(self, sql: str, params: Params = ()) -> int:
        return self.runner.run(pg_sql(sql), params)

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.runner.run_many(pg_sql(sql), rows)


class PgPortable(Runner):
    """Mixed into :class:`~veille.store.postgres.store.PostgresStore` beside
    the portable domain mixins."""

    def _sql_read(self) -> Sql:
        return PgSql(self)

    @contextmanager
    def _sql_write(self) -> Iterator[Sql]:
        with self.write() as conn:
            yield PgSql(OnConnection(conn))


class PgPortableTx(Runner):
    """Mixed into the PostgreSQL transaction object (whose calls all run on
    its connection)."""

    def _sql_tx(self) -> Sql:
        return PgSql(self)
