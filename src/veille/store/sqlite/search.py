"""SQLite implementation of veille.store.protocols.search."""

from __future__ import annotations

import sqlite3


class SQLiteSearch:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection


class SQLiteSearchTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection
