"""Topics: named saved queries, with every version of the query kept.

The library API that alerts and analytics call::

    topic = get_topic(store, "lumio")      # Topic(id, name, query, version, ...)
    topic.compiled.matches(post)

Topics live in the SQLite tables of migration ``0002_topics.sql``; the ingest
pipeline's ``match`` stage records which new posts match which topic in
``post_topics`` (see :func:`match_stage`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.errors import NotFound, UsageError
from veille.models import Post, now_utc
from veille.query import Query, compile_query

if TYPE_CHECKING:
    from veille.pipeline.ingest import Stage
    from veille.store.base import StoreTransaction, UpsertResult
    from veille.workspace import Workspace

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[\w][\w.-]{0,63}$")


@dataclass(frozen=True)
class TopicVersion:
    version: int
    query: str
    created_at: datetime


@dataclass(frozen=True)
class Topic:
    """A topic with its current query (``version`` counts from 1)."""

    id: int
    name: str
    query: str
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def compiled(self) -> Query:
        return compile_query(self.query)


def _conn(store: Any) -> Any:
    conn = getattr(store, "conn", None)
    if conn is None:
        raise UsageError("topics need the SQLite store")
    return conn


def _ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


_SELECT = """
SELECT t.id, t.name, v.query, v.version, t.created_at, v.created_at
FROM topics t JOIN topic_versions v ON v.topic_id = t.id
WHERE v.version = (SELECT max(version) FROM topic_versions WHERE topic_id = t.id)
"""


def _row(row: tuple[Any, ...]) -> Topic:
    return Topic(row[0], row[1], row[2], row[3], _ts(row[4]), _ts(row[5]))


def list_topics(store: Any) -> list[Topic]:
    """Every topic with its current query, by name."""
    return [_row(r) for r in _conn(store).execute(_SELECT + " ORDER BY t.name")]


def get_topic(store: Any, name: str) -> Topic:
    """The topic ``name``; :class:`NotFound` (with the known names) when absent."""
    row = _conn(store).execute(_SELECT + " AND t.name = ?", (name,)).fetchone()
    if row is None:
        known = ", ".join(t.name for t in list_topics(store)) or "none yet"
        raise NotFound(
            f"no topic named {name!r}",
            hint=f"known topics: {known}; create one with: veille topic add NAME QUERY",
        )
    return _row(row)


def versions(store: Any, name: str) -> list[TopicVersion]:
    """Every version of the topic's query, oldest first."""
    topic = get_topic(store, name)
    rows = _conn(store).execute(
        "SELECT version, query, created_at FROM topic_versions WHERE topic_id = ? ORDER BY version",
        (topic.id,),
    )
    return [TopicVersion(v, q, _ts(c)) for v, q, c in rows]


def _check(name: str, query: str) -> None:
    if not _NAME.match(name):
        raise UsageError(
            f"{name!r} is not a valid topic name",
            hint="use letters, digits, '-', '_' or '.', at most 64 characters",
        )
    compile_query(query)  # raises QueryError with the column and a hint


def add_topic(store: Any, name: str, query: str) -> Topic:
    """Create topic ``name`` with ``query`` (validated) as version 1."""
    _check(name, query)
    now = int(now_utc().timestamp())
    with store.transaction() as tx:
        if tx.execute("SELECT 1 FROM topics WHERE name = ?", (name,)).fetchone():
            raise UsageError(
                f"a topic named {name!r} already exists",
                hint=f"change its query with: veille topic edit {name} QUERY",
            )
        cur = tx.execute("INSERT INTO topics (name, created_at) VALUES (?, ?)", (name, now))
        tx.execute(
            "INSERT INTO topic_versions (topic_id, version, query, created_at) VALUES (?, 1, ?, ?)",
            (cur.lastrowid, query, now),
        )
    return get_topic(store, name)


