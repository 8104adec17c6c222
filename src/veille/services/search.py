"""Search stored posts with the query language: hits with their highlights,
how many posts matched in all, and how a query is run (``explain``).

The library API under ``veille search`` and ``veille query explain`` (and the
web app). The highlighter is :mod:`veille.query.highlight`, shared with e-mails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from veille.models import Post
from veille.query import Query, Span, compile_query
from veille.query.highlight import field_spans, mark
from veille.store.base import PostFilter, PostStore

SORTS = ("newest", "relevance", "engagement")


@dataclass(frozen=True)
class Hit:
    """A post found, with the spans of its title and text the query matched."""

    post: Post
    spans: tuple[Span, ...]

    def highlights(self) -> list[dict[str, Any]]:
        """Each matched span: its field, offsets in the stored text, and the words."""
        out = []
        # In reading order: the title's spans, then the text's.
        for s in sorted(self.spans, key=lambda s: (s.field != "title", s.start)):
            value = (self.post.title or "") if s.field == "title" else self.post.text
            out.append(
                {"field": s.field, "start": s.start, "end": s.end, "text": value[s.start : s.end]}
            )
        return out

    def marked(self, *, before: str = "**", after: str = "**", escape: Any = None) -> str:
        """Title — text with the matched spans wrapped in ``before``…``after``."""
        parts = []
        for field, value in (("title", self.post.title), ("text", self.post.text)):
            if value:
                spans = field_spans(self.spans, field)
                parts.append(mark(value, spans, before=before, after=after, escape=escape))
        return " — ".join(parts)


@dataclass(frozen=True)
class SearchResult:
    query: Query
    hits: list[Hit]
    #: Posts matching the query and filters in all (``hits`` is the first page).
    total: int


def search(
    posts: PostStore,
    query: Query | str,
    flt: PostFilter | None = None,
    *,
    sort: str = "newest",
    limit: int = 20,
    count: bool = True,
) -> SearchResult:
    """The first ``limit`` posts matching ``query`` and ``flt``, in ``sort``
    order, with their highlights; ``total`` counts them all (skipped with
    ``count=False``: the count reads every match)."""
    q = compile_query(query) if isinstance(query, str) else query
    found = posts.search(q, flt, sort=sort, limit=limit)
    hits = [Hit(p, tuple(q.spans(p))) for p in found]
    if not count:
        total = len(hits)
    elif len(hits) < limit:
        total = len(hits)  # the page holds every match: no need to count again
    else:
        total = posts.count_matches(q, flt)
    return SearchResult(q, hits, total)


def explain(q: Query) -> dict[str, Any]:
    """The query normalized, its AST, the SQL the embedded SQLite backend runs
    for it, and how the matcher selects it for new posts."""
    from veille.query.ast import to_dict, to_text
    from veille.query.matcher import Matcher
    from veille.store.sqlite.compiler import to_sqlite

    sql, params = to_sqlite(q.ast)
    sel = Matcher().selection(q)
    return {
        "query": q.text,
        "normalized": to_text(q.ast),
        "warnings": list(q.warnings),
        "ast": to_dict(q.ast),
        "sql": sql,
        "params": params,
        "matcher_keys": sorted(sel.keys),
        "matcher_branches": [
            {
                "clauses": [sorted(c) for c in b.clauses],
                "exact": b.exact,
                "positional": [to_text(p) for p in b.positional],
            }
            for b in sel.branches
        ],
        "matcher_excluded": list(sel.excluded),
        "costly": sel.always,
    }
