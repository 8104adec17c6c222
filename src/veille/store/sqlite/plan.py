"""SQLite implementation of veille.store.protocols.plan: the shared SQL of
:mod:`veille.store.portable.plan`."""

from __future__ import annotations

from veille.store.portable.plan import PortablePlan
from veille.store.sqlite.portable import SQLitePortable


class SQLitePlan(SQLitePortable, PortablePlan):
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""


class SQLitePlanTx:
    """No plan writes join another transaction."""
