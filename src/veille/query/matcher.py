"""Percolation: many saved queries against each new post.

Like Lucene Monitor, the :class:`Matcher` indexes the queries themselves. Each
query is filed under *groups* of one or two keys that any post it matches must
hold (the two rarest required keys of an AND, a group per branch of an OR,
never a NOT). A post is tokenized once, its keys looked up in the index, and
only the queries found are considered:

- when a group's keys say the whole condition (``(panne OR outage) lang:fr``),
  holding them is matching: no evaluation;
- a top-level ``NOT word`` and numeric ranges are bulk filters: the queries a
  post excludes (it holds ``promo``; it has too few likes) are dropped as sets;
- the rest (phrases, NEAR, wildcards, other fields) are evaluated exactly by
  the in-memory engine's compiled closures over the post's shared :class:`Doc`.

Queries with no required key (``-spam``, ``likes:>100``) are kept on an
``always`` list and evaluated for every post; ``veille query explain`` reports
them as costly.

Keys are strings: a folded word (``lumio``); ``*pre`` for a wildcard's prefix;
``#tag`` and ``@user`` for hashtags and mentions; ``a:handle``, ``p:platform``,
``l:lang``, ``s:sentiment`` and ``f:reply``/``f:repost``/``f:link``/``f:media``
for metadata. None of the markers can occur inside a word.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any

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
)
from veille.query.evaluate import Doc, Pred, Query, Span

# Prior probabilities that a post holds a key, used when no document
# frequencies are given: metadata and flags split posts into a few large
# groups, so any word is preferred to them; a pair of keys is far rarer.
_P_META = {"a": 0.05, "p": 0.3, "l": 0.5, "s": 0.4, "f": 0.4}
_P_TAG = 0.03
_P_WILDCARD = 0.1
_P_WORD = 0.02
_FIELD_MARKS = {"author": "a:", "platform": "p:", "lang": "l:", "sentiment": "s:"}

_RANGE_VALUES: dict[str, Callable[[Post], int | None]] = {
    "followers": attrgetter("author.followers"),
    "likes": attrgetter("engagement.likes"),
    "shares": attrgetter("engagement.shares"),
    "replies": attrgetter("engagement.replies"),
    "published": lambda p: int(p.published_at.timestamp()),
}

# The parts of a key's slot.
_EXACT, _VERIFY, _SURE_PAIRS, _PAIRS, _REST_PAIRS, _EXCLUDED = range(6)

Group = tuple[str, ...]  # keys a post must all hold (one or two)
Alt = tuple[frozenset[str], bool]  # keys a post must all hold; whether that is enough


@dataclass(frozen=True, slots=True)
class Selection:
    """How the matcher files one query: ``groups`` of one or two keys (a post
    holding every key of one group selects it; ``keys`` is the rarest key of
    each group), or ``always`` when no key is required (evaluated for every
    post: costly)."""

    keys: frozenset[str]
    always: bool
    groups: tuple[Group, ...] = ()


class Matcher:
    """Saved queries, filed for fast matching: ``add``, ``remove``, ``match``.

    ``doc_freq`` (word -> number of posts holding it, out of ``doc_count``,
    e.g. counted over recent posts) lets the matcher file each query under its
    truly rarest words; without it, words used by many queries count as common.
    """

    def __init__(
        self, doc_freq: Mapping[str, int] | None = None, doc_count: int | None = None
    ) -> None:
        self._doc_freq = doc_freq
        self._doc_count = (
            doc_count if doc_count else (max(doc_freq.values(), default=0) + 1 if doc_freq else 0)
        )
        self._qfreq: Counter[str] = Counter()
        self._qtotal = 0
        # Only the text and the compiled predicate are kept per query (the AST
        # is rebuilt on demand for spans): 100,000 queries fit in little memory.
        self._texts: dict[str, str] = {}
        self._preds: dict[str, Pred] = {}
        self._keys: dict[str, tuple[str, ...]] = {}
        # One slot per key, so a post's key is looked up once: [ids matched
        # by holding the key, ids to evaluate, {other key: ids matched by
        # holding both}, {other key: ids to evaluate or to check the rest of}].
        self._slots: dict[str, list[Any]] = {}
        self._always: set[str] = set()
        self._prefix_lens: Counter[int] = Counter()
        self._meta: int = 0  # how many filed keys are metadata keys
        # Plain word queries (an AND of words or ORs of words) are kept as data:
        # selected by one clause, the rest is ``(words all needed, groups each
        # needing one)``; with no rest, being selected IS matching.
        self._rest: dict[str, tuple[frozenset[str], tuple[frozenset[str], ...]]] = {}
        # Queries filed under a pair of keys (the rarer one holds the slot), so
        # a post selects only queries of which it holds two required keys.
        self._pair_keys: dict[str, tuple[tuple[str, str, int], ...]] = {}
        self._excluded: dict[str, tuple[str, ...]] = {}
        self._guards: dict[str, tuple[Range, ...]] = {}

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, qid: object) -> bool:
        return qid in self._texts

    # -- filing ---------------------------------------------------------------

    def _p(self, key: str) -> float:
        """Estimated share of posts holding ``key``."""
        mark = key[0]
        if key[1:2] == ":" and mark in _P_META:
            return _P_META[mark]
        if mark == "*":
            return _P_WILDCARD
        df = self._doc_freq
        if df is not None:
            return (df.get(key.lstrip("#@"), 0) + 0.5) / (self._doc_count + 1)
        base = _P_TAG if mark in "#@" else _P_WORD
        # Words used by more queries than most (brand names) are likely common
        # in posts too; relative to the mean, so the scale of the set is moot.
        mean = self._qtotal / (len(self._qfreq) or 1)
        return min(0.9, base * ((1.0 + self._qfreq[key]) / (1.0 + mean)) ** 0.5)

    def _order(self, keys: Iterable[str]) -> list[str]:
        return sorted(keys, key=lambda k: (self._p(k), k))

    def _cost(self, group: frozenset[str]) -> float:
        best = self._order(group)[:2]
        return self._p(best[0]) * (self._p(best[1]) if len(best) > 1 else 1.0)

    def _alternatives(self, node: Node) -> list[Alt] | None:
        """Key sets, one of which a matching post holds in full (None: no key
        is required), each with whether holding it is enough to match."""
        if isinstance(node, Term):
            return [(frozenset((node.word,)), node.field == "any")]
        if isinstance(node, Wildcard):
            return [(frozenset(("*" + node.prefix,)), False)]
        if isinstance(node, Phrase | Near | Raw):
            words = frozenset(text_words(node))
            return [(words, False)] if words else None
        if isinstance(node, Tag):
            return [(frozenset((("#" if node.kind == "hashtag" else "@") + node.value,)), True)]
        if isinstance(node, Field) and node.name in _FIELD_MARKS:
            return [(frozenset((_FIELD_MARKS[node.name] + node.value,)), True)]
        if isinstance(node, Flag):
            return [(frozenset(("f:" + node.name,)), True)]
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
            branches: list[list[Alt]] = []
            exact = True  # every condition is said by keys
            for item in node.items:
                found = self._alternatives(item)
                if found is None:
                    exact = False
                elif len(found) == 1:
                    needed |= found[0][0]
                    exact = exact and found[0][1]
                else:
                    branches.append(found)
            options = [[(frozenset(needed), exact and not branches)]] if needed else []
            # An OR inside an AND: each of its branches plus the words always needed.
            alone = exact and len(branches) == 1
            options.extend([(k | needed, alone and sure) for k, sure in b] for b in branches)
            if not options:
                return None
            return min(options, key=lambda o: (sum(self._cost(k) for k, _ in o), len(o)))
        return None  # NOT, numbers, dates, other fields: select nothing

    def _groups(self, node: Node) -> dict[Group, bool] | None:
        """Groups of at most two keys, each with whether holding it is enough to match."""
        alts = self._alternatives(node)
        if alts is None:
            return None
        out: dict[Group, bool] = {}
        for keys, sure in alts:
            group = tuple(self._order(keys)[:2])
            out[group] = out.get(group, False) or (sure and len(keys) <= 2)
        return out

    @staticmethod
    def _split(node: Node) -> tuple[Node | None, tuple[str, ...], tuple[Range, ...]]:
        """A top-level AND as ``(the rest, keys it excludes, numeric ranges)``:
        ``lumio -promo likes:>10`` is ``lumio``, excluding posts holding
        ``promo`` and posts outside the range."""
        if isinstance(node, Range):
            return None, (), (node,)
        if not isinstance(node, And):
            return node, (), ()
        rest: list[Node] = []
        excluded: list[str] = []
        ranges: list[Range] = []
        for item in node.items:
            key = _exact_key(item.item) if isinstance(item, Not) else None
            if key is not None:
                excluded.append(key)
            elif isinstance(item, Range):
                ranges.append(item)
            else:
                rest.append(item)
        core = None if not rest else rest[0] if len(rest) == 1 else And(tuple(rest))
        return core, tuple(dict.fromkeys(excluded)), tuple(dict.fromkeys(ranges))

    def _range_fails(self, doc: Doc, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` with a numeric range ``doc`` is outside of."""
        post = doc.post
        values: dict[str, int | None] = {}
        out: set[str] = set()
        guards = self._guards
        for qid in ids:
            for r in guards[qid]:
                name = r.name
                if name in values:
                    v = values[name]
                else:
                    v = values[name] = _RANGE_VALUES[name](post)
                lo, hi = r.low, r.high
                if (
                    v is None
                    or (lo is not None and (v < lo if r.low_inclusive else v <= lo))
                    or (hi is not None and (v > hi if r.high_inclusive else v >= hi))
                ):
                    out.add(qid)
                    break
        return out

    def selection(self, query: Query) -> Selection:
        """The keys ``query`` would be filed under (without adding it)."""
        core = self._split(query.ast)[0]
        groups = None if core is None else self._groups(core)
        if groups is None:
            return Selection(frozenset(), True)
        return Selection(frozenset(g[0] for g in groups), False, tuple(groups))

    def _track(self, key: str, step: int) -> None:
        self._meta += step * _is_meta(key)
        if key[0] == "*":
            n = len(key) - 1
            self._prefix_lens[n] += step
            if not self._prefix_lens[n]:
                del self._prefix_lens[n]

    def _slot(self, key: str) -> list[Any]:
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = [None, None, None, None, None, None]
        return slot

    def _file_single(self, qid: str, key: str, sure: bool) -> None:
        slot, i = self._slot(key), _EXACT if sure else _VERIFY
        if slot[i] is None:
            slot[i] = set()
        slot[i].add(qid)
        self._track(key, 1)

    def _file_pair(self, qid: str, a: str, b: str, i: int) -> None:
        slot = self._slot(a)
        if slot[i] is None:
            slot[i] = {}
        slot[i].setdefault(b, []).append(qid)
        self._track(a, 1)
        self._track(b, 1)

    def _unfile(self, qid: str, key: str, i: int, other: str | None = None) -> None:
        slot = self._slots.get(key)
        if slot is None or slot[i] is None:
            return
        held = slot[i]
        if other is None:
            held.discard(qid)
            empty = not held
        else:
            ids = held[other]
            ids.remove(qid)
            if not ids:
                del held[other]
            empty = not held
        if empty:
            slot[i] = None
            if not any(slot):
                del self._slots[key]

    def add(self, qid: str, query: Query | str) -> None:
        """File ``query`` under ``qid`` (replacing any query of that id)."""
        if isinstance(query, str):
            query = _compile(query)
        if qid in self._texts:
            self.remove(qid)
        used = _words(query.ast)
        self._qfreq.update(used)
        self._qtotal += len(used)
        self._texts[qid] = query.text
        clauses = _cnf(query.ast)
        if clauses is not None and len(clauses) > 1:
            order = sorted(
                range(len(clauses)),
                key=lambda i: (sum(self._p(w) for w in clauses[i]), len(clauses[i])),
            )
            first, second = clauses[order[0]], clauses[order[1]]
            others = [clauses[i] for i in order[2:]]
            if others:  # holding the pair, the other clauses are checked as data
                needed = frozenset(w for c in others if len(c) == 1 for w in c)
                self._rest[qid] = (needed, tuple(c for c in others if len(c) > 1))
            kind = _REST_PAIRS if others else _SURE_PAIRS
            pairs = tuple((a, b, kind) for a in first for b in second)
            for a, b, _ in pairs:
                self._file_pair(qid, a, b, kind)
            self._pair_keys[qid] = pairs
            self._keys[qid] = ()
            return
        singles: dict[str, bool]
        if clauses is not None:
            singles = dict.fromkeys(clauses[0], True)
        else:
            core, excluded, ranges = self._split(query.ast)
            if ranges:
                # A post outside one of these ranges never matches: checked
                # before anything else, on the selected queries only.
                self._guards[qid] = ranges
            if excluded:
                # A post holding one of these keys never matches: dropped in bulk.
                self._excluded[qid] = excluded
                for key in excluded:
                    slot = self._slot(key)
                    if slot[_EXCLUDED] is None:
                        slot[_EXCLUDED] = set()
                    slot[_EXCLUDED].add(qid)
                    self._track(key, 1)
            groups = None if core is None else self._groups(core)
            if groups is None:
                self._preds[qid] = query._pred
                self._always.add(qid)
                self._keys[qid] = ()
                return
            if not all(groups.values()):
                self._preds[qid] = query._pred
            singles = {g[0]: sure for g, sure in groups.items() if len(g) == 1}
            pairs = tuple(
                (g[0], g[1], _SURE_PAIRS if sure else _PAIRS)
                for g, sure in groups.items()
                if len(g) == 2
            )
            for a, b, kind in pairs:
                self._file_pair(qid, a, b, kind)
            if pairs:
                self._pair_keys[qid] = pairs
        self._keys[qid] = tuple(singles)
        for key, sure in singles.items():
            self._file_single(qid, key, sure)

    def remove(self, qid: str) -> None:
        """Forget the query ``qid`` (no error when absent)."""
        text = self._texts.pop(qid, None)
        if text is None:
            return
        used = _words(_compile(text).ast)
        self._qfreq.subtract(used)
        self._qtotal -= len(used)
        self._guards.pop(qid, None)
        for key in self._excluded.pop(qid, ()):
            self._unfile(qid, key, _EXCLUDED)
            self._track(key, -1)
        self._preds.pop(qid, None)
        self._rest.pop(qid, None)
        for a, b, i in self._pair_keys.pop(qid, ()):
            self._unfile(qid, a, i, b)
            self._track(a, -1)
            self._track(b, -1)
        self._always.discard(qid)
        for key in self._keys.pop(qid, ()):
            self._unfile(qid, key, _EXACT)
            self._unfile(qid, key, _VERIFY)
            self._track(key, -1)

    def query(self, qid: str) -> Query:
        """The compiled query filed under ``qid`` (KeyError when absent)."""
        return _compile(self._texts[qid])

    @property
    def always(self) -> frozenset[str]:
        """Ids of the queries evaluated for every post."""
        return frozenset(self._always)

    # -- matching -------------------------------------------------------------

    def _doc_keys(self, doc: Doc) -> set[str]:
        """The keys ``doc`` holds: its words, and prefixes and metadata keys
        when some query is filed under one."""
        if not self._prefix_lens and not self._meta:
            return doc.all
        keys = set(doc.all)
        for n in self._prefix_lens:
            keys.update(["*" + word[:n] for word in doc.all if len(word) >= n])
        if self._meta:
            keys.update(_meta_keys(doc))
        return keys

    def _hits(self, doc: Doc, keys: set[str], check: bool = True) -> tuple[set[str], set[str]]:
        """``(ids matched, ids to evaluate)`` for a post holding ``keys``;
        without ``check`` every selected plain-word query counts as matched."""
        found: set[str] = set()
        dropped: set[str] = set()
        verify = set(self._always)
        words = doc.all
        rest, slots = self._rest, self._slots
        for key in slots.keys() & keys:
            slot = slots[key]
            exact, evaluate, sure, pairs, checked, excluded = slot
            if excluded and check:
                dropped |= excluded
            if exact:
                found |= exact
            if evaluate:
                verify |= evaluate
            if sure:
                for other in sure.keys() & keys:
                    found.update(sure[other])
            if pairs:
                for other in pairs.keys() & keys:
                    verify.update(pairs[other])
            if not checked:
                continue
            for other in checked.keys() & keys:
                for qid in checked[other]:
                    r = rest[qid]
                    if not check:
                        found.add(qid)
                    elif r[0] <= words:
                        for group in r[1]:
                            if group.isdisjoint(words):
                                break
                        else:
                            found.add(qid)
        if self._guards and check:
            guarded = self._guards.keys()
            dropped |= self._range_fails(doc, (guarded & found) | (guarded & verify))
        if dropped:
            found -= dropped
            verify -= dropped
        return found, verify

    def candidates(self, doc: Doc) -> set[str]:
        """Ids of the queries that could match ``doc`` (a superset of the matches)."""
        found, verify = self._hits(doc, self._doc_keys(doc), check=False)
        return found | verify

    def match_ids(self, post: Post | Doc) -> list[str]:
        """Ids of the queries ``post`` matches, in no particular order."""
        doc = post if isinstance(post, Doc) else Doc(post)
        found, verify = self._hits(doc, self._doc_keys(doc))
        if verify:
            if found:
                verify -= found
            preds = self._preds
            found.update(qid for qid in verify if preds[qid](doc))
        return list(found)

    def match(self, post: Post | Doc) -> dict[str, list[Span]]:
        """``{query id: matched spans}`` for every query ``post`` matches."""
        doc = post if isinstance(post, Doc) else Doc(post)
        return {qid: self.query(qid).spans(doc) for qid in self.match_ids(doc)}

    def match_many(self, posts: Iterable[Post]) -> Iterable[tuple[Post, list[str]]]:
        for post in posts:
            yield post, self.match_ids(post)


