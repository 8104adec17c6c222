"""Percolation: many saved queries against each new post.

Like Lucene Monitor, the :class:`Matcher` indexes the queries themselves, then
counts, for each post, which of their conditions the post's keys satisfy.

Filing. Each query becomes up to seven **clauses** over keys (a post must hold
one key of every clause), **excluded keys** (a post holding one never
matches) and, when those do not say the whole query, a check run on the
queries that pass them:

- ``lumio (panne OR outage) -promo lang:fr`` is the clauses ``{lumio}``,
  ``{panne, outage}``, ``{l:fr}`` and the excluded key ``promo``: holding the
  keys *is* matching, nothing is evaluated;
- a phrase, ``NEAR`` or a field-restricted word needs its words (one clause
  each) and is then evaluated exactly by the in-memory engine's closures;
- a numeric range (``likes:>10``) is checked on the queries that pass;
- a query with no clause at all (``-spam``, ``likes:>100``) is evaluated for
  every post: ``veille query explain`` reports it as costly.

Matching. Every query owns a *slot* of eight bytes: one per clause plane
(planes it does not use are preset to 1) and one for its exclusions (preset to
1). A key's postings are the bytes it sets (``slot * 8 + plane``) or clears
(exclusions). For a post, the postings of its keys are scattered into the
bytes with NumPy; a query matches when its eight bytes are all 1, read as one
64-bit word. A post that touches few postings reads only the slots it
touched; one that touches many compares every slot at once, so the cost
follows the work the post brings, not the number of queries.

Keys are strings: a folded word (``lumio``); ``*pre`` for a wildcard's prefix;
``#tag`` and ``@user`` for hashtags and mentions; ``a:handle``, ``p:platform``,
``l:lang``, ``s:sentiment`` and ``f:reply``/``f:repost``/``f:link``/``f:media``
for metadata. None of the markers can occur inside a word.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np

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
# groups, so any word is preferred to them.
_P_META = {"a": 0.05, "p": 0.3, "l": 0.5, "s": 0.4, "f": 0.4}
_P_TAG = 0.03
_P_WILDCARD = 0.1
_P_WORD = 0.02
_FIELD_MARKS = {"author": "a:", "platform": "p:", "lang": "l:", "sentiment": "s:"}

PLANES = 8  # bytes per slot
MAX_CLAUSES = PLANES - 1  # the last byte holds the exclusions
_EXCLUDED = PLANES - 1
_ALL_SET = np.uint64(int.from_bytes(b"\x01" * PLANES, "little"))
# An OR of at most this many clauses once distributed ((a b) OR c is
# (a OR c) AND (b OR c)) keeps every clause; a larger one keeps one key per branch.
_MAX_DISTRIBUTED = 4
# An OR with fewer branches than this, some of which need evaluation, is
# filed once per branch, so a post holding a branch that needs none matches
# without evaluation.
_MAX_BRANCHES = 8
# A post touching fewer postings than slots / _SPARSE reads only the slots it
# touched; more, and every slot is compared at once.
_SPARSE = 8
_NO_SLOTS = np.empty(0, dtype=np.intp)
# Reset the bytes by a copy when the post set more than slots / _COPY of them.
_COPY = 4
_PLANE_BITS = PLANES.bit_length() - 1
_PLANE_MASK = PLANES - 1
_PREFIX_CACHE = 200_000  # words whose prefix keys are remembered

Alt = tuple[frozenset[str], bool]  # keys a post must all hold; whether that is enough


@dataclass(frozen=True, slots=True)
class Branch:
    """One way of matching a query: a post must hold a key of every clause
    (the rarest first); ``exact`` when holding them (and being inside the
    query's numeric ranges) is matching, without evaluation."""

    clauses: tuple[frozenset[str], ...]
    exact: bool


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
        """Holding the keys is matching, whichever branch they satisfy."""
        return bool(self.branches) and all(b.exact for b in self.branches)

    @property
    def keys(self) -> frozenset[str]:
        """A post holds one of these keys or is not a candidate (the rarest
        clause of each branch)."""
        return frozenset(k for b in self.branches for k in b.clauses[0])


@dataclass(frozen=True, slots=True)
class _Filed:
    slots: tuple[int, ...]
    excluded: tuple[str, ...]
    postings: tuple[tuple[str, int], ...]  # (key, byte it sets)
    range_bytes: tuple[int, ...] = ()


class Matcher:
    """Saved queries, filed for fast matching: ``add``, ``remove``, ``match``.

    ``doc_freq`` (word -> number of posts holding it, out of ``doc_count``,
    e.g. counted over recent posts) lets the matcher order clauses by their
    true rarity; without it, words used by many queries count as common.
    Query ids are any hashable values. Matching writes into one buffer of
    the matcher: a matcher serves one thread at a time.
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
        # Only the text is kept per query (the AST is rebuilt on demand for
        # spans): 100,000 queries fit in little memory.
        self._texts: dict[Hashable, str] = {}
        self._filed: dict[Hashable, _Filed] = {}
        self._always: dict[Hashable, Pred] = {}
        # Slots: the id, the preset bytes, the bytes of the current post, and
        # the predicate of the slots whose keys do not say the whole query.
        self._cap = 0
        self._high = 0  # slots ever used
        self._free: list[int] = []
        self._ids = np.empty(0, dtype=object)
        self._base = np.zeros(0, dtype=np.uint8)
        self._bytes = np.zeros(0, dtype=np.uint8)
        self._words = np.zeros(0, dtype=np.uint64)
        self._needs_check = np.zeros(0, dtype=bool)
        self._checks: dict[int, Pred] = {}
        # Postings per key (insertion-ordered sets of byte indices), and the
        # same packed for matching, rebuilt lazily for the keys that changed.
        self._sets: dict[str, dict[int, None]] = {}
        self._clears: dict[str, dict[int, None]] = {}
        self._set_lists = _Postings()
        self._clear_lists = _Postings()
        self._dirty: set[str] = set()
        # Numeric ranges: byte -> (field, lowest, highest value inside), and
        # per field the arrays compared against each post (None: to rebuild).
        self._range_entries: dict[int, tuple[str, int, int]] = {}
        self._range_arrays: dict[str, tuple[np.ndarray, ...]] | None = None
        self._prefixes: Counter[str] = Counter()  # wildcard prefix keys filed
        self._prefix_of: dict[str, tuple[str, ...]] = {}  # word -> its filed prefix keys
        self._meta = 0  # how many postings are on metadata keys
        self._multi = 0  # how many queries have several branches

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, qid: object) -> bool:
        return qid in self._texts

    # -- planning -------------------------------------------------------------

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

    def _rarest(self, keys: Iterable[str]) -> str:
        return min(keys, key=lambda k: (self._p(k), k))

    def _clause_p(self, clause: frozenset[str]) -> tuple[float, int, tuple[str, ...]]:
        return (min(1.0, sum(self._p(k) for k in clause)), len(clause), tuple(sorted(clause)))

    def _alternatives(self, node: Node) -> list[Alt] | None:
        """Key sets, one of which a matching post holds in full (None: no key
        is required), each with whether holding it is enough to match."""
        if isinstance(node, Term):
            return [(frozenset((node.word,)), node.field == "any")]
        if isinstance(node, Wildcard):
            # ``pre*`` in any field is exactly "holds a word starting with pre".
            sure = node.field == "any" and node.pattern == node.prefix + "*"
            return [(frozenset(("*" + node.prefix,)), sure)]
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
            return min(
                options,
                key=lambda o: (sum(self._p(self._rarest(k)) for k, _ in o), len(o)),
            )
        return None  # NOT, numbers, dates, other fields: no key

    def _clauses(self, alts: list[Alt]) -> tuple[list[frozenset[str]], bool]:
        """Alternatives as clauses of keys (all needed), with whether they say all of it."""
        if len(alts) == 1:
            keys, sure = alts[0]
            return [frozenset((k,)) for k in keys], sure
        sure = all(s for _, s in alts)
        if all(len(k) == 1 for k, _ in alts):
            return [frozenset(k for keys, _ in alts for k in keys)], sure
        if _distributed(alts) <= _MAX_DISTRIBUTED:
            # (a b) OR c is (a OR c) AND (b OR c): exact when every branch is.
            product = itertools.product(*(sorted(k) for k, _ in alts))
            return [frozenset(choice) for choice in product], sure
        return [frozenset(self._rarest(k) for k, _ in alts)], False

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
            key = _exact_key(item.item) if isinstance(item, Not) else None
            if key is not None:
                excluded.append(key)
            elif isinstance(item, Range):
                ranges.append(item)
            else:
                rest.append(item)
        return rest, tuple(dict.fromkeys(excluded)), tuple(dict.fromkeys(ranges))

    def _branch(self, clauses: Iterable[frozenset[str]], exact: bool) -> Branch:
        found = list(dict.fromkeys(clauses))
        # A clause holding another one is implied by it.
        kept = [c for c in found if not any(o < c for o in found)]
        kept.sort(key=self._clause_p)
        if len(kept) > MAX_CLAUSES:
            kept, exact = kept[:MAX_CLAUSES], False
        return Branch(tuple(kept), exact)

    def _plan(self, query: Query) -> tuple[Selection, tuple[Range, ...]]:
        rest, excluded, ranges = self._split(query.ast)
        common: list[frozenset[str]] = []
        exact = True
        split: list[Alt] | None = None  # the OR whose branches become branches
        for item in rest:
            alts = self._alternatives(item)
            if alts is None:
                exact = False
                continue
            if (
                split is None
                and 1 < len(alts) <= _MAX_BRANCHES
                and not all(len(k) == 1 and sure for k, sure in alts)
                and not (all(sure for _, sure in alts) and _distributed(alts) <= _MAX_DISTRIBUTED)
            ):
                # ``"a b" OR c``: holding c is matching, holding a and b is a
                # candidate: one branch each rather than one inexact clause.
                split = alts
                continue
            clauses, sure = self._clauses(alts)
            common.extend(clauses)
            exact = exact and sure
        if split is None:
            branches = [self._branch(common, exact)] if common else []
        else:
            branches = [
                self._branch([*common, *(frozenset((k,)) for k in keys)], exact and sure)
                for keys, sure in split
            ]
        return Selection(tuple(b for b in branches if b.clauses), excluded, ranges), ranges

    def selection(self, query: Query) -> Selection:
        """How ``query`` would be filed (without adding it)."""
        return self._plan(query)[0]

    # -- filing ---------------------------------------------------------------

    def _grow(self) -> None:
        cap = max(64, self._cap * 2)
        ids = np.empty(cap, dtype=object)
        ids[: self._cap] = self._ids
        base = np.zeros(cap * PLANES, dtype=np.uint8)
        base[: self._base.size] = self._base
        check = np.zeros(cap, dtype=bool)
        check[: self._cap] = self._needs_check
        self._ids, self._base, self._needs_check, self._cap = ids, base, check, cap
        self._bytes = base.copy()
        self._words = self._bytes.view(np.uint64)

    def _take_slot(self) -> int:
        if self._free:
            return self._free.pop()
        if self._high == self._cap:
            self._grow()
        self._high += 1
        return self._high - 1

    def _post(self, table: dict[str, dict[int, None]], key: str, byte: int, step: int) -> None:
        if step > 0:
            table.setdefault(key, {})[byte] = None
        else:
            held = table[key]
            del held[byte]
            if not held:
                del table[key]
        self._dirty.add(key)
        self._meta += step * _is_meta(key)
        if key[0] == "*":
            self._prefixes[key] += step
            if not self._prefixes[key]:
                del self._prefixes[key]
            self._prefix_of.clear()

    def add(self, qid: Hashable, query: Query | str) -> None:
        """File ``query`` under ``qid`` (replacing any query of that id)."""
        if isinstance(query, str):
            query = _compile(query)
        if qid in self._texts:
            self.remove(qid)
        used = _words(query.ast)
        self._qfreq.update(used)
        self._qtotal += len(used)
        self._texts[qid] = query.text
        sel, ranges = self._plan(query)
        if sel.always:
            self._always[qid] = query._pred
            return
        slots: list[int] = []
        postings: list[tuple[str, int]] = []
        range_bytes: list[int] = []
        for branch in sel.branches:
            slot = self._take_slot()
            slots.append(slot)
            first = slot * PLANES
            for plane, clause in enumerate(branch.clauses):
                postings.extend((key, first + plane) for key in clause)
            # Each numeric range takes a plane of its own after the clauses.
            taken = len(branch.clauses)
            placed = ranges[: MAX_CLAUSES - taken]
            for plane, r in enumerate(placed, start=taken):
                self._range_entries[first + plane] = _bounds(r)
                range_bytes.append(first + plane)
            if placed:
                self._range_arrays = None
            for key in sel.excluded:
                self._post(self._clears, key, first + _EXCLUDED, 1)
            preset = np.ones(PLANES, dtype=np.uint8)
            preset[: taken + len(placed)] = 0
            self._base[first : first + PLANES] = preset
            self._bytes[first : first + PLANES] = preset
            self._ids[slot] = qid
            if branch.exact and len(placed) == len(ranges):
                self._needs_check[slot] = False
            else:
                self._checks[slot] = query._pred
                self._needs_check[slot] = True
        for key, byte in postings:
            self._post(self._sets, key, byte, 1)
        self._multi += len(slots) > 1
        self._filed[qid] = _Filed(tuple(slots), sel.excluded, tuple(postings), tuple(range_bytes))

    def remove(self, qid: Hashable) -> None:
        """Forget the query ``qid`` (no error when absent)."""
        text = self._texts.pop(qid, None)
        if text is None:
            return
        used = _words(_compile(text).ast)
        self._qfreq.subtract(used)
        self._qtotal -= len(used)
        if self._always.pop(qid, None) is not None:
            return
        filed = self._filed.pop(qid)
        for key, byte in filed.postings:
            self._post(self._sets, key, byte, -1)
        if filed.range_bytes:
            for byte in filed.range_bytes:
                del self._range_entries[byte]
            self._range_arrays = None
        for slot in filed.slots:
            first = slot * PLANES
            for key in filed.excluded:
                self._post(self._clears, key, first + _EXCLUDED, -1)
            self._base[first : first + PLANES] = 0  # a free slot never matches
            self._bytes[first : first + PLANES] = 0
            self._ids[slot] = None
            self._checks.pop(slot, None)
            self._needs_check[slot] = False
            self._free.append(slot)
        self._multi -= len(filed.slots) > 1

    def query(self, qid: Hashable) -> Query:
        """The compiled query filed under ``qid`` (KeyError when absent)."""
        return _compile(self._texts[qid])

    @property
    def always(self) -> frozenset[Hashable]:
        """Ids of the queries evaluated for every post."""
        return frozenset(self._always)

    # -- matching -------------------------------------------------------------

    def build(self) -> None:
        """Prepare the postings of the queries added or removed since the last
        match (the next match does it otherwise): call it after a bulk load."""
        self._refresh()

    def _refresh(self) -> None:
        for key in self._dirty:
            self._set_lists.refresh(key, self._sets.get(key))
            self._clear_lists.refresh(key, self._clears.get(key))
        self._dirty.clear()

    def _doc_keys(self, doc: Doc) -> set[str]:
        """The keys ``doc`` holds: its words, and prefixes and metadata keys
        when some query is filed under one."""
        prefixes = self._prefixes
        if not prefixes and not self._meta:
            return doc.all
        words = doc.all
        keys = set(words)
        if prefixes:
            known = self._prefix_of
            missing = words.difference(known)
            if missing:
                if len(known) > _PREFIX_CACHE:
                    known.clear()
                    missing = words
                lens = {len(k) - 1 for k in prefixes}
                for word in missing:
                    known[word] = tuple(
                        k for n in lens if len(word) >= n and (k := "*" + word[:n]) in prefixes
                    )
            keys.update(*map(known.__getitem__, words))
        if self._meta:
            keys.update(_meta_keys(doc))
        return keys

    def _in_ranges(self, post: Post) -> np.ndarray | None:
        """The range bytes ``post`` sets (its numbers inside the ranges)."""
        arrays = self._range_arrays
        if arrays is None:
            arrays = self._range_arrays = _range_arrays(self._range_entries)
        parts = []
        for name, (floors, floor_bytes, lo, hi, where) in arrays.items():
            value = _RANGE_VALUES[name](post)
            if value is None:
                continue
            value = min(max(value, _LOWEST), _HIGHEST)
            # Ranges with no upper bound, sorted by their lowest value: the
            # post is inside the first n of them.
            n = int(np.searchsorted(floors, value, side="right"))
            if n:
                parts.append(floor_bytes[:n])
            if where.size:
                parts.append(where[(lo <= value) & (hi >= value)])
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _slots(
        self, keys: set[str], post: Post, exclusions: bool = True
    ) -> tuple[np.ndarray, bool]:
        """Slots of the queries whose clauses ``keys`` satisfy (and whose
        excluded keys they miss, with ``exclusions``), and whether each comes
        once (else a slot may come twice)."""
        if self._dirty:
            self._refresh()
        on = self._set_lists.gather(keys)
        if on is None:
            return _NO_SLOTS, True
        # Everything that reads the post first: the bytes are only written
        # below, and always put back (a post that raises leaves them clean).
        inside = self._in_ranges(post) if self._range_entries else None
        off = self._clear_lists.gather(keys) if exclusions else None
        data, high = self._bytes, self._high
        try:
            data[on] = 1
            if inside is not None:
                data[inside] = 1
            if off is not None:
                data[off] = 0
            if on.size * _SPARSE < high:
                # Few postings: read only the slots whose first clause they
                # hold (a slot whose first clause the post holds twice comes twice).
                first = on[(on & _PLANE_MASK) == 0] >> _PLANE_BITS
                hits = first[self._words[first] == _ALL_SET]
                once = hits.size < 2
            else:
                hits = np.flatnonzero(self._words[:high] == _ALL_SET)
                once = True
        finally:
            # Back to the preset bytes: clause bytes are preset to 0, exclusions
            # to 1 (copying them all is cheaper than a scatter of many postings).
            if on.size * _COPY > high:
                data[: high * PLANES] = self._base[: high * PLANES]
            else:
                data[on] = 0
                if inside is not None:
                    data[inside] = 0
                if off is not None:
                    data[off] = 1
        return hits, once

    def candidates(self, doc: Doc) -> set[Hashable]:
        """Ids of the queries that could match ``doc`` (a superset of the matches)."""
        hits = self._slots(self._doc_keys(doc), doc.post, exclusions=False)[0]
        found = set(self._ids[hits].tolist())
        return found | set(self._always)

    def match_ids(self, post: Post | Doc) -> list[Any]:
        """Ids of the queries ``post`` matches, in no particular order."""
        doc = post if isinstance(post, Doc) else Doc(post)
        hits, once = self._slots(self._doc_keys(doc), doc.post)
        ids = self._ids
        if not self._checks:
            out = ids[hits].tolist()
        else:
            check = self._needs_check[hits]
            out = ids[hits[~check]].tolist()
            checks = self._checks
            out.extend(ids[s] for s in hits[check].tolist() if checks[s](doc))
        if (self._multi or not once) and len(out) > 1:
            # A query of several branches, or a slot read twice, comes once.
            out = list(dict.fromkeys(out))
        if self._always:
            out.extend(qid for qid, pred in self._always.items() if pred(doc))
        return out

    def match(self, post: Post | Doc) -> dict[Any, list[Span]]:
        """``{query id: matched spans}`` for every query ``post`` matches."""
        doc = post if isinstance(post, Doc) else Doc(post)
        return {qid: self.query(qid).spans(doc) for qid in self.match_ids(doc)}

    def match_many(self, posts: Iterable[Post]) -> Iterable[tuple[Post, list[Any]]]:
        for post in posts:
            yield post, self.match_ids(post)


class _Postings:
    """Byte indices per key, kept as the bytes of an index array: a post's
    postings are put end to end by ``bytes.join`` (one copy in C, whether it
    holds many short lists or a few long ones) and read back as one array."""

    __slots__ = ("packed",)

    def __init__(self) -> None:
        self.packed: dict[str, bytes] = {}

    def refresh(self, key: str, held: dict[int, None] | None) -> None:
        if held:
            self.packed[key] = np.fromiter(held, dtype=np.intp, count=len(held)).tobytes()
        else:
            self.packed.pop(key, None)

    def gather(self, keys: set[str]) -> np.ndarray | None:
        """The postings of ``keys`` end to end (None when there is none)."""
        packed = self.packed
        common = keys & packed.keys()
        if not common:
            return None
        if len(common) == 1:
            joined = packed[next(iter(common))]
        else:
            joined = b"".join(itemgetter(*common)(packed))
        return np.frombuffer(joined, dtype=np.intp)


_LOWEST, _HIGHEST = -(2**62), 2**62
_RANGE_VALUES: dict[str, Callable[[Post], int | None]] = {
    "followers": attrgetter("author.followers"),
    "likes": attrgetter("engagement.likes"),
    "shares": attrgetter("engagement.shares"),
    "replies": attrgetter("engagement.replies"),
    "published": lambda p: int(p.published_at.timestamp()),
}


def _bounds(r: Range) -> tuple[str, int, int]:
    """``r`` as its field and the lowest and highest values inside it."""
    lo = _LOWEST if r.low is None else r.low + (0 if r.low_inclusive else 1)
    hi = _HIGHEST if r.high is None else r.high - (0 if r.high_inclusive else 1)
    return r.name, max(lo, _LOWEST), min(hi, _HIGHEST)


def _range_arrays(
    entries: Mapping[int, tuple[str, int, int]],
) -> dict[str, tuple[np.ndarray, ...]]:
    """Per field: the ranges with no upper bound as their lowest values
    (sorted) and bytes, and the other ranges as lowest and highest values and
    bytes."""
    by_name: dict[str, list[tuple[int, int, int]]] = {}
    for byte, (name, lo, hi) in entries.items():
        by_name.setdefault(name, []).append((lo, hi, byte))
    out: dict[str, tuple[np.ndarray, ...]] = {}
    for name, rows in by_name.items():
        open_ended = sorted((lo, byte) for lo, hi, byte in rows if hi == _HIGHEST)
        bounded = [row for row in rows if row[1] != _HIGHEST]
        floors = np.array([lo for lo, _ in open_ended], dtype=np.int64)
        floor_bytes = np.array([byte for _, byte in open_ended], dtype=np.intp)
        table = np.array(bounded, dtype=np.int64).reshape(-1, 3)
        out[name] = (floors, floor_bytes, table[:, 0].copy(), table[:, 1].copy(),
                     table[:, 2].astype(np.intp))  # fmt: skip
    return out


def _distributed(alts: list[Alt]) -> int:
    """How many clauses an OR of these alternatives makes once distributed."""
    return math.prod(len(k) for k, _ in alts)


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
    from veille.query.ast import walk

    out: list[str] = []
    for n in walk(node):
        out.extend(text_words(n))
        if isinstance(n, Wildcard):
            out.append("*" + n.prefix)
        elif isinstance(n, Tag):
            out.append(("#" if n.kind == "hashtag" else "@") + n.value)
    return out
