"""SQLite implementation of veille.store.protocols.analytics."""

from __future__ import annotations

import sqlite3


class SQLiteAnalytics:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection


class SQLiteAnalyticsTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection
