"""SQLite implementation of veille.store.protocols.topics."""

from __future__ import annotations

import sqlite3


class SQLiteTopics:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection


class SQLiteTopicsTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection
