"""SQLite implementation of veille.store.protocols.enrich."""

from __future__ import annotations

import sqlite3


class SQLiteEnrich:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection


class SQLiteEnrichTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection
