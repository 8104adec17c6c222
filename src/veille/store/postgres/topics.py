"""PostgreSQL implementation of veille.store.protocols.topics.

Filings are kept by post id: the posts live in the PostStore, so testing a
topic against stored posts (``matching_post_keys``) is the PostStore's work
(:mod:`veille.query.topics` asks it when the stores are split).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.errors import StoreError
from veille.store.postgres.base import Runner

if TYPE_CHECKING:
    from veille.models import Post
    from veille.query.topics import Topic, TopicVersion

_SELECT = """
SELECT t.id, t.name, v.query, v.version, t.created_at, v.created_at
FROM topics t JOIN topic_versions v ON v.topic_id = t.id
WHERE v.version = (SELECT max(version) FROM topic_versions WHERE topic_id = t.id)
"""


def _ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _topic(row: tuple[Any, ...]) -> Topic:
    from veille.query.topics import Topic

    return Topic(int(row[0]), row[1], row[2], int(row[3]), _ts(row[4]), _ts(row[5]))


def _no_posts() -> StoreError:
    return StoreError(
        "the PostgreSQL state store keeps no posts",
        hint="Ask the PostStore ([store] posts) for stored posts.",
    )


class PgTopics(Runner):
    def topics(self) -> list[Topic]:
        return [_topic(r) for r in self.rows(_SELECT + " ORDER BY t.name")]

    def topic(self, name: str) -> Topic | None:
        row = self.one(_SELECT + " AND t.name = %s", (name,))
        return _topic(row) if row else None

    def topic_versions(self, topic_id: int) -> list[TopicVersion]:
        from veille.query.topics import TopicVersion

        rows = self.rows(
            "SELECT version, query, created_at FROM topic_versions WHERE topic_id = %s "
            "ORDER BY version",
            (topic_id,),
        )
        return [TopicVersion(int(v), q, _ts(c)) for v, q, c in rows]

    def create_topic(self, name: str, query: str, at: int) -> bool:
        with self.write() as conn:
            row = conn.execute(
                "INSERT INTO topics (name, created_at) VALUES (%s, %s) "
                "ON CONFLICT (name) DO NOTHING RETURNING id",
                (name, at),
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                "INSERT INTO topic_versions (topic_id, version, query, created_at) "
                "VALUES (%s, 1, %s, %s)",
                (row[0], query, at),
            )
        return True

    def add_topic_version(self, topic_id: int, version: int, query: str, at: int) -> bool:
        return (
            self.run(
                "INSERT INTO topic_versions (topic_id, version, query, created_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (topic_id, version) DO NOTHING",
                (topic_id, version, query, at),
            )
            == 1
        )

    def delete_topic(self, topic_id: int) -> None:
        self.run("DELETE FROM topics WHERE id = %s", (topic_id,))

    def matching_post_keys(self, query: Any) -> set[int]:
        raise _no_posts()

    def posts_by_key(self, keys: Sequence[int]) -> list[Post]:
        raise _no_posts()

    def topic_post_ids(self, topic_id: int) -> set[str]:
        """Ids of the posts filed under the topic."""
        rows = self.rows("SELECT post_id FROM post_topics WHERE topic_id = %s", (topic_id,))
        return {r[0] for r in rows}


class PgTopicsTx(Runner):
    def file_posts(self, filings: Sequence[tuple[str, int]]) -> None:
        self.run_columns(
            "INSERT INTO post_topics (post_id, topic_id) "
            "SELECT * FROM unnest(%s::text[], %s::bigint[]) ON CONFLICT DO NOTHING",
            dict.fromkeys(filings),
        )
