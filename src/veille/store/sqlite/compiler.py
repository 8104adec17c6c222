"""The SQLite engine: AST -> a parameterized ``WHERE`` over ``posts p``.

Text conditions become FTS5 ``MATCH`` expressions over the contentless
``posts_fts`` (columns ``title``, ``body``; rowid = ``posts.pk``), built only
from folded query words and always passed as parameters. Boolean subtrees made
only of words, prefixes and phrases collapse into one FTS5 expression; the
rest is SQL. Conditions FTS5 cannot express exactly (ordered proximity, ``?``
wildcards, case-exact text, folded handles, host suffixes) call the
``veille_*`` functions over :mod:`veille.query.predicates` — the same code the
in-memory engine runs — after an FTS5 pre-filter. Call
:func:`veille.store.sqlite.functions.install` on the connection first.

The backend owns its compiler: another backend compiles the same AST to its
own dialect, and a property test checks both return the same posts.
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
from veille.store.sqlite.rows import key_floor

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
        if neg_e:
            # a NOT b NOT c as a NOT (b OR c): flat, where one parenthesis per
            # excluded word overflowed FTS5's parser past about 60 of them.
            expr = f"({expr}) NOT (" + " OR ".join(f"({n})" for n in neg_e) + ")"
        return expr
    return None


def fts_driver(node: Node) -> tuple[str, Node | None] | None:
    """``(an FTS5 expression every match satisfies, the rest of node)``, when
    the full-text index can drive the query: all of it, or the words of a
    top-level AND (``lumio -promo lang:fr`` is ``lumio NOT promo``, then
    ``lang:fr`` on each post found). None when no part can (an OR mixing words
    and metadata, metadata alone)."""
    parts = _driver_parts(node)
    if parts is None:
        return None
    driver = fts_expr(parts[0])
    if driver is None:  # pragma: no cover - each part is said, so their AND is
        return None
    return driver, parts[1]


def _driver_parts(node: Node) -> tuple[Node, Node | None] | None:
    """``(the part of node FTS5 says, the rest)`` for :func:`fts_driver`."""
    if fts_expr(node) is not None:
        return node, None
    if not isinstance(node, And):
        return None
    said = [i for i in node.items if fts_expr(i.item if isinstance(i, Not) else i) is not None]
    if not any(not isinstance(i, Not) for i in said):
        return None
    rest = [i for i in node.items if i not in said]
    return (said[0] if len(said) == 1 else And(tuple(said))), (
        rest[0] if len(rest) == 1 else And(tuple(rest))
    )


def ranked_by_driver(node: Node) -> tuple[str, Node | None] | None:
    """``(an FTS5 expression, the rest of node)``: every match of node
    satisfies the expression and the rest, and FTS5's bm25 over the
    expression gives each match the score bm25 over :func:`relevance_expr`
    gives it, so a search by relevance scores the posts the expression finds
    (the query's matches, or a few more the rest then drops), not every post
    holding one of its words. None when no such expression is known.

    bm25 adds up, phrase by phrase in the expression's order, each phrase's
    weight in the whole index (counted with its column filter) times its
    hits in the post; a phrase counts the hits of a post its branch of the
    expression stands on. So the expression's phrases are the ranked words,
    in their order, each once and in any column, and every branch reaching
    one stands on each matching post holding it: the words of a top-level
    AND, and ORs of single words under it (``(lumio OR vexa) panne``; an
    AND under an OR may have skipped a post holding its words), a word
    ANDed or ORed twice said once (``lumio lumio panne``). What it
    excludes (after the top-level AND's words: words, phrases, prefixes
    and ANDs and ORs of them, see :func:`_excludable`) adds 0. A phrase, or a word of one
    column (``"fibre optique"``, ``title:lumio``), is ranked as its words
    in any column: its words are ANDed there (``"fibre" AND "optique"``),
    and the phrase itself is left to the rest. ``lumio panne`` scored every
    post of ``lumio OR panne`` (half the posts) to keep the 5% holding both;
    tests/fuzz/test_relevance_fuzz.py compares the orders."""
    rank = relevance_expr(node)
    if rank is None:
        return None
    items = _flat_and(node)
    pos: list[str] = []  # the expression's ANDed parts
    words: list[str] = []  # its phrases, in order
    neg: list[str] = []
    rest: list[Node] = []
    for item in items:
        if isinstance(item, Not):
            said = fts_expr(item.item)
            if said is not None and _excludable(item.item):
                neg.append(said)
                continue
            if relevance_expr(item) is not None:
                return None  # a word ranked under a negation (``-(-a)``)
            rest.append(item)
            continue
        part = _ranked_part(item)
        if part is None:
            if relevance_expr(item) is not None:
                return None  # words the expression cannot rank as they are
            rest.append(item)
            continue
        parts, exact = part
        for expr, its_words in parts:
            if expr not in pos:  # ANDed twice, it says the same: ``lumio lumio``
                pos.append(expr)
                words.extend(its_words)
        if not exact:
            rest.append(item)
    if not pos or len(set(words)) != len(words) or " OR ".join(words) != rank:
        return None
    expr = " AND ".join(f"({p})" for p in pos)
    if neg:
        expr = f"({expr}) NOT (" + " OR ".join(f"({n})" for n in neg) + ")"
    return expr, None if not rest else rest[0] if len(rest) == 1 else And(tuple(rest))


def words_match(node: Node) -> bool:
    """Whether every post holding one of node's ranked words
    (:func:`relevance_expr`) matches node: an OR of which some items are
    words or prefixes in any column, those holding all its ranked words
    (``lumio OR lang:fr``)."""
    if not isinstance(node, Or):
        return False
    plain = [
        i
        for i in node.items
        if isinstance(i, Term | Wildcard)
        and i.field == "any"
        and (isinstance(i, Term) or i.pattern == i.prefix + "*")
    ]
    return bool(plain) and relevance_expr(Or(tuple(plain))) == relevance_expr(node)


def _excludable(node: Node) -> bool:
    """Whether FTS5 leaves every phrase of node off a post its NOT drops
    node's matches from: words, phrases, prefixes, and ANDs and ORs of them
    (``lumio -(panne outage)``). FTS5 walks the excluded part past each
    match it keeps, and a part's phrases count hits only on the post it
    stands on: an AND stands on its next match, each of its phrases with
    it, so one holding ``panne`` alone counts 0 hits of it, as it is absent
    from the OR of the ranked words. Not a NOT under it: its words are
    ranked (``-(panne -outage)`` ranks ``outage``)."""
    if isinstance(node, Or | And):
        return all(_excludable(i) for i in node.items)
    return isinstance(node, Term | Phrase | Wildcard)


def _flat_and(node: Node) -> list[Node]:
    """The items of node's top-level AND, nested ANDs opened."""
    if not isinstance(node, And):
        return [node]
    return [i for item in node.items for i in _flat_and(item)]


def _ranked_part(node: Node) -> tuple[list[tuple[str, list[str]]], bool] | None:
    """``([(an FTS5 expression, its phrases in order)...], whether they say
    node exactly)``, expressions every post node matches satisfies, ANDed,
    for :func:`ranked_by_driver`: a word, a prefix, each word of a phrase,
    a NEAR or a case-exact text, an OR of words and prefixes (a word ORed
    twice once: ``lumio OR lumio`` is ``lumio``). None for any other
    node."""
    if isinstance(node, Term):
        word = _quote([node.word])
        return [(word, [word])], node.field == "any"
    if isinstance(node, Wildcard):
        word = _quote([node.prefix]) + "*"
        return [(word, [word])], node.field == "any" and node.pattern == node.prefix + "*"
    if isinstance(node, Phrase | Near | Raw):
        said = list(dict.fromkeys(_quote([w]) for w in text_words(node)))
        exact = isinstance(node, Phrase) and node.field == "any" and len(text_words(node)) == 1
        return [(w, [w]) for w in said], exact
    if isinstance(node, Or):
        # A phrase's words ANDed under it could have skipped a post holding
        # one of them; ORed, they find every post holding one, as before.
        if any(len(text_words(i)) > 1 for i in node.items):
            return None
        parts = [_ranked_part(i) for i in node.items]
        if any(p is None for p in parts):
            return None
        said = list(dict.fromkeys(w for p in parts if p is not None for _, ws in p[0] for w in ws))
        exact = all(p is not None and p[1] for p in parts)
        return [(" OR ".join(said), said)], exact
    return None


def _prefilter(words: list[str], field: str) -> str:
    return " AND ".join(_COLUMN[field] + _quote([w]) for w in dict.fromkeys(words))


def _fields(field: str) -> tuple[str, ...]:
    return (
        ("p.title", "p.text") if field == "any" else ("p.title" if field == "title" else "p.text",)
    )


def to_sqlite(
    node: Node, *, since: int | None = None, until: int | None = None
) -> tuple[str, list[Any]]:
    """``node`` as ``(where_sql, params)`` over ``posts p``; user text only in params.

    ``since``/``until`` (Unix seconds, ``until`` excluded) bound every FTS5
    lookup to the keys of that window (posts are keyed by time, see
    :mod:`veille.store.sqlite.rows`), so FTS5 reads only that part of its
    lists. For a caller that also keeps ``p.published_at`` in the window: a
    ``NOT`` of a bounded lookup is true outside it.
    """
    params: list[Any] = []
    bounds = None
    if since is not None or until is not None:
        bounds = (
            None if since is None else key_floor(since),
            None if until is None else key_floor(until),
        )
    return _sql(node, params, bounds), params


Bounds = tuple[int | None, int | None] | None


def _fts_in(params: list[Any], expr: str, bounds: Bounds) -> str:
    params.append(expr)
    if bounds is None:
        return _FTS_IN
    extra = ""
    for value, op in zip(bounds, (">=", "<"), strict=True):
        if value is not None:
            extra += f" AND rowid {op} ?"
            params.append(value)
    return f"p.pk IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?{extra})"


# ``author:`` (:func:`veille.query.predicates.author_ok`) in SQL that an index
# drives, not the predicate in Python once per post (two seconds for a count
# at 1M posts). A handle of printable ASCII folds as SQLite's lower() does:
# those are found through ``posts_author_identity`` (the handle, or its
# ``handle@instance`` forms: keys from ``value@`` up to ``valueA``, '@' + 1).
# The others (accents, ligatures, invisible characters: few) are each asked of
# the predicate once, read from their partial index ``posts_author_unusual``
# (MATERIALIZED: SQLite would otherwise push the predicate back into a scan).
_UNUSUAL = "'*[^ -~]*'"
_KEY = "lower(ltrim(p.author_handle, '@'))"
# Each OR term on its own index (SQLite's MULTI-INDEX OR): one ASCII filter
# over the whole OR made it scan every post.
_AUTHOR = (
    f"(({_KEY} = ? AND p.author_handle NOT GLOB {_UNUSUAL})"
    f" OR ({_KEY} >= ? AND {_KEY} < ? AND p.author_handle NOT GLOB {_UNUSUAL})"
    " OR p.author_handle IN (WITH unusual(h) AS MATERIALIZED (SELECT DISTINCT author_handle"
    f" FROM posts WHERE author_handle GLOB {_UNUSUAL}) SELECT h FROM unusual"
    " WHERE veille_author(h, ?)))"
)


# The other metadata filters in plain SQL where SQL decides them exactly, not
# a ``veille_*`` function called in Python once per candidate post (``lumio
# lang:fr`` over 30 days at 1M posts: 390,000 calls, half its CPU). ASCII
# text folds as SQLite folds it (``fold`` is ``str.lower`` on ASCII; lower(),
# NOCASE and the predicates all change only A-Z); a post whose text is not
# all ASCII (accents, a Kelvin sign that lowers to k: more bytes than
# characters, a cheap test where GLOB '*[^ -~]*' read each URL) is asked of
# the predicate, and so is any post for a value SQL cannot compare exactly.
# Each form is never NULL, so NOT keeps the posts without the column.
def _wide(col: str) -> str:
    return f"length(CAST({col} AS BLOB)) > length({col})"


def _plain(value: str) -> bool:
    """A value SQL compares exactly: not empty, ASCII, lower case (as folded)."""
    return bool(value) and value.isascii() and value == value.lower()


def _lang(value: str, params: list[Any]) -> str:
    # lang_ok: the code lowered is the value or starts with value + '-', that
    # is lies from value + '-' up to value + '.' ('-' + 1) under NOCASE.
    if not _plain(value):
        params.append(value)
        return "veille_lang(p.lang, ?)"
    params.extend([value, value + "-", value + ".", value])
    return (
        "(p.lang IS NOT NULL AND (p.lang = ? COLLATE NOCASE"
        " OR (p.lang >= ? COLLATE NOCASE AND p.lang < ? COLLATE NOCASE)"
        f" OR ({_wide('p.lang')} AND veille_lang(p.lang, ?))))"
    )


def _contains(fn: str, col: str, value: str, params: list[Any]) -> str:
    # url_ok, links_ok: the value inside the folded text (instr: no wildcard,
    # no case rule, where LIKE has both).
    if not _plain(value):
        params.append(value)
        return f"{fn}({col}, ?)"
    params.extend([value, value])
    return (
        f"({col} IS NOT NULL AND (instr(lower({col}), ?) > 0 OR ({_wide(col)} AND {fn}({col}, ?))))"
    )


def _url(value: str, params: list[Any]) -> str:
    return _contains("veille_url", "p.url", value, params)


def _links(value: str, params: list[Any]) -> str:
    # Links are stored joined by spaces: a value without white space found in
    # the whole string is inside one of them.
    if any(c.isspace() for c in value):
        params.append(value)
        return "veille_links(p.links, ?)"
    return _contains("veille_links", "p.links", value, params)


def _site(value: str, params: list[Any]) -> str:
    # site_ok compares hosts (after '@', before ':', without 'www.'): the
    # predicate still decides, but only for a post whose URL or links hold the
    # value at all (a host that is the value or ends with .value holds it),
    # or are not all ASCII.
    params.extend([value, value, value])
    return (
        "((instr(lower(p.url), ?) > 0 OR instr(lower(p.links), ?) > 0"
        f" OR {_wide('p.url')} OR {_wide('p.links')})"
        " AND veille_site(p.url, p.links, ?))"
    )


def _tag(node: Tag, params: list[Any]) -> str:
    # has_item compares each stored tag folded, without its leading #/@: the
    # predicate still decides, for the posts whose tags hold the value at all.
    col = f"p.{'hashtags' if node.kind == 'hashtag' else 'mentions'}"
    params.extend([node.value, node.value])
    return f"((instr(lower({col}), ?) > 0 OR {_wide(col)}) AND veille_has({col}, ?))"


_METADATA = {"lang": _lang, "url": _url, "links": _links, "site": _site}


def _sql(node: Node, params: list[Any], bounds: Bounds = None) -> str:
    expr = fts_expr(node)
    if expr is not None:
        return _fts_in(params, expr, bounds)
    if isinstance(node, Wildcard):
        fts = _fts_in(params, _COLUMN[node.field] + _quote([node.prefix]) + "*", bounds)
        checks = []
        for col in _fields(node.field):
            checks.append(f"veille_wild({col}, ?)")
            params.append(node.pattern)
        return f"({fts} AND ({' OR '.join(checks)}))"
    if isinstance(node, Near):
        fts = _fts_in(params, _prefilter(text_words(node), node.field), bounds)
        spec = pr.near_spec([text_words(i) for i in node.items], node.distance, node.ordered)
        checks = []
        for col in _fields(node.field):
            checks.append(f"veille_near({col}, ?)")
            params.append(spec)
        return f"({fts} AND ({' OR '.join(checks)}))"
    if isinstance(node, Raw):
        fts = _fts_in(params, _quote(node.words), bounds)
        params.extend([node.text, " ".join(node.words), node.text, " ".join(node.words)])
        return f"({fts} AND (veille_raw(p.title, ?, ?) OR veille_raw(p.text, ?, ?)))"
    if isinstance(node, Tag):
        return _tag(node, params)
    if isinstance(node, Field) and node.name == "author":
        params.extend([node.value, f"{node.value}@", f"{node.value}A", node.value])
        return _AUTHOR
    if isinstance(node, Field) and node.name in _METADATA:
        return _METADATA[node.name](node.value, params)
    if isinstance(node, Field):
        params.append(node.value)
        return {
            "platform": "lower(p.platform) = ?",
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
        return f"NOT ({_sql(node.item, params, bounds)})"
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
            return _sql(items[0], params, bounds)
        return "(" + joiner.join(_sql(i, params, bounds) for i in items) + ")"
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
