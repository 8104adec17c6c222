"""The query AST: the contract every engine compiles (see docs/query-ast.md).

The parser produces these frozen nodes; the in-memory evaluator, the SQLite
compiler and the percolating :class:`~veille.query.matcher.Matcher` consume
them, and a ClickHouse compiler will too. Words are stored already folded with
:func:`veille.textnorm.fold`, so engines never fold query text themselves.

Text leaves carry ``field``: ``"any"`` (title or text), ``"title"`` or
``"text"``. A text leaf matches when it matches inside ONE field (a phrase never
spans from the title into the text).
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT_FIELDS = ("any", "title", "text")
STRING_FIELDS = ("author", "platform", "lang", "site", "url", "links", "sentiment")
RANGE_FIELDS = ("followers", "likes", "shares", "replies", "published")
FLAGS = ("reply", "repost", "link", "media")


@dataclass(frozen=True, slots=True)
class Term:
    """One folded word: ``lumio``, ``title:lumio``."""

    word: str
    field: str = "any"


@dataclass(frozen=True, slots=True)
class Wildcard:
    """A folded word pattern: ``*`` any run of letters, ``?`` exactly one;
    never at the start (``domain*``, ``colo?r``). ``prefix`` is the text before
    the first wildcard (never empty)."""

    pattern: str
    field: str = "any"

    @property
    def prefix(self) -> str:
        cut = min(i for i in (self.pattern.find("*"), self.pattern.find("?")) if i >= 0)
        return self.pattern[:cut]


@dataclass(frozen=True, slots=True)
class Phrase:
    """Consecutive folded words: ``"lumio phone"``."""

    words: tuple[str, ...]
    field: str = "any"


@dataclass(frozen=True, slots=True)
class Near:
    """Every item within ``distance`` words of each other (at most ``distance``
    words between the end of the first and the start of the last, in one
    field); ``ordered`` means in the written order. ``a NEAR/3 b``,
    ``a NEAR/3f b``, ``"a b"~3``."""

    items: tuple[Term | Phrase, ...]
    distance: int
    ordered: bool = False
    field: str = "any"


@dataclass(frozen=True, slots=True)
class Raw:
    """Case-exact text: the folded ``words`` appear as a phrase in a field AND
    the exact characters ``text`` appear in that same field."""

    text: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Tag:
    """``#hashtag`` (kind ``hashtag``) or ``@mention`` (kind ``mention``):
    a folded item of the post's stored hashtags or mentions (without ``#``/``@``)."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class Field:
    """A string condition on metadata (``name`` in :data:`STRING_FIELDS`), value folded.

    - ``author``: the handle equals ``value`` or starts with ``value@``;
    - ``platform``: equals; ``lang``: equals or starts with ``value-``;
    - ``site``: the host of the post's URL or of one of its links is
      ``value`` or a subdomain of it (``www.`` ignored);
    - ``url``: ``value`` is in the post's own URL; ``links``: in one of its links;
    - ``sentiment``: the label equals.
    """

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Range:
    """A numeric condition (``name`` in :data:`RANGE_FIELDS`; ``published`` is
    Unix seconds). ``None`` bounds are open. A post without the number
    (unknown followers) never matches."""

    name: str
    low: int | None = None
    high: int | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True


@dataclass(frozen=True, slots=True)
class Flag:
    """``is:reply``, ``is:repost``, ``has:link``, ``has:media`` (``name`` in :data:`FLAGS`)."""

    name: str


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = Term | Wildcard | Phrase | Near | Raw | Tag | Field | Range | Flag | And | Or | Not
TextLeaf = Term | Wildcard | Phrase | Near | Raw

# What every engine can run. SQLite's parsers (SQL and FTS5 expressions) have
# fixed stacks: 28 nested operators overflow them on some shapes (an OR of a
# number condition and an AND of a word and the next OR …), 20 never did on
# any shape tried (tests/query/test_limits.py), and recursive engines stay far
# from Python's recursion limit. Numbers stay within what every engine stores
# exactly (SQLite's and NumPy's 64-bit integers, JSON numbers, ClickHouse).
MAX_NESTING = 20
MAX_NUMBER = 2**53