def edit_topic(store: Any, name: str, query: str) -> Topic:
    """Give topic ``name`` a new query version (a no-op when unchanged)."""
    _check(name, query)
    topic = get_topic(store, name)
    if topic.query == query:
        return topic
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO topic_versions (topic_id, version, query, created_at) VALUES (?, ?, ?, ?)",
            (topic.id, topic.version + 1, query, int(now_utc().timestamp())),
        )
    return get_topic(store, name)


def remove_topic(store: Any, name: str) -> None:
    """Delete topic ``name``, its versions and its recorded matches."""
    topic = get_topic(store, name)
    with store.transaction() as tx:
        tx.execute("DELETE FROM topics WHERE id = ?", (topic.id,))


@dataclass
class TopicTest:
    """What ``veille topic test`` reports."""

    topic: Topic
    count: int
    sample: list[Post] = field(default_factory=list)
    previous: TopicVersion | None = None
    previous_count: int | None = None
    gained: list[Post] = field(default_factory=list)
    lost: list[Post] = field(default_factory=list)
    gained_count: int = 0
    lost_count: int = 0


def _matching_pks(store: Any, query: str) -> set[int]:
    from veille.query.predicates import install
    from veille.query.sqlite import to_sqlite

    conn = _conn(store)
    install(conn)
    where, params = to_sqlite(compile_query(query).ast)
    return {r[0] for r in conn.execute(f"SELECT p.pk FROM posts p WHERE {where}", params)}


def _posts(store: Any, pks: list[int]) -> list[Post]:
    if not pks:
        return []
    rows = _conn(store).execute(
        f"SELECT id FROM posts WHERE pk IN ({','.join('?' * len(pks))}) ORDER BY published_at DESC",
        pks,
    )
    return list(store.get_posts([r[0] for r in rows]))


def test_topic(store: Any, name: str, *, sample: int = 5) -> TopicTest:
    """How many stored posts the topic matches now, a sample, and the change
    from the previous version of its query."""
    topic = get_topic(store, name)
    now = _matching_pks(store, topic.query)
    result = TopicTest(topic, len(now), store.search(topic.query, limit=sample))
    history = versions(store, name)
    if len(history) > 1:
        prev = history[-2]
        before = _matching_pks(store, prev.query)
        gained, lost = sorted(now - before), sorted(before - now)
        result.previous = prev
        result.previous_count = len(before)
        result.gained_count, result.lost_count = len(gained), len(lost)
        result.gained = _posts(store, gained[-sample:])
        result.lost = _posts(store, lost[-sample:])
    return result


test_topic.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def match_stage(workspace: Workspace) -> Stage | None:
    """The pipeline stage that files new posts under the topics they match."""
    from veille.pipeline.ingest import Stage
    from veille.query.matcher import Matcher

    store = workspace.store
    if getattr(store, "conn", None) is None:
        return None
    matcher = Matcher()
    for topic in list_topics(store):
        try:
            matcher.add(str(topic.id), topic.query)
        except UsageError as exc:  # a query this version cannot read: skip it
            log.warning("topic %s skipped: %s", topic.name, exc.message)
    if not len(matcher):
        return None

    def in_transaction(tx: StoreTransaction, result: UpsertResult) -> None:
        if not result.new:
            return
        ids = [p.id for p in result.new]
        pks: dict[str, int] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for pid, pk in tx.execute(
                f"SELECT id, pk FROM posts WHERE id IN ({','.join('?' * len(chunk))})", chunk
            ):
                pks[pid] = pk
        rows = [
            (pks[post.id], int(qid))
            for post in result.new
            if post.id in pks
            for qid in matcher.match_ids(post)
        ]
        if rows:
            many = getattr(tx, "executemany", None)
            sql = "INSERT OR IGNORE INTO post_topics (post_pk, topic_id) VALUES (?, ?)"
            if many is not None:
                many(sql, rows)
            else:
                for row in rows:
                    tx.execute(sql, row)

    return Stage("match", in_transaction=in_transaction)
