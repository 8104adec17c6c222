"""SQLite implementation of veille.store.protocols.topics."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.models import Post
    from veille.query.topics import Topic, TopicVersion

_SELECT = """
SELECT t.id, t.name, v.query, v.version, t.created_at, v.created_at
FROM topics t JOIN topic_versions v ON v.topic_id = t.id
WHERE v.version = (SELECT max(version) FROM topic_versions WHERE topic_id = t.id)
"""
_CHUNK = 450
# New filings ``[[post pk, topic id], ...]`` added to the sources' rollup
# (migration 0660), whose triggers follow them from then on.
_SOURCES_FILED = (
    "INSERT INTO source_rollup (topic_id, day, platform, source, posts, engagement) "
    "SELECT json_extract(f.value, '$[1]') AS topic, p.published_at / 86400 AS d, "
    "p.platform, coalesce(p.source, '') AS src, count(*), sum(p.likes + p.shares + p.replies) "
    "FROM json_each(?) f JOIN posts p ON p.pk = json_extract(f.value, '$[0]') "
    "WHERE true GROUP BY topic, d, p.platform, src "
    "ON CONFLICT (topic_id, day, platform, source) DO UPDATE SET "
    "posts = posts + excluded.posts, engagement = engagement + excluded.engagement"
)


def file_filings(conn: sqlite3.Connection, filings: Sequence[tuple[int, int]]) -> int:
    """Insert ``(post pk, topic id)`` filings (those already there are left
    alone) and add the new ones to ``topic_rollup``, grouped by topic and
    quarter-hour, and to ``source_rollup``, grouped by topic, day, platform
    and source: one upsert per group rather than one per filing (what the
    dropped ``topic_rollup_filed`` trigger did). Every writer of
    ``post_topics`` files through here. Returns how many were new."""
    if not filings:
        return 0
    new = conn.execute(
        "INSERT OR IGNORE INTO post_topics (post_pk, topic_id) "
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) "
        "RETURNING post_pk, topic_id",
        (json.dumps(filings),),
    ).fetchall()
    if new:
        conn.execute(
            "INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach, counted, "
            "followed) SELECT json_extract(f.value, '$[1]') AS topic, "
            "p.published_at / 900 AS bucket, "
            "count(*), sum(p.likes + p.shares + p.replies), sum(coalesce(p.author_followers, 0)), "
            "sum(p.counts_given), "
            "sum(p.author_followers IS NOT NULL) "
            "FROM json_each(?) f JOIN posts p ON p.pk = json_extract(f.value, '$[0]') "
            "WHERE true GROUP BY topic, bucket "
            "ON CONFLICT (topic_id, bucket) DO UPDATE SET posts = posts + excluded.posts, "
            "engagement = engagement + excluded.engagement, reach = reach + excluded.reach, "
            "counted = counted + excluded.counted, followed = followed + excluded.followed",
            (json.dumps(new),),
        )
        conn.execute(_SOURCES_FILED, (json.dumps(new),))
    return len(new)


def _ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _topic(row: tuple[Any, ...]) -> Topic:
    from veille.query.topics import Topic

    return Topic(row[0], row[1], row[2], row[3], _ts(row[4]), _ts(row[5]))


#: The tables keyed by a saved topic's id on the posts side: its filings
#: first (their triggers update the rollups after it), then the rollups.
TOPIC_TABLES = ("post_topics", "topic_sync", "topic_rollup", "author_rollup", "source_rollup",
                "topic_purged_sentiment")  # fmt: skip


def forget_topic_rows(tx: Any, topic_id: int) -> None:
    """Delete what the posts side keeps under a removed topic (inside a
    transaction). The topic rollups kept what retention purges took out
    under its id, and a SQLite state numbers a new topic one above the
    highest left: the next topic saved counted the removed one's purged
    days (topic id 0, every post, is never a saved topic's)."""
    if topic_id <= 0:
        return
    for table in TOPIC_TABLES:
        tx.execute(f"DELETE FROM {table} WHERE topic_id = ?", (topic_id,))


class SQLiteTopics:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:  # given by SQLiteStore

        def get_posts(self, post_ids: Sequence[str]) -> list[Post]: ...

        def transaction(self) -> AbstractContextManager[Any]: ...

    def topics(self) -> list[Topic]:
        return [_topic(r) for r in self.conn.execute(_SELECT + " ORDER BY t.name")]

    def topic(self, name: str) -> Topic | None:
        row = self.conn.execute(_SELECT + " AND t.name = ?", (name,)).fetchone()
        return _topic(row) if row else None

    def topic_versions(self, topic_id: int) -> list[TopicVersion]:
        from veille.query.topics import TopicVersion

        rows = self.conn.execute(
            "SELECT version, query, created_at FROM topic_versions WHERE topic_id = ? "
            "ORDER BY version",
            (topic_id,),
        )
        return [TopicVersion(v, q, _ts(c)) for v, q, c in rows]

    def create_topic(self, name: str, query: str, at: int) -> bool:
        with self.transaction() as tx:
            if tx.execute("SELECT 1 FROM topics WHERE name = ?", (name,)).fetchone():
                return False
            cur = tx.execute("INSERT INTO topics (name, created_at) VALUES (?, ?)", (name, at))
            tx.execute(
                "INSERT INTO topic_versions (topic_id, version, query, created_at) "
                "VALUES (?, 1, ?, ?)",
                (cur.lastrowid, query, at),
            )
        return True

    def add_topic_version(self, topic_id: int, version: int, query: str, at: int) -> bool:
        with self.transaction() as tx:
            added = tx.execute(
                "INSERT INTO topic_versions (topic_id, version, query, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (topic_id, version) DO NOTHING",
                (topic_id, version, query, at),
            )
            return bool(added.rowcount == 1)

    def delete_topic(self, topic_id: int) -> None:
        with self.transaction() as tx:
            tx.execute("DELETE FROM topics WHERE id = ?", (topic_id,))
            forget_topic_rows(tx, topic_id)

    def forget_topic(self, topic_id: int) -> None:
        with self.transaction() as tx:
            forget_topic_rows(tx, topic_id)

    def matching_post_keys(self, query: Any) -> set[int]:
        from veille.store.sqlite.compiler import to_sqlite

        where, params = to_sqlite(query)
        return {r[0] for r in self.conn.execute(f"SELECT p.pk FROM posts p WHERE {where}", params)}

    def posts_by_key(self, keys: Sequence[int]) -> list[Post]:
        ids: list[tuple[int, str]] = []
        for i in range(0, len(keys), _CHUNK):
            chunk = list(keys[i : i + _CHUNK])
            sql = f"SELECT published_at, id FROM posts WHERE pk IN ({','.join('?' * len(chunk))})"
            ids.extend(self.conn.execute(sql, chunk))
        ids.sort(reverse=True)
        return self.get_posts([i for _, i in ids])


class SQLiteTopicsTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection

    def file_posts(self, filings: Sequence[tuple[str, int]]) -> None:
        if not filings:
            return
        ids = list(dict.fromkeys(post_id for post_id, _ in filings))
        pks: dict[str, int] = {}
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            sql = f"SELECT id, pk FROM posts WHERE id IN ({','.join('?' * len(chunk))})"
            pks.update(self.conn.execute(sql, chunk))
        file_filings(
            self.conn,
            [(pks[post_id], topic_id) for post_id, topic_id in filings if post_id in pks],
        )
