"""The query language: one parser, one AST, several engines.

>>> q = compile_query('lumio AND (panne OR outage) -promo')
>>> q.normalized
'lumio (panne OR outage) -promo'

- :func:`compile_query` -> :class:`Query` (``matches(post)``, ``spans(post)``);
- :func:`veille.store.sqlite.compiler.to_sqlite` -> ``(where_sql, params)``
  (each storage backend owns its compiler);
- :class:`Matcher`: many saved queries against each new post (percolation).

Syntax: docs/query.md; the AST contract: docs/query-ast.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from veille.query.evaluate import Doc, Query, Span
    from veille.query.matcher import Matcher
    from veille.query.parser import QueryError


def compile_query(text: str) -> Query:
    """Parse and compile ``text``; raise :class:`QueryError` when invalid."""
    from veille.query.evaluate import Query, compile_node
    from veille.query.parser import parse

    parsed = parse(text)
    return Query(text, parsed.ast, tuple(parsed.warnings), compile_node(parsed.ast))


def __getattr__(name: str) -> object:
    # The parser and the engines are imported when a name of theirs is
    # asked for: opening a SQLite store imports veille.query.predicates
    # (its SQL functions), and with it this package, for every command.
    if name in ("Doc", "Query", "Span"):
        from veille.query import evaluate

        return getattr(evaluate, name)
    if name == "QueryError":
        from veille.query.parser import QueryError

        return QueryError
    if name == "Matcher":
        from veille.query.matcher import Matcher

        return Matcher
    raise AttributeError(name)


__all__ = ["Doc", "Matcher", "Query", "QueryError", "Span", "compile_query"]
