"""What every domain mixin of the PostgreSQL store uses: run a statement on
the right connection (the transaction's, or one borrowed from the pool)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

Params = Sequence[Any] | dict[str, Any]

_NONE = type(None)
_FLOATS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _element(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(value: float) -> str:
    said = repr(value)
    return _FLOATS.get(said, said)


def _hex(value: bytes) -> str:
    return '"\\\\x' + value.hex() + '"'


def pg_array(values: Sequence[Any]) -> Any:
    """``values`` (one column of a batch) as PostgreSQL's array input text
    (``{"a","b\\"c",NULL}``), for a parameter the statement casts
    (``%s::text[]``, ``= ANY(%s::bigint[])``). Made with ``str.join``, where
    psycopg dumps a list element by element in Python (profiled: an ingest
    of 20,000 posts with its state in PostgreSQL spent 2.7 of its 47 s
    there, on the filings, outbox rows, signatures and band keys of its
    batches; a column of 10,000 ids took 6.4 ms there, 1.2 here). Columns of
    ``str``, ``int``, ``float``, ``bytes`` and ``None`` only; any other (a
    bool, a subclass of those) is given back as a list, which psycopg dumps."""
    types = set(map(type, values))
    nulls = _NONE in types
    types.discard(_NONE)
    if not types:
        return list(values)
    if types == {str}:
        if not nulls:
            text = '","'.join(values)
            if "\\" not in text and '"' not in text:  # nothing to escape
                return '{"' + text + '"}'
        make: Any = _element
    elif types <= {int, float}:
        if not nulls:
            text = ",".join(map(repr, values))
            if "n" not in text:  # no NaN, no infinity
                return "{" + text + "}"
        make = _number
    elif types == {bytes}:
        make = _hex
    else:
        return list(values)
    return "{" + ",".join("NULL" if v is None else make(v) for v in values) + "}"


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

    def run_columns(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """One statement for every row of ``rows``, bound as one array per
        column (:func:`pg_array`): ``sql`` reads them with
        ``unnest(%s::type[], ...)``, each cast to its type. One round
        trip and one plan for a batch, where :meth:`run_many` sends a row at a
        time (profiled: the signatures, band keys and filings of 5,000
        ingested posts, about 110,000 rows, took 4.4 s through ``run_many``,
        2.6 through this); the rows it changed."""
        batch = list(rows)
        if not batch:
            return 0
        return self.run(sql, [pg_array(col) for col in zip(*batch, strict=True)])

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """``rows`` appended to ``table`` with ``COPY`` (for rows that
        conflict with none: no ``ON CONFLICT`` there), on the call's
        connection (a transaction's joins it). Measured: 32,000 band keys
        took 0.2 s where ``INSERT … SELECT unnest`` took 0.3 to 0.5."""
        with (
            self.connection() as conn,
            conn.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)


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
