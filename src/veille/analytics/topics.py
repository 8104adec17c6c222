"""Scopes from the query language and from saved topics."""

from __future__ import annotations

from dataclasses import replace
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
    """Posts of the saved topic ``name``: those its current query matches.

    The topic's query is compiled rather than read from ``post_topics``, which
    only records posts ingested after the topic was created: a report on last
    month must count last month's posts even for a topic saved today, and an
    edited topic must count with its new query.
    """
    from veille.query.topics import get_topic

    topic = get_topic(store, name)
    scope = query_scope(store, topic.query, base)
    return replace(scope, label=name)
