"""Scopes from the query language and from saved topics."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from veille.analytics.scope import Scope
from veille.errors import UsageError, tr


def query_scope(store: Any, text: str, base: Scope | None = None) -> Scope:
    """Posts matching the query ``text`` (syntax: docs/query.md), within ``base``."""
    from veille.query import QueryError, compile_query

    try:
        query = compile_query(text)
    except QueryError as exc:
        raise UsageError(
            tr("--query %(text)r: %(exc)s", text=text, exc=exc), hint=tr("See docs/query.md.")
        ) from None
    scope = base or Scope()
    # A topic's rollups no longer answer once a query narrows it.
    # Within a topic, the label says both (what is counted is the topic AND the query).
    label = f"{scope.label} AND {text}" if scope.label else text
    return replace(scope, queries=(*scope.queries, query.ast), label=label, topic_id=None)


def sync_topic(store: Any, topic: Any) -> int:
    """File every stored post the topic's current query matches under it (and
    take out those it no longer matches); return how many filings changed.
    Ingest files new posts as they come; this covers the posts stored before
    the topic existed or before its last edit, once per version."""
    changed: int = store.file_topic_backlog(
        topic.id, topic.version, query_scope(store, topic.query)
    )
    return changed


def file_backlogs(store: Any) -> list[tuple[Any, Exception]]:
    """File the backlog of each saved topic not yet filed for its current
    query (added or edited since it was last read: :func:`sync_topic`), as
    its first read would; the topics whose filing failed, each with why (the
    others are filed all the same)."""
    from veille.query.topics import list_topics

    failed: list[tuple[Any, Exception]] = []
    for topic in list_topics(store):
        try:
            if store.topic_filed_version(topic.id) != topic.version:
                sync_topic(store, topic)
        except Exception as exc:  # one topic never keeps the others unfiled
            failed.append((topic, exc))
    return failed


def topic_scope(store: Any, name: str, base: Scope | None = None) -> Scope:
    """Posts of the saved topic ``name``: those its current query matches.

    Filings only record posts ingested after the topic was saved, so the first
    read after a topic is created or edited completes them
    (:func:`sync_topic`); from then on ingest keeps them up to date, and share
    of voice and a topic's volume read the topic's rollups.
    """
    from veille.query.topics import get_topic

    topic = get_topic(store, name)
    if store.topic_filed_version(topic.id) != topic.version:
        sync_topic(store, topic)
    return (base or Scope()).within_topic(topic.id, label=name)
