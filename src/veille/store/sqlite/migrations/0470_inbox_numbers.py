"""An inbox item's number is never given to another item.

``inbox_items.id`` was SQLite's plain row id, which gives the next row the
highest number in the table plus one: when the newest item was removed (a
person erased, the inbox's retention), the next item got its number. The
audit log names items by number (``inbox:42``), so the removed item's
history then read as the new one's, in its page's audit and in its
author's access report; a link to ``/inbox/42`` sent by e-mail opened
another person's item.

The table is built again with ``AUTOINCREMENT`` (SQLite then keeps the
highest number ever given, in ``sqlite_sequence``), its rows, numbers and
indexes kept. The highest number given before this change is the higher of
the items' and of those the audit log names, so that the numbers of items
removed before the upgrade are not given again either. PostgreSQL's
identity sequence never gave a number twice.
"""

from __future__ import annotations

import re
import sqlite3

# The table built again (its keys and those pointing at it are checked).
REBUILDS = ("inbox_items",)


def migrate(conn: sqlite3.Connection) -> int:
    (table_sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'inbox_items'"
    ).fetchone()
    new_sql, n = re.subn(
        r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b(?!\s+AUTOINCREMENT)",
        "id INTEGER PRIMARY KEY AUTOINCREMENT",
        table_sql,
        count=1,
        flags=re.I,
    )
    if n != 1:
        raise RuntimeError(f"inbox_items is not as this migration expects: {table_sql}")
    new_sql = re.sub(r"\binbox_items\b", "inbox_items_numbered", new_sql, count=1)
    others = [
        sql
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'inbox_items' "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL"
        )
    ]
    columns = ", ".join(r[1] for r in conn.execute("PRAGMA table_info(inbox_items)"))
    conn.execute(new_sql)
    conn.execute(f"INSERT INTO inbox_items_numbered ({columns}) SELECT {columns} FROM inbox_items")
    conn.execute("DROP TABLE inbox_items")
    conn.execute("ALTER TABLE inbox_items_numbered RENAME TO inbox_items")
    for sql in others:
        conn.execute(sql)
    (highest,) = conn.execute(
        "SELECT max(coalesce((SELECT max(id) FROM inbox_items), 0), coalesce((SELECT "
        "max(CAST(substr(target, 7) AS INTEGER)) FROM audit_log WHERE target LIKE 'inbox:%'), 0))"
    ).fetchone()
    conn.execute("DELETE FROM sqlite_sequence WHERE name = 'inbox_items'")
    conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('inbox_items', ?)", (highest,))
    return 0
