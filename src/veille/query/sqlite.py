"""The SQLite engine: AST -> a parameterized ``WHERE`` over ``posts p``.

Text conditions become FTS5 ``MATCH`` expressions over the contentless
``posts_fts`` (columns ``title``, ``body``; rowid = ``posts.pk``), built only
from folded query words and always passed as parameters. Boolean subtrees made
only of words, prefixes and phrases collapse into one FTS5 expression; the
rest is SQL. Conditions FTS5 cannot express exactly (ordered proximity, ``?``
wildcards, case-exact text, folded handles, host suffixes) call the
``veille_*`` functions of :mod:`veille.query.predicates` — the same code the
in-memory engine runs — after an FTS5 pre-filter. Call
:func:`veille.query.predicates.install` on the connection first.
"""

from __future__ import annotations

from typing import Any

from veille.query import predicates as pr
from veille.query.ast import (
    And,
    Field,
    Flag,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Range,
    Raw,
    Tag,
    Term,
    Wildcard,
    text_words,
)

_COLUMN = {"title": "title : ", "text": "body : ", "any": ""}
_RANGE_COLUMN = {
    "followers": "p.author_followers", "likes": "p.likes", "shares": "p.shares",
    "replies": "p.replies", "published": "p.published_at",
}  # fmt: skip
_FLAG_SQL = {
    "reply": "p.parent_id IS NOT NULL",
    "repost": "p.repost_of IS NOT NULL",
    "link": "p.links != ''",
    "media": "p.media != ''",
}
_FTS_IN = "p.pk IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)"


def _quote(words: tuple[str, ...] | list[str]) -> str:
    # Folded words are letters and digits only: nothing to escape.
    return '"' + " ".join(words) + '"'


def fts_expr(node: Node) -> str | None:
    """``node`` as one FTS5 query, or ``None`` when FTS5 cannot say it exactly."""
    if isinstance(node, Term):
        return _COLUMN[node.field] + _quote([node.word])
    if isinstance(node, Wildcard):
        if node.pattern == node.prefix + "*":
            return _COLUMN[node.field] + _quote([node.prefix]) + "*"
        return None
    if isinstance(node, Phrase):
        return _COLUMN[node.field] + _quote(node.words)
    if isinstance(node, Or):
        parts = [fts_expr(i) for i in node.items]
        if any(p is None for p in parts):
            return None
        return " OR ".join(f"({p})" for p in parts)
    if isinstance(node, And):
        pos = [i for i in node.items if not isinstance(i, Not)]
        neg = [i.item for i in node.items if isinstance(i, Not)]
        pos_e = [fts_expr(i) for i in pos]
        neg_e = [fts_expr(i) for i in neg]
        if not pos or any(p is None for p in pos_e) or any(n is None for n in neg_e):
            return None
        expr = " AND ".join(f"({p})" for p in pos_e)
        for n in neg_e:
            expr = f"({expr}) NOT ({n})"
        return expr
    return None


def _prefilter(words: list[str], field: str) -> str:
    return " AND ".join(_COLUMN[field] + _quote([w]) for w in dict.fromkeys(words))


def _fields(field: str) -> tuple[str, ...]:
    return (
        ("p.title", "p.text") if field == "any" else ("p.title" if field == "title" else "p.text",)
    )


# The first post published at or after a time: every post of a window that
# starts then has a pk at least this large, so FTS5 lookups can be bounded by it.
_FIRST_PK_SINCE = "(SELECT min(pk) FROM posts INDEXED BY posts_published WHERE published_at >= ?)"


def to_sqlite(
    node: Node, *, min_pk: int | None = None, since: int | None = None
) -> tuple[str, list[Any]]:
    """``node`` as ``(where_sql, params)`` over ``posts p``; user text only in params.

    ``min_pk`` restricts the result to ``p.pk >= min_pk`` and pushes that bound
    into every FTS5 lookup (so a search of recent posts reads only the recent
    part of the index). ``since`` (Unix seconds) pushes the same kind of bound,
    computed in SQL, for a caller that also keeps ``p.published_at >= since``:
    it never drops a post of that window.
    """
    params: list[Any] = []
    if since is not None and min_pk is None:
        sql = _sql(node, params, _SinceBound(since))
        return sql, params
    sql = _sql(node, params, min_pk)
    if min_pk is not None:
        sql = f"p.pk >= ? AND ({sql})"
        params.insert(0, min_pk)
    return sql, params


class _SinceBound(int):
    """A lower pk bound given as a time: the first pk published since then."""


