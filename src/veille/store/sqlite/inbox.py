"""SQLite implementation of veille.store.protocols.inbox: the state is the
shared SQL of :mod:`veille.store.portable.inbox`; the posts around an item
are read here, where the posts are."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from veille.store.portable.inbox import PortableInbox, PortableInboxTx
from veille.store.sqlite.portable import SQLitePortable, SQLitePortableTx

if TYPE_CHECKING:
    from veille.models import Post


class SQLiteInbox(SQLitePortable, PortableInbox):
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    def replies_to(self, post_id: str, *, limit: int = 200) -> list[Post]:
        from veille.store.sqlite.rows import READ_COLUMNS, row_to_post

        rows = self.conn.execute(
            f"SELECT {READ_COLUMNS} FROM posts WHERE parent_id = ? ORDER BY published_at LIMIT ?",
            (post_id, limit),
        )
        return [row_to_post(r) for r in rows]


class SQLiteInboxTx(SQLitePortableTx, PortableInboxTx):
    """Mixed into the SQLite transaction object."""
