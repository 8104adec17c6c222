"""The small interface the alert engine needs from the query language.

An alert's query compiles to a :class:`Compiled` (``matches(post)``,
``spans(post)``), by default :func:`veille.query.compile_query`; topic alerts
use the topic's current query (:mod:`veille.query.topics`).
"""

from __future__ import annotations

from typing import Any, Protocol

from veille.models import Post
from veille.textnorm import tokens

# (field, start, end): a character span of the post's "title" or "text".
Span = tuple[str, int, int]


class Compiled(Protocol):
    def matches(self, post: Post) -> bool: ...

    def spans(self, post: Post) -> Any: ...


def normalize_spans(raw: Any) -> list[Span]:
    """Spans from any compiler as ``(field, start, end)``; bare pairs are in ``text``."""
    out: list[Span] = []
    if isinstance(raw, dict):
        for fld, items in raw.items():
            for item in items:
                out.append((str(fld), int(item[0]), int(item[1])))
        return out
    for item in raw or ():
        if hasattr(item, "start") and hasattr(item, "end"):
            out.append((str(getattr(item, "field", "text")), int(item.start), int(item.end)))
        elif len(item) == 3:
            out.append((str(item[0]), int(item[1]), int(item[2])))
        else:
            out.append(("text", int(item[0]), int(item[1])))
    return out


def compile_text(text: str) -> Compiled:
    """Compile an alert query with the query language (a ``QueryError`` if invalid)."""
    from veille.query import compile_query

    compiled: Compiled = compile_query(text)
    return compiled


def topic_query(store: Any, name: str) -> str | None:
    """The current query of topic ``name``, or ``None`` when there is no such topic."""
    from veille.errors import NotFound
    from veille.query.topics import get_topic

    try:
        return get_topic(store, name).query
    except NotFound:
        return None


def query_words(text: str) -> set[str]:
    """Folded words appearing in a query (for suggestions: never suggest those)."""
    return set(tokens(text))
