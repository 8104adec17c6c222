"""Scopes from the query language and from saved topics."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from veille.analytics.scope import Scope
from veille.analytics.volume import connection
from veille.errors import UsageError

# A saved topic's restriction (``Scope.topic_id`` is set when it is the only one).
TOPIC_WHERE = "p.pk IN (SELECT post_pk FROM post_topics WHERE topic_id = ?)"


def query_scope(store: Any, text: str, base: Scope | None = None) -> Scope:
    """Posts matching the query ``text`` (syntax: docs/query.md), within ``base``."""
    from veille.query import QueryError, compile_query
    from veille.query.predicates import install

    try:
        query = compile_query(text)
    except QueryError as exc:
        raise UsageError(f"--query {text!r}: {exc}", hint="See docs/query.md.") from None
    install(connection(store))
    scope = base or Scope()
    return replace(scope, queries=(*scope.queries, query.ast), label=text)


def sync_topic(store: Any, topic: Any) -> int:
    """File every stored post the topic's current query matches under it in
    ``post_topics`` (and take out those it no longer matches); return how many
    rows changed. Ingest files new posts as they come; this covers the posts
    stored before the topic existed or before its last edit, once per version."""
    conn = connection(store)
    where, params = query_scope(store, topic.query).sql()
    want = {pk for (pk,) in conn.execute(f"SELECT p.pk FROM posts p WHERE {where}", params)}
    have = {
        pk
        for (pk,) in conn.execute("SELECT post_pk FROM post_topics WHERE topic_id = ?", (topic.id,))
    }
    with store.transaction() as tx:
        tx.executemany(
            "INSERT OR IGNORE INTO post_topics (post_pk, topic_id) VALUES (?, ?)",
            [(pk, topic.id) for pk in sorted(want - have)],
        )
        tx.executemany(
            "DELETE FROM post_topics WHERE post_pk = ? AND topic_id = ?",
            [(pk, topic.id) for pk in sorted(have - want)],
        )
        tx.execute(
            "INSERT INTO topic_sync (topic_id, version) VALUES (?, ?) "
            "ON CONFLICT (topic_id) DO UPDATE SET version = excluded.version",
            (topic.id, topic.version),
        )
    return len(want - have) + len(have - want)


def topic_scope(store: Any, name: str, base: Scope | None = None) -> Scope:
    """Posts of the saved topic ``name``: those its current query matches.

    ``post_topics`` only records posts ingested after the topic was saved, so
    the first read after a topic is created or edited completes it
    (:func:`sync_topic`); from then on ingest keeps it up to date, and share of
    voice and a topic's volume read ``topic_rollup``.
    """
    from veille.query.topics import get_topic

    topic = get_topic(store, name)
    conn = connection(store)
    row = conn.execute("SELECT version FROM topic_sync WHERE topic_id = ?", (topic.id,)).fetchone()
    if row is None or row[0] != topic.version:
        sync_topic(store, topic)
    base = base or Scope()
    scope = base.narrowed(TOPIC_WHERE, (topic.id,), label=name)
    return replace(scope, topic_id=None if base.restricted else topic.id)