def _clause(node: Node) -> frozenset[str] | None:
    if isinstance(node, Term) and node.field == "any":
        return frozenset((node.word,))
    if isinstance(node, Or) and all(isinstance(i, Term) and i.field == "any" for i in node.items):
        return frozenset(i.word for i in node.items)  # type: ignore[union-attr]
    return None


def _cnf(node: Node) -> list[frozenset[str]] | None:
    """``node`` as AND-ed clauses of OR-ed plain words, or None."""
    single = _clause(node)
    if single is not None:
        return [single]
    if isinstance(node, And):
        clauses = [_clause(i) for i in node.items]
        if all(c is not None for c in clauses):
            return clauses  # type: ignore[return-value]
    return None


@lru_cache(maxsize=2048)
def _compile(text: str) -> Query:
    from veille.query import compile_query

    return compile_query(text)


def _exact_key(node: Node) -> str | None:
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


def _is_meta(key: str) -> int:
    return 1 if key[0] in "#@" or key[1:2] == ":" else 0


def _meta_keys(doc: Doc) -> list[str]:
    p = doc.post
    keys = ["#" + t for t in doc.tags("hashtag")]
    keys.extend("@" + m for m in doc.tags("mention"))
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


def _words(node: Node) -> list[str]:
    from veille.query.ast import text_words, walk

    out: list[str] = []
    for n in walk(node):
        out.extend(text_words(n))
        if isinstance(n, Wildcard):
            out.append("*" + n.prefix)
        elif isinstance(n, Tag):
            out.append(("#" if n.kind == "hashtag" else "@") + n.value)
    return out
