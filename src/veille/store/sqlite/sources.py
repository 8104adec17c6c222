"""SQLite implementation of veille.store.protocols.sources."""

from __future__ import annotations

import sqlite3


class SQLiteSources:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection


class SQLiteSourcesTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection
