"""SQLite implementation of veille.store.protocols.alerts."""

from __future__ import annotations

import sqlite3


class SQLiteAlerts:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection


class SQLiteAlertsTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection
