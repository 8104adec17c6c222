"""What every domain mixin of the PostgreSQL store uses: run a statement on
the right connection (the transaction's, or one borrowed from the pool)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

Params = Sequence[Any] | dict[str, Any]


class Runner:
    """Mixed into :class:`~veille.store.postgres.store.PostgresStore` (each
    call borrows a pooled connection and commits on its own) and into its
    transaction object (every call on the transaction's connection)."""

    if TYPE_CHECKING:  # provided by the store class this is mixed into

        def connection(self) -> AbstractContextManager[Any]:
            """A psycopg connection for one call."""
            ...

        def write(self) -> AbstractContextManager[Any]:
            """A connection inside one write transaction (nested writes join it)."""
            ...

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        with self.connection() as conn:
            return list(conn.execute(sql, params).fetchall())

    def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        with self.connection() as conn:
            row: tuple[Any, ...] | None = conn.execute(sql, params).fetchone()
            return row

    def run(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the rows it changed."""
        with self.connection() as conn:
            return int(conn.execute(sql, params).rowcount)

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)
        if not batch:
            return
        with self.connection() as conn, conn.cursor() as cur:
            cur.executemany(sql, batch)


class OnConnection(Runner):
    """A :class:`Runner` whose every call runs on one connection (a
    transaction's: nested writes join it)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @contextmanager
    def connection(self) -> Iterator[Any]:
        yield self.conn

    @contextmanager
    def write(self) -> Iterator[Any]:
        yield self.conn


def chunks(items: Sequence[Any], size: int = 5000) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])
