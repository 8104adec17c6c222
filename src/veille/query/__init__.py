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

from veille.query.evaluate import Doc, Query, Span, compile_node
from veille.query.parser import QueryError, parse

if TYPE_CHECKING:
    from veille.query.matcher import Matcher


def compile_query(text: str) -> Query:
    """Parse and compile ``text``; raise :class:`QueryError` when invalid."""
    parsed = parse(text)
    return Query(text, parsed.ast, tuple(parsed.warnings), compile_node(parsed.ast))


def __getattr__(name: str) -> object:
    if name == "Matcher":
        from veille.query.matcher import Matcher

        return Matcher
    raise AttributeError(name)


__all__ = ["Doc", "Matcher", "Query", "QueryError", "Span", "compile_query"]
