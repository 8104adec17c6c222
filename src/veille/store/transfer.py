"""Moving a workspace's state between backends, table by table
(``veille store migrate``; :mod:`veille.services.migrate` drives it).

Each backend that keeps state describes its tables (:class:`TableShape`),
exports rows a page at a time and imports them by their key (an upsert, so a
rerun converges), in the backend-neutral values below; the digest of a table
is computed from those values, so the same rows give the same digest on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# Kinds of column values, as both backends can hold them.
KINDS = ("int", "float", "text", "bytes", "bool")


@dataclass(frozen=True)
class TableShape:
    name: str
    columns: dict[str, str]  # column -> kind
    key: tuple[str, ...]  # the primary key's columns (empty: none)
    # What this store pages the table by (see ``export_rows``): these
    # columns, never NULL, or (empty) the row's own place (rowid, ctid).
    paged_by: tuple[str, ...] = ()


class StateTransfer(Protocol):
    """What a state backend offers :mod:`veille.services.migrate`."""

    def transfer_tables(self) -> dict[str, TableShape]:
        """The state tables of this store (posts-side tables left out)."""
        ...

    def export_rows(
        self,
        shape: TableShape,
        columns: Sequence[str],
        *,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> tuple[list[tuple[Any, ...]], tuple[Any, ...] | None]:
        """A page of ``columns`` of the table: at most ``limit`` rows after
        the position ``after`` (``None``: from the first), in an order of the
        store's own (a digest is order-free), and the position of its last
        row. Read from a position, a page costs what it reads wherever it
        is in the table: an ``OFFSET`` read every row before it again, so
        exporting a table took time quadratic in its rows."""
        ...

    def import_rows(
        self, shape: TableShape, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Upsert ``rows`` by the table's key (insert them where it has none),
        in one transaction."""
        ...

    def clear_rows(self, shape: TableShape) -> None:
        """Empty a table that has no key (before copying it whole again)."""
        ...

    def finish_import(self, shape: TableShape) -> None:
        """After copying identifiers: their sequences continue after them."""
        ...

    def numbers_given(self) -> dict[str, int]:
        """For each table that never gives a number twice (SQLite's
        ``AUTOINCREMENT``, PostgreSQL's sequences): the highest number its
        numbering gave so far, rows removed since included (an erased inbox
        item's number, which the audit log and e-mailed links still name)."""
        ...

    def continue_numbers(self, shape: TableShape, highest: int) -> None:
        """Number the table's next row after ``highest`` (and after its
        rows), never lower than it already would: the copy of a table keeps
        its source's numbers unused as well as its rows."""
        ...


def page_sql(order: Sequence[str], after: tuple[Any, ...] | None, marks: str) -> tuple[str, str]:
    """The ``WHERE`` that starts a page after the position ``after`` (the
    values of ``order`` in the last row read; ``marks``: their
    placeholders) and its ``ORDER BY``."""
    by = ", ".join(order)
    return ("" if after is None else f" WHERE ({by}) > ({marks})"), f" ORDER BY {by}"


def split_page(
    rows: Sequence[Sequence[Any]], k: int, after: tuple[Any, ...] | None
) -> tuple[list[tuple[Any, ...]], tuple[Any, ...] | None]:
    """Rows read with their position first (``k`` values): the rows, and
    the position of the last one (``after`` when there is none)."""
    return [tuple(r[k:]) for r in rows], (tuple(rows[-1][:k]) if rows else after)


def canonical(value: Any) -> Any:
    """The backend-neutral form of a column value."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def row_digest(row: Iterable[Any]) -> int:
    data = json.dumps([canonical(v) for v in row], ensure_ascii=False, default=str)
    return int.from_bytes(hashlib.sha256(data.encode()).digest()[:16], "big")


def combine(total: int, digest: int) -> int:
    """Sums of row digests: the same whatever order the rows are read in."""
    return (total + digest) % (1 << 128)


def coerce(value: Any, kind: str) -> Any:
    """``value`` (from another backend) as a column of ``kind`` holds it."""
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bytes":
        return bytes(value)
    return value


def ident(name: str) -> str:
    """A table or column name quoted for SQL (both dialects quote alike)."""
    return '"' + name.replace('"', '""') + '"'


def upsert_sql(
    shape: TableShape, columns: Sequence[str], mark: str, *, source: str | None = None
) -> str:
    """``INSERT`` of ``columns`` into ``shape``'s table with ``mark`` as each
    value's placeholder (``?`` or ``%s``), or from the table ``source`` (its
    columns of the same names), updating a row already there by the table's
    key when the rows carry it all (SQLite and PostgreSQL say ``ON
    CONFLICT`` alike)."""
    names = ", ".join(ident(c) for c in columns)
    sql = f"INSERT INTO {ident(shape.name)} ({names}) " + (
        f"SELECT {names} FROM {source}"
        if source
        else f"VALUES ({', '.join([mark] * len(columns))})"
    )
    key = [c for c in shape.key if c in columns]
    if key and len(key) == len(shape.key):
        rest = [c for c in columns if c not in key]
        sets = ", ".join(f"{ident(c)} = excluded.{ident(c)}" for c in rest)
        conflict = ", ".join(ident(c) for c in key)
        sql += f" ON CONFLICT ({conflict}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
    return sql
