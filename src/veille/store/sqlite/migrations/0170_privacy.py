"""Forgetting: the erasure log, the pseudonymization key, and rollups that a
retention purge leaves alone (a purge deletes posts but keeps the aggregates)."""

import re

_WHEN = re.compile(r"\bON\s+(\w+)\s*(?:WHEN\s+(.*?))?\s*BEGIN\b", re.S | re.I)
_GUARD = "NOT EXISTS (SELECT 1 FROM privacy_purge)"


_TABLES = [
    # One row while a retention purge runs, in its transaction only.
    "CREATE TABLE privacy_purge (id INTEGER PRIMARY KEY CHECK (id = 1))",
    # What was forgotten and when; a person is named by a keyed hash, not a handle.
    """CREATE TABLE erasures (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            kind TEXT NOT NULL,          -- "author" or "retention"
            platform TEXT,
            subject TEXT NOT NULL,       -- keyed hash of platform:handle, or the cutoff
            posts INTEGER NOT NULL,
            details TEXT NOT NULL DEFAULT '{}'
        )""",
    # The key of pseudonymized exports (made on first use, never shown).
    "CREATE TABLE privacy_key (id INTEGER PRIMARY KEY CHECK (id = 1), key BLOB NOT NULL)",
]


def migrate(conn):
    # One statement at a time: executescript would commit the runner's transaction.
    for sql in _TABLES:
        conn.execute(sql)
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%rollup%'"
    ).fetchall()
    for name, sql in rows:
        if not re.search(r"\bDELETE\s+ON\s+(posts|post_topics)\b", sql, re.I):
            continue
        m = _WHEN.search(sql)
        if m is None:
            continue
        cond = f"({m.group(2).strip()}) AND {_GUARD}" if m.group(2) else _GUARD
        new = sql[: m.start()] + f"ON {m.group(1)} WHEN {cond} BEGIN" + sql[m.end() :]
        conn.execute(f"DROP TRIGGER {name}")
        conn.execute(new)
