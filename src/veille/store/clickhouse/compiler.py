"""The ClickHouse engine: query AST -> a parameterized ``WHERE`` over ``posts``.

Every comparison is on the columns folded in Python on insert
(:func:`veille.store.clickhouse.rows.derived`), so the words are veille's own:

- a word: ``hasAnyTokens`` on ``title_f``/``text_f`` (their text index);
- a phrase: every word through the index, then the substring `` a b `` (the
  folded words are joined by single spaces, with a space at each end);
- a prefix ``pre*``: the substring `` pre``; other wildcards: a regular
  expression where ``*`` is ``[^ ]*`` and ``?`` one ``[^ ]`` (a folded word
  holds no space);
- case-exact ``raw:``: the exact characters in the field and the folded
  phrase in the same field;
- tags, handles, hosts, URLs, languages: the folded arrays and strings.

Only ``NEAR`` has no exact equivalent here: its words go through the index
and the posts found are checked by the in-memory engine (the same predicates
SQLite calls), so the answer is exact. Such a query is ``exact = False``; the
caller post-filters. To keep the SQL a superset of the answer, an inexact
condition under an odd number of ``NOT`` is taken as false (so its ``NOT`` is
true), and as its pre-filter otherwise. User text only goes in parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

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

_RANGE_COLUMN = {
    "followers": "author_followers", "likes": "likes", "shares": "shares",
    "replies": "replies", "published": "published_at",
}  # fmt: skip
_FLAG_SQL = {
    "reply": "isNotNull(parent_id)",
    "repost": "isNotNull(repost_of)",
    "link": "notEmpty(links)",
    "media": "notEmpty(media)",
}
_FOLDED = {"title": "title_f", "text": "text_f"}
_RAW = {"title": "ifNull(title, '')", "text": "text"}


@dataclass
class Compiled:
    """``sql`` over the posts table; ``params`` for its placeholders;
    ``exact``: False when the posts found must also pass the in-memory engine."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)
    exact: bool = True


