"""Filings of topics held elsewhere: ``post_topics`` and ``topic_sync`` name a
topic by id only, no longer by a key into this file's ``topics`` table.

A workspace may keep its posts in a SQLite file and its topics in another
store ([store] state = postgresql://…): the posts file then files posts under
topics it does not hold (as chDB does), which the foreign keys refused. When
the topics are here, deleting one still takes its filings and its sync mark
with it, through a trigger rather than the cascade.

SQLite cannot drop a constraint in place: both tables are made again and
their rows copied, with the triggers that read ``post_topics`` (the rollups)
set aside for the copy and put back as they were, in the order they were
made.
"""

import re

_FILINGS = """CREATE TABLE post_topics (
    post_pk INTEGER NOT NULL REFERENCES posts (pk) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL,       -- topics (id), here or in the state store
    PRIMARY KEY (post_pk, topic_id)
) WITHOUT ROWID"""
_SYNC = """CREATE TABLE topic_sync (
    topic_id INTEGER PRIMARY KEY,    -- topics (id), here or in the state store
    version INTEGER NOT NULL
)"""
_FORGET = """CREATE TRIGGER topic_filings_forgotten AFTER DELETE ON topics BEGIN
    DELETE FROM post_topics WHERE topic_id = OLD.id;
    DELETE FROM topic_sync WHERE topic_id = OLD.id;
END"""


def migrate(conn):
    # One statement at a time: executescript would commit the runner's transaction.
    triggers = [
        (name, sql)
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid"
        )
        if re.search(r"\b(post_topics|topic_sync)\b", sql)
    ]
    for name, _ in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    for table, create, columns in (
        ("post_topics", _FILINGS, "post_pk, topic_id"),
        ("topic_sync", _SYNC, "topic_id, version"),
    ):
        conn.execute(f"ALTER TABLE {table} RENAME TO {table}_keyed")
        conn.execute(create)
        conn.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}_keyed "
            f"ORDER BY {columns}"
        )
        conn.execute(f"DROP TABLE {table}_keyed")
    conn.execute("CREATE INDEX post_topics_topic ON post_topics (topic_id, post_pk)")
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute(_FORGET)