def _fts_in(params: list[Any], expr: str, min_pk: int | None) -> str:
    params.append(expr)
    if min_pk is None:
        return _FTS_IN
    params.append(min_pk)
    bound = _FIRST_PK_SINCE if isinstance(min_pk, _SinceBound) else "?"
    return f"p.pk IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? AND rowid >= {bound})"


def _sql(node: Node, params: list[Any], min_pk: int | None = None) -> str:
    expr = fts_expr(node)
    if expr is not None:
        return _fts_in(params, expr, min_pk)
    if isinstance(node, Wildcard):
        fts = _fts_in(params, _COLUMN[node.field] + _quote([node.prefix]) + "*", min_pk)
        checks = []
        for col in _fields(node.field):
            checks.append(f"veille_wild({col}, ?)")
            params.append(node.pattern)
        return f"({fts} AND ({' OR '.join(checks)}))"
    if isinstance(node, Near):
        fts = _fts_in(params, _prefilter(text_words(node), node.field), min_pk)
        spec = pr.near_spec([text_words(i) for i in node.items], node.distance, node.ordered)
        checks = []
        for col in _fields(node.field):
            checks.append(f"veille_near({col}, ?)")
            params.append(spec)
        return f"({fts} AND ({' OR '.join(checks)}))"
    if isinstance(node, Raw):
        fts = _fts_in(params, _quote(node.words), min_pk)
        params.extend([node.text, " ".join(node.words), node.text, " ".join(node.words)])
        return f"({fts} AND (veille_raw(p.title, ?, ?) OR veille_raw(p.text, ?, ?)))"
    if isinstance(node, Tag):
        params.append(node.value)
        return f"veille_has(p.{'hashtags' if node.kind == 'hashtag' else 'mentions'}, ?)"
    if isinstance(node, Field):
        params.append(node.value)
        return {
            "author": "veille_author(p.author_handle, ?)",
            "platform": "lower(p.platform) = ?",
            "lang": "veille_lang(p.lang, ?)",
            "site": "veille_site(p.url, p.links, ?)",
            "url": "veille_url(p.url, ?)",
            "links": "veille_links(p.links, ?)",
            "sentiment": "coalesce(p.sentiment = ?, 0)",
        }[node.name]
    if isinstance(node, Range):
        col = _RANGE_COLUMN[node.name]
        parts = [f"{col} IS NOT NULL"]
        if node.low is not None:
            parts.append(f"{col} {'>=' if node.low_inclusive else '>'} ?")
            params.append(node.low)
        if node.high is not None:
            parts.append(f"{col} {'<=' if node.high_inclusive else '<'} ?")
            params.append(node.high)
        return "(" + " AND ".join(parts) + ")"
    if isinstance(node, Flag):
        return _FLAG_SQL[node.name]
    if isinstance(node, Not):
        return f"NOT ({_sql(node.item, params, min_pk)})"
    if isinstance(node, And | Or):
        joiner = " AND " if isinstance(node, And) else " OR "
        items = list(node.items)
        # Fold the parts FTS5 can say into one MATCH (one index lookup).
        if isinstance(node, And):
            fts_pos: list[Node] = [
                i for i in items if not isinstance(i, Not) and fts_expr(i) is not None
            ]
            fts_neg: list[Node] = [
                i for i in items if isinstance(i, Not) and fts_expr(i.item) is not None
            ]
            if fts_pos:
                merged = And(tuple(fts_pos + fts_neg)) if len(fts_pos + fts_neg) > 1 else fts_pos[0]
                rest = [i for i in items if i not in fts_pos and i not in fts_neg]
                items = [merged, *rest]
        else:
            fts_items = [i for i in items if fts_expr(i) is not None]
            if len(fts_items) > 1:
                rest = [i for i in items if i not in fts_items]
                items = [Or(tuple(fts_items)), *rest]
        if len(items) == 1:
            return _sql(items[0], params, min_pk)
        return "(" + joiner.join(_sql(i, params, min_pk) for i in items) + ")"
    raise TypeError(f"not a query node: {node!r}")


def relevance_expr(node: Node) -> str | None:
    """An FTS5 OR of every positive word, for bm25 ranking (``None``: nothing to rank)."""
    words: list[str] = []

    def visit(n: Node, negated: bool) -> None:
        if isinstance(n, Not):
            visit(n.item, not negated)
        elif isinstance(n, And | Or):
            for i in n.items:
                visit(i, negated)
        elif not negated:
            if isinstance(n, Wildcard):
                words.append(_quote([n.prefix]) + "*")
            else:
                words.extend(_quote([w]) for w in text_words(n))

    visit(node, False)
    return " OR ".join(dict.fromkeys(words)) or None
