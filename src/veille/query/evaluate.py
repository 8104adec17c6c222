"""The in-memory engine: an AST compiled to Python closures over a :class:`Doc`.

A :class:`Doc` tokenizes a post once (:func:`veille.textnorm.tokens`, the same
words as the full-text index) and builds positions only when a phrase or
proximity needs them, so the percolator can test one post against many queries
cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter

from veille.models import Post
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
from veille.textnorm import token_spans, tokens

Pred = Callable[["Doc"], bool]
_EMPTY: set[str] = set()


class Doc:
    """One post, tokenized once for every query that tests it."""

    __slots__ = (
        "_mentions",
        "_pos",
        "_spans",
        "_tags",
        "all",
        "post",
        "text",
        "textset",
        "title",
        "titleset",
    )  # fmt: skip

    def __init__(self, post: Post) -> None:
        self.post = post
        self.text = tokens(post.text)
        self.textset = set(self.text)
        if post.title:
            self.title = tokens(post.title)
            self.titleset = set(self.title)
            self.all = self.titleset | self.textset
        else:
            self.title = []
            self.titleset = _EMPTY
            self.all = self.textset
        self._pos: dict[str, dict[str, list[int]]] = {}
        self._spans: dict[str, list[tuple[str, int, int]]] = {}
        self._tags: set[str] | None = None
        self._mentions: set[str] | None = None

    def toks(self, fld: str) -> list[str]:
        return self.title if fld == "title" else self.text

    def raw(self, fld: str) -> str:
        return (self.post.title or "") if fld == "title" else self.post.text

    def pos(self, fld: str) -> dict[str, list[int]]:
        found = self._pos.get(fld)
        if found is None:
            found = self._pos[fld] = pr.positions(self.toks(fld))
        return found

    def spans(self, fld: str) -> list[tuple[str, int, int]]:
        found = self._spans.get(fld)
        if found is None:
            found = self._spans[fld] = list(token_spans(self.raw(fld)))
        return found

    def tags(self, kind: str) -> set[str]:
        if kind == "hashtag":
            if self._tags is None:
                self._tags = {pr.tag_key(h) for h in self.post.hashtags}
            return self._tags
        if self._mentions is None:
            self._mentions = {pr.tag_key(m) for m in self.post.mentions}
        return self._mentions


def _fields(fld: str) -> tuple[str, ...]:
    return ("title", "text") if fld == "any" else (fld,)


def _set(fld: str) -> Callable[[Doc], set[str]]:
    if fld == "title":
        return lambda d: d.titleset
    if fld == "text":
        return lambda d: d.textset
    return lambda d: d.all


_RANGE_ATTRS = {
    "followers": "author.followers",
    "likes": "engagement.likes",
    "shares": "engagement.shares",
    "replies": "engagement.replies",
}


def _range_value(name: str) -> Callable[[Post], int | None]:
    if name == "followers":
        return lambda p: p.author.followers
    if name == "published":
        return lambda p: int(p.published_at.timestamp())
    return lambda p: getattr(p.engagement, name)


def compile_node(node: Node) -> Pred:
    """``node`` as a predicate over a :class:`Doc`."""
    if isinstance(node, Term):
        w = node.word
        if node.field == "any":
            return lambda d: w in d.all
        get = _set(node.field)
        return lambda d: w in get(d)
    if isinstance(node, Wildcard):
        rx, pre, get = pr.wildcard_matcher(node.pattern), node.prefix, _set(node.field)
        return lambda d: any(t.startswith(pre) and rx.match(t) for t in get(d))
    if isinstance(node, Phrase):
        words = node.words
        need = frozenset(words)
        if node.field == "any":
            return lambda d: (
                need <= d.all
                and (
                    (need <= d.textset and bool(pr.phrase_starts(d.text, d.pos("text"), words)))
                    or (
                        need <= d.titleset
                        and bool(pr.phrase_starts(d.title, d.pos("title"), words))
                    )
                )
            )
        f, get = node.field, _set(node.field)
        return lambda d: need <= get(d) and bool(pr.phrase_starts(d.toks(f), d.pos(f), words))
    if isinstance(node, Near):
        items = [text_words(i) for i in node.items]
        need = frozenset(w for it in items for w in it)
        dist, ordered = node.distance, node.ordered
        if node.field == "any":
            return lambda d: (
                need <= d.all
                and (
                    (need <= d.textset and pr.near_ok(d.text, d.pos("text"), items, dist, ordered))
                    or (
                        need <= d.titleset
                        and pr.near_ok(d.title, d.pos("title"), items, dist, ordered)
                    )
                )
            )
        f, get = node.field, _set(node.field)
        return lambda d: need <= get(d) and pr.near_ok(d.toks(f), d.pos(f), items, dist, ordered)
    if isinstance(node, Raw):
        exact, words = node.text, node.words
        return lambda d: any(
            exact in d.raw(f) and pr.phrase_starts(d.toks(f), d.pos(f), words)
            for f in ("title", "text")
        )
    if isinstance(node, Tag):
        kind, value = node.kind, node.value
        return lambda d: value in d.tags(kind)
    if isinstance(node, Field):
        return _field(node)
    if isinstance(node, Range):
        get_value = _range_value(node.name)
        lo, hi, lo_in, hi_in = node.low, node.high, node.low_inclusive, node.high_inclusive
        if hi is None and lo is not None and node.name != "published":
            # The commonest shape (likes:>10): one C attribute lookup, one comparison.
            get = attrgetter(_RANGE_ATTRS[node.name])
            if lo_in:
                return lambda d: (v := get(d.post)) is not None and v >= lo
            return lambda d: (v := get(d.post)) is not None and v > lo

        def in_range(d: Doc) -> bool:
            v = get_value(d.post)
            if v is None:
                return False
            if lo is not None and (v < lo if lo_in else v <= lo):
                return False
            return not (hi is not None and (v > hi if hi_in else v >= hi))

        return in_range
    if isinstance(node, Flag):
        attr = {
            "reply": "is_reply",
            "repost": "is_repost",
            "link": "has_link",
            "media": "has_media",
        }[node.name]
        return lambda d: bool(getattr(d.post, attr))
    if isinstance(node, Not):
        inner = compile_node(node.item)
        return lambda d: not inner(d)
    if isinstance(node, And | Or):
        fast = _set_clauses(node)
        if fast is not None:
            return fast
    if isinstance(node, And):
        return _and(node)
    if isinstance(node, Or):
        fs = [compile_node(i) for i in sorted(node.items, key=_cost)]
        if len(fs) == 2:
            a, b = fs
            return lambda d: a(d) or b(d)
        if len(fs) == 3:
            a, b, c = fs
            return lambda d: a(d) or b(d) or c(d)
        return lambda d: any(f(d) for f in fs)
    raise TypeError(f"not a query node: {node!r}")


def _and(node: And) -> Pred:
    """All of ``node.items``: words needed and words excluded are two set
    tests, then the other conditions, cheapest first."""
    need: set[str] = set()
    forbid: set[str] = set()
    others: list[Node] = []
    for item in node.items:
        if isinstance(item, Term) and item.field == "any":
            need.add(item.word)
        elif isinstance(item, Not) and isinstance(item.item, Term) and item.item.field == "any":
            forbid.add(item.item.word)
        else:
            others.append(item)
    fs = [compile_node(i) for i in sorted(others, key=_cost)]
    if need or forbid:
        n, x = frozenset(need), frozenset(forbid)
        words: Pred = lambda d: n <= d.all and x.isdisjoint(d.all)  # noqa: E731
        fs.insert(0, words)
    if len(fs) == 1:
        return fs[0]
    if len(fs) == 2:
        a, b = fs
        return lambda d: a(d) and b(d)
    if len(fs) == 3:
        a, b, c = fs
        return lambda d: a(d) and b(d) and c(d)
    return lambda d: all(f(d) for f in fs)


def _cost(node: Node) -> int:
    """A rough cost of testing ``node``: set lookups are cheap, positions are not."""
    if isinstance(node, Not):
        return _cost(node.item)
    if isinstance(node, And | Or):
        return sum(_cost(i) for i in node.items)
    if isinstance(node, Wildcard):
        return 3
    if isinstance(node, Phrase):
        return 4
    if isinstance(node, Near | Raw):
        return 5
    return 1


def _any_words(node: Node) -> frozenset[str] | None:
    """The words of a plain word or an OR of plain words (any field), else None."""
    if isinstance(node, Term) and node.field == "any":
        return frozenset((node.word,))
    if isinstance(node, Or) and all(isinstance(i, Term) and i.field == "any" for i in node.items):
        return frozenset(i.word for i in node.items)  # type: ignore[union-attr]
    return None


def _set_clauses(node: And | Or) -> Pred | None:
    """Fast paths for the commonest shapes: set operations on the post's words."""
    if isinstance(node, Or):
        words = _any_words(node)
        if words is None:
            return None
        return lambda d: not words.isdisjoint(d.all)
    clauses = [_any_words(i) for i in node.items]
    if any(c is None for c in clauses):
        return None
    singles = frozenset(w for c in clauses if c is not None and len(c) == 1 for w in c)
    groups = tuple(c for c in clauses if c is not None and len(c) > 1)
    if not groups:
        if len(singles) == 1:
            (w,) = singles
            return lambda d: w in d.all
        return lambda d: singles <= d.all
    g1 = groups[0]
    if len(groups) == 1:
        if not singles:
            return lambda d: not g1.isdisjoint(d.all)
        if len(singles) == 1:
            (w,) = singles
            return lambda d: w in d.all and not g1.isdisjoint(d.all)
        return lambda d: singles <= d.all and not g1.isdisjoint(d.all)
    if len(groups) == 2:
        g2 = groups[1]
        return lambda d: singles <= d.all and not g1.isdisjoint(d.all) and not g2.isdisjoint(d.all)
    return lambda d: singles <= d.all and all(not g.isdisjoint(d.all) for g in groups)