def nesting(node: Node) -> int:
    """How many operators (``AND``, ``OR``, ``NOT``, ``NEAR``) are nested at the
    deepest point of ``node``; a leaf is 0, ``NOT a`` is 1, ``NOT (a OR b)`` is 2."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 0)]
    while stack:
        n, depth = stack.pop()
        if isinstance(n, And | Or | Near):
            stack.extend((item, depth + 1) for item in n.items)
        elif isinstance(n, Not):
            stack.append((n.item, depth + 1))
        else:
            deepest = max(deepest, depth)
    return deepest


def text_words(node: Node) -> list[str]:
    """The plain words a text leaf needs (empty for other nodes)."""
    if isinstance(node, Term):
        return [node.word]
    if isinstance(node, Phrase | Raw):
        return list(node.words)
    if isinstance(node, Near):
        return [w for item in node.items for w in text_words(item)]
    return []


def walk(node: Node) -> list[Node]:
    """``node`` and every node below it, depth first."""
    out: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        if isinstance(n, And | Or):
            stack.extend(reversed(n.items))
        elif isinstance(n, Not):
            stack.append(n.item)
    return out


def _q(text: str) -> str:
    return '"' + text.replace('"', "") + '"'


def to_text(node: Node) -> str:
    """The normalized query text of ``node`` (parses back to the same AST)."""
    if isinstance(node, Term):
        return node.word if node.field == "any" else f"{node.field}:{node.word}"
    if isinstance(node, Wildcard):
        return node.pattern if node.field == "any" else f"{node.field}:{node.pattern}"
    if isinstance(node, Phrase):
        body = _q(" ".join(node.words))
        return body if node.field == "any" else f"{node.field}:{body}"
    if isinstance(node, Near):
        if node.field != "any" or (
            not node.ordered and all(isinstance(i, Term) for i in node.items)
        ):
            body = _q(" ".join(text_words(node))) + f"~{node.distance}"
            return body if node.field == "any" else f"{node.field}:{body}"
        op = f" NEAR/{node.distance}{'f' if node.ordered else ''} "
        return "(" + op.join(to_text(i) for i in node.items) + ")"
    if isinstance(node, Raw):
        return f"raw:{_q(node.text)}"
    if isinstance(node, Tag):
        return ("#" if node.kind == "hashtag" else "@") + node.value
    if isinstance(node, Field):
        # Quoted where the bare value would read otherwise: words, a range.
        bare = " " not in node.value and not node.value.startswith(("[", "{"))
        return f"{node.name}:{node.value if bare else _q(node.value)}"
    if isinstance(node, Range):
        if node.name == "published":
            from datetime import UTC, datetime

            def day(ts: int) -> str:
                return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")

            parts = []
            if node.low is not None:
                parts.append(f"since:{day(node.low)}")
            if node.high is not None:
                parts.append(f"until:{day(node.high)}")
            return " ".join(parts) if len(parts) == 1 else "(" + " ".join(parts) + ")"
        lo = "*" if node.low is None else str(node.low)
        hi = "*" if node.high is None else str(node.high)
        if node.low is not None and node.low == node.high:
            return f"{node.name}:{lo}"
        if node.high is None and node.low is not None:
            return f"{node.name}:{'>=' if node.low_inclusive else '>'}{lo}"
        if node.low is None and node.high is not None:
            return f"{node.name}:{'<=' if node.high_inclusive else '<'}{hi}"
        return (
            f"{node.name}:{'[' if node.low_inclusive else '{'}{lo} TO {hi}"
            f"{']' if node.high_inclusive else '}'}"
        )
    if isinstance(node, Flag):
        return f"is:{node.name}" if node.name in ("reply", "repost") else f"has:{node.name}"
    if isinstance(node, Not):
        return (
            f"-{to_text(node.item)}"
            if isinstance(node.item, And | Or | Not) is False
            else (f"NOT ({to_text(node.item)})")
        )
    if isinstance(node, And):
        return " ".join(f"({to_text(i)})" if isinstance(i, Or) else to_text(i) for i in node.items)
    if isinstance(node, Or):
        return " OR ".join(
            f"({to_text(i)})" if isinstance(i, And) else to_text(i) for i in node.items
        )
    raise TypeError(f"not a query node: {node!r}")


def to_dict(node: Node) -> dict[str, object]:
    """``node`` as plain JSON data: ``{"type": "Term", "word": ..., ...}``."""
    from dataclasses import fields

    out: dict[str, object] = {"type": type(node).__name__}
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, tuple) and value and not isinstance(value[0], str):
            out[f.name] = [to_dict(v) for v in value]
        elif isinstance(value, And | Or | Not | Term | Phrase):
            out[f.name] = to_dict(value)
        elif isinstance(value, tuple):
            out[f.name] = list(value)
        else:
            out[f.name] = value
    return out
