"""Percolation: many saved queries against each new post.

Like Lucene Monitor, the :class:`Matcher` indexes the queries themselves, then
counts, for each post, which of their conditions the post's keys satisfy.
How a query becomes clauses over keys, excluded keys, numeric ranges and
branches is :mod:`veille.query.filing`.

Every branch of a query owns a *slot* of eight bytes: one per clause or
numeric range (planes it does not use are preset to 1) and one for its
exclusions (preset to 1). A key's postings are the bytes it sets
(``slot * 8 + plane``) or clears (exclusions). For a post, the postings of its
keys are scattered into the bytes with NumPy and the numeric ranges of every
query are compared at once (:mod:`veille.query.ranges`); a slot matches when
its eight bytes are all 1, read as one 64-bit word. A post that touches few
postings reads only the slots of the first clauses it holds; one that touches
many compares every slot at once, so the cost follows the work the post
brings, not the number of queries. A slot whose keys do not say the whole
query (phrases, ``NEAR``...) is a candidate, evaluated exactly by the
in-memory engine's closures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

import numpy as np

from veille.models import Post
from veille.query.evaluate import Doc, Pred, Query, Span
from veille.query.filing import MAX_CLAUSES, Branch, Filer, Selection, is_meta, meta_keys
from veille.query.ranges import RangeIndex

__all__ = ["Branch", "Matcher", "Selection"]

PLANES = MAX_CLAUSES + 1  # bytes per slot: the clauses and ranges, then the exclusions
_EXCLUDED = PLANES - 1
_ALL_SET = np.uint64(int.from_bytes(b"\x01" * PLANES, "little"))
_PLANE_BITS = PLANES.bit_length() - 1
_PLANE_MASK = PLANES - 1
# A post touching fewer postings than slots / _SPARSE reads only the slots it
# touched; more, and every slot is compared at once.
_SPARSE = 8
# Reset the bytes by a copy when the post set more than slots / _COPY of them.
_COPY = 4
_NO_SLOTS = np.empty(0, dtype=np.intp)
_PREFIX_CACHE = 200_000  # words whose prefix keys are remembered


@dataclass(frozen=True, slots=True)
class _Filed:
    slots: tuple[int, ...]  # one per branch of the selection
    selection: Selection


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
        self._filer = Filer(doc_freq, doc_count)
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
        self._ranges = RangeIndex()
        self._prefixes: Counter[str] = Counter()  # wildcard prefix keys filed
        self._prefix_of: dict[str, tuple[str, ...]] = {}  # word -> its filed prefix keys
        self._meta = 0  # how many postings are on metadata keys
        self._multi = 0  # how many queries have several branches

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, qid: object) -> bool:
        return qid in self._texts

    def selection(self, query: Query) -> Selection:
        """How ``query`` would be filed (without adding it)."""
        return self._filer.plan(query)

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
        self._meta += step * is_meta(key)
        if key[0] == "*":
            self._prefixes[key] += step
            if not self._prefixes[key]:
                del self._prefixes[key]
            self._prefix_of.clear()

    def _lay_out(self, slot: int, branch: Branch, sel: Selection, step: int) -> int:
        """Post (``step`` 1) or take back (-1) the bytes of ``branch`` in
        ``slot``: its clauses, then as many of the query's numeric ranges as
        fit (one plane each), then its exclusions. Returns the planes used."""
        first = slot * PLANES
        for plane, clause in enumerate(branch.clauses):
            for key in clause:
                self._post(self._sets, key, first + plane, step)
        taken = len(branch.clauses)
        placed = sel.ranges[: MAX_CLAUSES - taken]
        for plane, r in enumerate(placed, start=taken):
            if step > 0:
                self._ranges.add(first + plane, r)
            else:
                self._ranges.remove(first + plane)
        for key in sel.excluded:
            self._post(self._clears, key, first + _EXCLUDED, step)
        return taken + len(placed)

    def _preset(self, slot: int, used: int) -> None:
        """The bytes ``slot`` holds before a post comes: 0 for its ``used``
        planes, 1 for the others (0 everywhere for a free slot)."""
        first = slot * PLANES
        preset = np.zeros(PLANES, dtype=np.uint8)
        if used:
            preset[used:] = 1
        self._base[first : first + PLANES] = preset
        self._bytes[first : first + PLANES] = preset

    def add(self, qid: Hashable, query: Query | str) -> None:
        """File ``query`` under ``qid`` (replacing any query of that id)."""
        if isinstance(query, str):
            query = _compile(query)
        if qid in self._texts:
            self.remove(qid)
        self._filer.count(query, 1)
        self._texts[qid] = query.text
        sel = self._filer.plan(query)
        if sel.always:
            self._always[qid] = query._pred
            return
        slots = []
        for branch in sel.branches:
            slot = self._take_slot()
            slots.append(slot)
            used = self._lay_out(slot, branch, sel, 1)
            self._preset(slot, used)
            self._ids[slot] = qid
            exact = branch.exact and used == len(branch.clauses) + len(sel.ranges)
            self._needs_check[slot] = not exact
            if not exact:
                self._checks[slot] = query._pred
        self._multi += len(slots) > 1
        self._filed[qid] = _Filed(tuple(slots), sel)

    def remove(self, qid: Hashable) -> None:
        """Forget the query ``qid`` (no error when absent)."""
        text = self._texts.pop(qid, None)
        if text is None:
            return
        self._filer.count(_compile(text), -1)
        if self._always.pop(qid, None) is not None:
            return
        filed = self._filed.pop(qid)
        for slot, branch in zip(filed.slots, filed.selection.branches, strict=True):
            self._lay_out(slot, branch, filed.selection, -1)
            self._preset(slot, 0)  # a free slot never matches
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
            keys.update(meta_keys(doc))
        return keys

    def _write(
        self, on: np.ndarray, inside: np.ndarray | None, off: np.ndarray | None, value: int
    ) -> None:
        """Set the clause and range bytes of a post to ``value`` and its
        exclusion bytes to the other value."""
        data = self._bytes
        data[on] = value
        if inside is not None:
            data[inside] = value
        if off is not None:
            data[off] = 1 - value

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
        inside = self._ranges.inside(post) if self._ranges else None
        off = self._clear_lists.gather(keys) if exclusions else None
        high = self._high
        try:
            self._write(on, inside, off, 1)
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
            # Back to the preset bytes (copying them all is cheaper than a
            # scatter of many postings).
            if on.size * _COPY > high:
                self._bytes[: high * PLANES] = self._base[: high * PLANES]
            else:
                self._write(on, inside, off, 0)
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


@lru_cache(maxsize=2048)
def _compile(text: str) -> Query:
    from veille.query import compile_query

    return compile_query(text)