def _field(node: Field) -> Pred:
    v = node.value
    match node.name:
        case "author":
            return lambda d: pr.author_ok(d.post.author.handle, v)
        case "platform":
            return lambda d: d.post.platform.lower() == v
        case "lang":
            return lambda d: pr.lang_ok(d.post.lang, v)
        case "site":
            return lambda d: pr.site_ok(d.post.url, d.post.links, v)
        case "url":
            return lambda d: pr.url_ok(d.post.url, v)
        case "links":
            return lambda d: pr.links_ok(d.post.links, v)
        case "sentiment":
            return lambda d: d.post.sentiment is not None and d.post.sentiment.label == v
    raise TypeError(f"unknown field {node.name}")


@dataclass(frozen=True, slots=True)
class Span:
    """Matched characters ``text[start:end]`` of the post's ``field`` (title or text)."""

    field: str
    start: int
    end: int


# A mention as posts write it (veille.enrich.textparts.MENTION_RE, which the
# query module does not import).
_MENTION_RE = re.compile(r"(?<![\w@/])@(\w(?:[\w.-]*\w)?(?:@[\w-]+(?:\.[\w-]+)+)?)")


def _positive_leaves(node: Node, negated: bool = False) -> list[Node]:
    if isinstance(node, Not):
        return _positive_leaves(node.item, not negated)
    if isinstance(node, And | Or):
        return [leaf for i in node.items for leaf in _positive_leaves(i, negated)]
    return [] if negated else [node]