class _Builder:
    def __init__(self, params: dict[str, Any], prefix: str) -> None:
        self.params = params
        self.prefix = prefix
        self.exact = True

    def p(self, value: Any, kind: str = "String") -> str:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return f"{{{name}:{kind}}}"

    def tokens(self, words: list[str] | tuple[str, ...]) -> str:
        return "[" + ", ".join(self.p(w) for w in dict.fromkeys(words)) + "]"

    def per_field(self, fld: str, make: Any) -> str:
        cols = ("title", "text") if fld == "any" else (fld,)
        parts = [make(c) for c in cols]
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def node(self, node: Node, negated: bool) -> str:
        if isinstance(node, Term):
            return self.per_field(
                node.field, lambda c: f"hasAnyTokens({_FOLDED[c]}, {self.tokens([node.word])})"
            )
        if isinstance(node, Phrase):
            needle = " " + " ".join(node.words) + " "

            def phrase(c: str) -> str:
                return (
                    f"(hasAllTokens({_FOLDED[c]}, {self.tokens(node.words)}) "
                    f"AND position({_FOLDED[c]}, {self.p(needle)}) > 0)"
                )

            return self.per_field(node.field, phrase)
        if isinstance(node, Wildcard):
            if node.pattern == node.prefix + "*":
                return self.per_field(
                    node.field, lambda c: f"position({_FOLDED[c]}, {self.p(' ' + node.prefix)}) > 0"
                )
            body = "".join(
                "[^ ]*" if ch == "*" else "[^ ]" if ch == "?" else re.escape(ch)
                for ch in node.pattern
            )
            return self.per_field(
                node.field, lambda c: f"match({_FOLDED[c]}, {self.p(' ' + body + ' ')})"
            )
        if isinstance(node, Raw):
            needle = " " + " ".join(node.words) + " "

            def raw(c: str) -> str:
                return (
                    f"(position({_RAW[c]}, {self.p(node.text)}) > 0 "
                    f"AND position({_FOLDED[c]}, {self.p(needle)}) > 0)"
                )

            return self.per_field("any", raw)
        if isinstance(node, Near):
            self.exact = False
            if negated:
                return "0"
            return self.per_field(
                node.field,
                lambda c: f"hasAllTokens({_FOLDED[c]}, {self.tokens(text_words(node))})",
            )
        if isinstance(node, Tag):
            col = "tags_f" if node.kind == "hashtag" else "mentions_f"
            return f"has({col}, {self.p(node.value)})"
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Range):
            col = _RANGE_COLUMN[node.name]
            parts = [f"isNotNull({col})"]
            if node.low is not None:
                op = ">=" if node.low_inclusive else ">"
                parts.append(f"{col} {op} {self.p(node.low, 'Int64')}")
            if node.high is not None:
                parts.append(
                    f"{col} {'<=' if node.high_inclusive else '<'} {self.p(node.high, 'Int64')}"
                )
            return "ifNull(" + " AND ".join(parts) + ", 0)"
        if isinstance(node, Flag):
            return _FLAG_SQL[node.name]
        if isinstance(node, Not):
            return f"NOT ({self.node(node.item, not negated)})"
        if isinstance(node, And | Or):
            joiner = " AND " if isinstance(node, And) else " OR "
            parts = self.word_lists(node)
            rest = [i for i in node.items if not self.in_word_list(node, i)]
            parts += [self.node(i, negated) for i in rest]
            return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"
        raise TypeError(f"not a query node: {node!r}")

    @staticmethod
    def in_word_list(node: And | Or, item: Node) -> bool:
        """Whether ``item`` of ``node`` is said together with its kind: the
        words, phrases and prefixes of an OR, the excluded words (NOT word) of
        an AND."""
        if isinstance(node, Or):
            return isinstance(item, Term | Phrase) or (
                isinstance(item, Wildcard) and item.pattern == item.prefix + "*"
            )
        return isinstance(item, Not) and isinstance(item.item, Term)

    def word_lists(self, node: And | Or) -> list[str]:
        """One condition per field and kind for the items of :meth:`in_word_list`:
        ``hasAnyTokens`` over the words, ``multiSearchAny`` over the phrases
        (their words padded with spaces, as ``position`` finds one) and the
        prefixes. ClickHouse took seconds to plan a condition per item (15 s
        for 400 excluded words, 8 s for an OR of 400 phrases)."""
        words: dict[str, list[str]] = {}
        phrases: dict[str, list[Phrase]] = {}
        prefixes: dict[str, list[Wildcard]] = {}
        for item in node.items:
            if not self.in_word_list(node, item):
                continue
            inner = item.item if isinstance(item, Not) else item
            if isinstance(inner, Term):
                words.setdefault(inner.field, []).append(inner.word)
            elif isinstance(inner, Phrase):
                phrases.setdefault(inner.field, []).append(inner)
            elif isinstance(inner, Wildcard):
                prefixes.setdefault(inner.field, []).append(inner)
        parts = []
        for fld, ws in words.items():
            cond = self.per_field(
                fld, lambda c, w=ws: f"hasAnyTokens({_FOLDED[c]}, {self.tokens(w)})"
            )
            parts.append(f"NOT ({cond})" if isinstance(node, And) else cond)
        for fld, said in phrases.items():
            if len(said) == 1:
                parts.append(self.node(said[0], False))
                continue
            needles = [" " + " ".join(p.words) + " " for p in said]
            all_words = [w for p in said for w in p.words]
            parts.append(
                self.per_field(
                    fld,
                    lambda c, n=needles, w=all_words: (
                        f"(hasAnyTokens({_FOLDED[c]}, {self.tokens(w)}) "
                        f"AND {self.search_any(_FOLDED[c], n)})"
                    ),
                )
            )
        for fld, starts in prefixes.items():
            if len(starts) == 1:
                parts.append(self.node(starts[0], False))
                continue
            needles = [" " + w.prefix for w in starts]
            parts.append(self.per_field(fld, lambda c, n=needles: self.search_any(_FOLDED[c], n)))
        return parts

    def search_any(self, col: str, needles: list[str]) -> str:
        """Whether ``col`` holds one of ``needles`` (``multiSearchAny`` takes
        at most 255 at a time)."""
        unique = list(dict.fromkeys(needles))
        chunks = [unique[k : k + 255] for k in range(0, len(unique), 255)]
        calls = [f"multiSearchAny({col}, {self.p(chunk, 'Array(String)')})" for chunk in chunks]
        return calls[0] if len(calls) == 1 else "(" + " OR ".join(calls) + ")"

    def field(self, node: Field) -> str:
        v = self.p(node.value)
        match node.name:
            case "author":
                return (
                    f"(author_f != '' AND (author_f = {v} "
                    f"OR startsWith(author_f, concat({v}, '@'))))"
                )
            case "platform":
                return f"platform_f = {v}"
            case "lang":
                return f"(lang_f != '' AND (lang_f = {v} OR startsWith(lang_f, concat({v}, '-'))))"
            case "site":
                return f"arrayExists(h -> h = {v} OR endsWith(h, concat('.', {v})), hosts)"
            case "url":
                return f"(url_f != '' AND position(url_f, {v}) > 0)"
            case "links":
                return f"arrayExists(u -> position(u, {v}) > 0, links_f)"
            case "sentiment":
                return f"ifNull(sentiment = {v}, 0)"
        raise TypeError(f"unknown field {node.name}")


def to_clickhouse(node: Node, *, prefix: str = "q") -> Compiled:
    """``node`` as a ``WHERE`` condition over ``posts`` (see the module doc)."""
    params: dict[str, Any] = {}
    b = _Builder(params, prefix)
    sql = b.node(node, False)
    return Compiled(sql, params, b.exact)


def relevance(node: Node, params: dict[str, Any], prefix: str = "r") -> str | None:
    """How many of the positive words a post holds (ClickHouse has no bm25 of
    its own here): a rank for ``sort="relevance"``, ``None`` without words."""
    found: list[str] = []

    def visit(n: Node, negated: bool) -> None:
        if isinstance(n, Not):
            visit(n.item, not negated)
        elif isinstance(n, And | Or):
            for i in n.items:
                visit(i, negated)
        elif not negated:
            found.extend(text_words(n))

    visit(node, False)
    b = _Builder(params, prefix)
    parts = [
        f"(hasAnyTokens(title_f, {b.tokens([w])}) OR hasAnyTokens(text_f, {b.tokens([w])}))"
        for w in dict.fromkeys(found)
    ]
    return " + ".join(parts) or None
