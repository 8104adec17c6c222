"""The column copy of the posts a SQLite store keeps for its aggregations
when asked to (:mod:`veille.store.sqlite.analytics_columns`): who owns it.

Apart from the copy itself, which imports NumPy (a fifth of a second): a
store is opened by every command (``veille source list``), and only the
aggregations over a kept copy need it.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from veille.analytics.scope import Scope
    from veille.store.sqlite.analytics_columns import Columns, Selection


class Kept:
    """The column copy a store keeps for its aggregations, when asked to (see
    the module doc): owned by that store object, guarded by a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.columns: Columns | None = None

    def keep(self) -> Columns:
        with self.lock:
            if self.columns is None:
                from veille.store.sqlite.analytics_columns import Columns

                self.columns = Columns()
            return self.columns

    def drop(self) -> None:
        with self.lock:
            self.columns = None

    def select(self, conn: sqlite3.Connection, scope: Scope) -> Selection | None:
        """The posts of ``scope`` in the copy (see :func:`select`), or ``None``
        when none is kept or the plain SQL path should answer."""
        with self.lock:
            if self.columns is None:
                return None
            from veille.store.sqlite.analytics_columns import select

            return select(self.columns, conn, scope)


class KeepsColumns:
    """What the analytics mixins share: the store's connection and its copy."""

    conn: sqlite3.Connection

    def analytics_copy(self) -> Kept:
        # Made on first use rather than in SQLiteStore.__init__ (which the
        # store core owns); one per store object.
        kept: Kept | None = self.__dict__.get("_analytics_copy")
        if kept is None:
            kept = self.__dict__.setdefault("_analytics_copy", Kept())
        return kept

    def keep_columns(self) -> Columns:
        """Keep a column copy of the posts for repeated aggregations over
        ad-hoc queries and topics (a dashboard process); returns it."""
        return self.analytics_copy().keep()

    def drop_columns(self) -> None:
        """Forget the column copy (its memory is freed)."""
        self.analytics_copy().drop()