def leaf_spans(node: Node, d: Doc) -> list[Span]:
    """Where a text leaf occurs in ``d`` (empty for metadata leaves)."""
    out: list[Span] = []
    if isinstance(node, Raw):
        for f in ("title", "text"):
            text, start = d.raw(f), 0
            while node.text and (k := text.find(node.text, start)) >= 0:
                out.append(Span(f, k, k + len(node.text)))
                start = k + len(node.text)
        return out
    if isinstance(node, Tag) and node.kind == "mention" and not node.value.isalnum():
        # @alice.bsky.social, @alice@mastodon.social: more than one word.
        for f in ("title", "text"):
            out.extend(
                Span(f, m.start(), m.end())
                for m in _MENTION_RE.finditer(d.raw(f))
                if pr.tag_key(m.group(1)) == node.value
            )
        return out
    if isinstance(node, Tag):
        sign = "#" if node.kind == "hashtag" else "@"
        for f in ("title", "text"):
            raw = d.raw(f)
            out.extend(
                Span(f, st - 1, e)
                for w, st, e in d.spans(f)
                if w == node.value and st > 0 and raw[st - 1] == sign
            )
        return out
    if not isinstance(node, Term | Wildcard | Phrase | Near):
        return out
    for f in _fields(node.field):
        sp = d.spans(f)
        words = [w for w, _, _ in sp]
        if isinstance(node, Term):
            out.extend(Span(f, s, e) for w, s, e in sp if w == node.word)
        elif isinstance(node, Wildcard):
            rx = pr.wildcard_matcher(node.pattern)
            out.extend(Span(f, s, e) for w, s, e in sp if rx.match(w))
        else:
            seqs = [node.words] if isinstance(node, Phrase) else [text_words(i) for i in node.items]
            if isinstance(node, Near) and not pr.near_ok(
                words, pr.positions(words), seqs, node.distance, node.ordered
            ):
                continue
            pos = pr.positions(words)
            for seq in seqs:
                for p in pr.phrase_starts(words, pos, seq):
                    out.append(Span(f, sp[p][1], sp[p + len(seq) - 1][2]))
    return out


@dataclass(frozen=True)
class Query:
    """A parsed, compiled query. Build with :func:`veille.query.compile_query`."""

    text: str
    ast: Node
    warnings: tuple[str, ...] = ()
    _pred: Pred = field(repr=False, compare=False, default=lambda d: False)

    def matches(self, post: Post | Doc) -> bool:
        d = post if isinstance(post, Doc) else Doc(post)
        return self._pred(d)

    def test(self, doc: Doc) -> bool:
        return self._pred(doc)

    def spans(self, post: Post | Doc) -> list[Span]:
        """Matched spans of the positive text conditions, sorted, without overlaps."""
        d = post if isinstance(post, Doc) else Doc(post)
        found = sorted(
            {s for leaf in _positive_leaves(self.ast) for s in leaf_spans(leaf, d)},
            key=lambda s: (s.field, s.start, -s.end),
        )
        out: list[Span] = []
        for s in found:
            if out and out[-1].field == s.field and s.start < out[-1].end:
                if s.end > out[-1].end:
                    out[-1] = Span(s.field, out[-1].start, s.end)
                continue
            out.append(s)
        return out

    @property
    def normalized(self) -> str:
        from veille.query.ast import to_text

        return to_text(self.ast)
