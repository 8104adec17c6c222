"""Scopes from the query language and from saved topics."""

from __future__ import annotations

from typing import Any

from veille.analytics.scope import Scope
from veille.analytics.volume import connection
from veille.errors import UsageError


def query_scope(store: Any, text: str, base: Scope | None = None) -> Scope:
    """Posts matching the query ``text`` (syntax: docs/query.md), within ``base``."""
    from veille.query import QueryError, compile_query
    from veille.query.predicates import install
    from veille.query.sqlite import to_sqlite

    try:
        query = compile_query(text)
    except QueryError as exc:
        raise UsageError(f"--query {text!r}: {exc}", hint="See docs/query.md.") from None
    install(connection(store))
    where, params = to_sqlite(query.ast)
    return (base or Scope()).narrowed(where, params, label=text)


def topic_scope(store: Any, name: str, base: Scope | None = None) -> Scope:
    """Posts of the saved topic ``name``: those the ingest pipeline recorded in
    ``post_topics`` for it."""
    try:
        from veille.query.topics import get_topic  # type: ignore[import-not-found]
    except ImportError:
        raise UsageError(
            f"--topic {name}: saved topics are not available in this build",
            hint="Use --query with the topic's query instead.",
        ) from None
    topic = get_topic(store, name)
    return (base or Scope()).narrowed(
        "p.pk IN (SELECT post_pk FROM post_topics WHERE topic_id = ?)", (topic.id,), label=name
    )
