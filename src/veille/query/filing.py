"""How the :class:`~veille.query.matcher.Matcher` files a query: the keys a
post must hold, grouped into clauses and branches.

Keys are strings: a folded word (``lumio``); ``*pre`` for a wildcard's prefix;
``#tag`` and ``@user`` for hashtags and mentions; ``a:handle``, ``p:platform``,
``l:lang``, ``s:sentiment`` and ``f:reply``/``f:repost``/``f:link``/``f:media``
for metadata. None of the markers can occur inside a word.

A query becomes up to seven **clauses** over keys (a post must hold one key of
every clause), **excluded keys** (a post holding one never matches) and
numeric ranges:

- ``lumio (panne OR outage) -promo lang:fr`` is the clauses ``{lumio}``,
  ``{panne, outage}``, ``{l:fr}`` and the excluded key ``promo``: holding the
  keys *is* matching, nothing is evaluated;
- a phrase, ``NEAR`` or a word in the title or text only needs its words (one
  clause each) and is then a **positional** condition, checked on the post's
  word positions by the matcher's compiled core;
- what keys and positions cannot say (case-exact text, other wildcards, an
  ``OR`` of phrases inside an ``AND``...) makes a branch inexact: its
  candidates are evaluated by the in-memory engine's closures;
- an ``OR`` some of whose branches are not plain keys (``"a b" OR c``) is
  filed as one **branch** each, so holding ``c`` matches at once;
- a query with no clause at all (``-spam``, ``likes:>100``) is evaluated for
  every post: ``veille query explain`` reports it as costly.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from veille.models import Post
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
    walk,
)
from veille.query.evaluate import Query
from veille.query.predicates import tag_key

# Prior probabilities that a post holds a key, used when no document
# frequencies are given: metadata and flags split posts into a few large
# groups, so any word is preferred to them.
_P_META = {"a": 0.05, "p": 0.3, "l": 0.5, "s": 0.4, "f": 0.4}
_P_TAG = 0.03
_P_WILDCARD = 0.1
_P_WORD = 0.02
_FIELD_MARKS = {"author": "a:", "platform": "p:", "lang": "l:", "sentiment": "s:"}

MAX_CLAUSES = 7  # clauses and numeric ranges of one branch
# An OR of at most this many clauses once distributed ((a b) OR c is
# (a OR c) AND (b OR c)) keeps every clause; a larger one keeps one key per branch.
_MAX_DISTRIBUTED = 4
# An OR with fewer branches than this, some of which need evaluation, is
# filed once per branch, so a post holding a branch that needs none matches
# without evaluation.
_MAX_BRANCHES = 8

# Fields whose words the compiled core knows the positions of.
POSITIONAL_FIELDS = ("any", "title", "text")

# Keys a post must all hold; whether holding them (and satisfying the
# positional conditions) is enough; the positional conditions.
Alt = tuple[frozenset[str], bool, tuple[Node, ...]]


@dataclass(frozen=True, slots=True)
class Branch:
    """One way of matching a query: a post must hold a key of every clause
    (the rarest first); ``exact`` when holding them (and being inside the
    query's numeric ranges) is matching once the ``positional`` conditions
    hold: phrases, ``NEAR`` and words in one field, which the matcher's
    compiled core checks on the post's words. Otherwise a candidate is
    evaluated by the in-memory engine."""

    clauses: tuple[frozenset[str], ...]
    exact: bool
    positional: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Selection:
    """How the matcher files one query: its ``branches`` (a post satisfying
    one of them is a candidate; ``"a b" OR c`` has two), the keys it
    ``excluded`` (a post holding one never matches), the numeric ``ranges``
    every post must be inside (compared for all queries at once), or
    ``always`` when no key is required: the query is then evaluated for every
    post (costly)."""

    branches: tuple[Branch, ...]
    excluded: tuple[str, ...] = ()
    ranges: tuple[Range, ...] = ()

    @property
    def always(self) -> bool:
        return not self.branches

    @property
    def exact(self) -> bool:
        """Holding the keys (and satisfying the branch's positional
        conditions) is matching, whichever branch they satisfy."""
        return bool(self.branches) and all(b.exact for b in self.branches)

    @property
    def keys(self) -> frozenset[str]:
        """A post holds one of these keys or is not a candidate (the rarest
        clause of each branch)."""
        return frozenset(k for b in self.branches for k in b.clauses[0])


class Filer:
    """Plans how queries are filed: which keys, in which clauses and branches.

    Clauses are ordered rarest first: by ``doc_freq`` (word -> number of posts
    holding it, out of ``doc_count``) when given; otherwise words used by more
    of the filed queries than most (:meth:`count`) count as common.
    """

    def __init__(
        self, doc_freq: Mapping[str, int] | None = None, doc_count: int | None = None
    ) -> None:
        self.doc_freq = doc_freq
        self.doc_count = (
            doc_count if doc_count else (max(doc_freq.values(), default=0) + 1 if doc_freq else 0)
        )
        self.qfreq: Counter[str] = Counter()
        self.qtotal = 0

    def count(self, query: Query, step: int) -> None:
        """Count ``query``'s keys among the filed queries' (``step`` 1) or no
        longer (-1)."""
        used = query_keys(query.ast)
        if step > 0:
            self.qfreq.update(used)
        else:
            self.qfreq.subtract(used)
        self.qtotal += step * len(used)

    def _p(self, key: str) -> float:
        """Estimated share of posts holding ``key``."""
        mark = key[0]
        if key[1:2] == ":" and mark in _P_META:
            return _P_META[mark]
        if mark == "*":
            return _P_WILDCARD
        df = self.doc_freq
        if df is not None:
            return (df.get(key.lstrip("#@"), 0) + 0.5) / (self.doc_count + 1)
        base = _P_TAG if mark in "#@" else _P_WORD
        # Words used by more queries than most (brand names) are likely common
        # in posts too; relative to the mean, so the scale of the set is moot.
        mean = self.qtotal / (len(self.qfreq) or 1)
        return min(0.9, base * ((1.0 + self.qfreq[key]) / (1.0 + mean)) ** 0.5)

    def _rarest(self, keys: Iterable[str]) -> str:
        return min(keys, key=lambda k: (self._p(k), k))

    def _clause_p(self, clause: frozenset[str]) -> tuple[float, int, tuple[str, ...]]:
        return (min(1.0, sum(self._p(k) for k in clause)), len(clause), tuple(sorted(clause)))

    def _alternatives(self, node: Node) -> list[Alt] | None:
        """Key sets, one of which a matching post holds in full (None: no key
        is required), each with whether holding it (and satisfying its
        positional conditions) is enough to match, and those conditions."""
        if isinstance(node, Term):
            if node.field == "any":
                return [(frozenset((node.word,)), True, ())]
            sure = node.field in POSITIONAL_FIELDS
            return [(frozenset((node.word,)), sure, (node,) if sure else ())]
        if isinstance(node, Wildcard):
            # ``pre*`` in any field is exactly "holds a word starting with pre".
            sure = node.field == "any" and node.pattern == node.prefix + "*"
            return [(frozenset(("*" + node.prefix,)), sure, ())]
        if isinstance(node, Phrase | Near | Raw):
            words = frozenset(text_words(node))
            if not words:
                return None
            if isinstance(node, Raw) or node.field not in POSITIONAL_FIELDS:
                return [(words, False, ())]
            return [(words, True, (node,))]
        if isinstance(node, Tag):
            key = ("#" if node.kind == "hashtag" else "@") + node.value
            return [(frozenset((key,)), True, ())]
        if isinstance(node, Field) and node.name in _FIELD_MARKS:
            return [(frozenset((_FIELD_MARKS[node.name] + node.value,)), True, ())]
        if isinstance(node, Flag):
            return [(frozenset(("f:" + node.name,)), True, ())]
        if isinstance(node, Or):
            out: list[Alt] = []
            for item in node.items:
                found = self._alternatives(item)
                if found is None:
                    return None
                out.extend(found)
            return out
        if isinstance(node, And):
            needed: set[str] = set()
            positional: list[Node] = []
            branches: list[list[Alt]] = []
            exact = True  # every condition is said by keys and positions
            for item in node.items:
                found = self._alternatives(item)
                if found is None:
                    exact = False
                elif len(found) == 1:
                    needed |= found[0][0]
                    exact = exact and found[0][1]
                    positional.extend(found[0][2])
                else:
                    branches.append(found)
            at = tuple(positional)
            options = [[(frozenset(needed), exact and not branches, at)]] if needed else []
            # An OR inside an AND: each of its branches plus the words always needed.
            alone = exact and len(branches) == 1
            options.extend(
                [(k | needed, alone and sure, at + pos) for k, sure, pos in b] for b in branches
            )
            if not options:
                return None
            return min(
                options,
                key=lambda o: (sum(self._p(self._rarest(alt[0])) for alt in o), len(o)),
            )
        return None  # NOT, numbers, dates, other fields: no key

    def _clauses(self, alts: list[Alt]) -> tuple[list[frozenset[str]], bool, tuple[Node, ...]]:
        """Alternatives as clauses of keys (all needed), with whether they say
        all of it once the positional conditions (returned) hold."""
        if len(alts) == 1:
            keys, sure, positional = alts[0]
            return [frozenset((k,)) for k in keys], sure, positional
        # Clauses cannot say which branch's positions to check: only plain ones are sure.
        sure = all(s and not pos for _, s, pos in alts)
        if all(len(alt[0]) == 1 for alt in alts):
            return [frozenset(k for alt in alts for k in alt[0])], sure, ()
        if _distributed(alts) <= _MAX_DISTRIBUTED:
            # (a b) OR c is (a OR c) AND (b OR c): exact when every branch is.
            product = itertools.product(*(sorted(alt[0]) for alt in alts))
            return [frozenset(choice) for choice in product], sure, ()
        return [frozenset(self._rarest(alt[0]) for alt in alts)], False, ()

    @staticmethod
    def _split(node: Node) -> tuple[list[Node], tuple[str, ...], tuple[Range, ...]]:
        """A top-level AND as ``(the rest, keys it excludes, numeric ranges)``:
        ``lumio -promo likes:>10`` is ``[lumio]``, excluding posts holding
        ``promo`` and posts outside the range."""
        items = node.items if isinstance(node, And) else (node,)
        rest: list[Node] = []
        excluded: list[str] = []
        ranges: list[Range] = []
        for item in items:
            key = exact_key(item.item) if isinstance(item, Not) else None
            if key is not None:
                excluded.append(key)
            elif isinstance(item, Range):
                ranges.append(item)
            else:
                rest.append(item)
        return rest, tuple(dict.fromkeys(excluded)), tuple(dict.fromkeys(ranges))

    def _branch(
        self, clauses: Iterable[frozenset[str]], exact: bool, positional: Iterable[Node]
    ) -> Branch:
        found = list(dict.fromkeys(clauses))
        # A clause holding another one is implied by it.
        kept = [c for c in found if not any(o < c for o in found)]
        kept.sort(key=self._clause_p)
        if len(kept) > MAX_CLAUSES:
            kept, exact = kept[:MAX_CLAUSES], False
        return Branch(tuple(kept), exact, tuple(dict.fromkeys(positional)) if exact else ())

    def plan(self, query: Query) -> Selection:
        """How ``query`` is filed: its branches of clauses, excluded keys and ranges."""
        rest, excluded, ranges = self._split(query.ast)
        common: list[frozenset[str]] = []
        positional: list[Node] = []
        exact = True
        split: list[Alt] | None = None  # the OR whose branches become branches
        for item in rest:
            alts = self._alternatives(item)
            if alts is None:
                exact = False
                continue
            plain = [sure and not pos for _, sure, pos in alts]
            if (
                split is None
                and 1 < len(alts) <= _MAX_BRANCHES
                and not all(len(alt[0]) == 1 and ok for alt, ok in zip(alts, plain, strict=True))
                and not (all(plain) and _distributed(alts) <= _MAX_DISTRIBUTED)
            ):
                # ``"a b" OR c``: holding c is matching, holding a and b (in
                # that order) is too: one branch each rather than one inexact clause.
                split = alts
                continue
            clauses, sure, pos = self._clauses(alts)
            common.extend(clauses)
            exact = exact and sure
            positional.extend(pos)
        if split is None:
            branches = [self._branch(common, exact, positional)] if common else []
        else:
            branches = [
                self._branch(
                    [*common, *(frozenset((k,)) for k in keys)], exact and sure, [*positional, *pos]
                )
                for keys, sure, pos in split
            ]
        return Selection(tuple(b for b in branches if b.clauses), excluded, ranges)


def _distributed(alts: list[Alt]) -> int:
    """How many clauses an OR of these alternatives makes once distributed."""
    return math.prod(len(alt[0]) for alt in alts)


def exact_key(node: Node) -> str | None:
    """The key whose presence is exactly ``node`` (a word in any field, a tag,
    platform/author/lang/sentiment, a flag), else None."""
    if isinstance(node, Term):
        return node.word if node.field == "any" else None
    if isinstance(node, Tag):
        return ("#" if node.kind == "hashtag" else "@") + node.value
    if isinstance(node, Field):
        mark = _FIELD_MARKS.get(node.name)
        return None if mark is None else mark + node.value
    if isinstance(node, Flag):
        return "f:" + node.name
    return None


def is_meta(key: str) -> int:
    return 1 if key[0] in "#@" or key[1:2] == ":" else 0


def meta_keys(p: Post) -> list[str]:
    """The metadata keys of post ``p``: tags, platform, author, language,
    sentiment and flags."""
    keys = ["#" + tag_key(t) for t in p.hashtags]
    keys.extend("@" + tag_key(m) for m in p.mentions)
    keys.extend(_post_keys(p.platform, p.author.handle, p.lang))
    if p.sentiment is not None:
        keys.append("s:" + p.sentiment.label)
    if p.parent_id is not None:
        keys.append("f:reply")
    if p.repost_of is not None:
        keys.append("f:repost")
    if p.links:
        keys.append("f:link")
    if p.media:
        keys.append("f:media")
    return keys


@lru_cache(maxsize=16384)
def _post_keys(platform: str, handle: str | None, lang: str | None) -> tuple[str, ...]:
    """Keys of the platform, author (and the handle without its server) and
    language (and its base code): few distinct values, so cached."""
    keys = ["p:" + platform.lower()]
    if handle:
        from veille.textnorm import fold

        h = fold(handle).lstrip("@")
        keys.append("a:" + h)
        parts = h.split("@")
        keys.extend("a:" + "@".join(parts[:i]) for i in range(1, len(parts)))
    if lang:
        code = lang.lower()
        keys.append("l:" + code)
        parts = code.split("-")
        keys.extend("l:" + "-".join(parts[:i]) for i in range(1, len(parts)))
    return tuple(keys)


def query_keys(node: Node) -> list[str]:
    out: list[str] = []
    for n in walk(node):
        out.extend(text_words(n))
        if isinstance(n, Wildcard):
            out.append("*" + n.prefix)
        elif isinstance(n, Tag):
            out.append(("#" if n.kind == "hashtag" else "@") + n.value)
    return out
