"""Percolation: many saved queries against each new post.

Like Lucene Monitor, the :class:`Matcher` indexes the queries themselves, then
counts, for each post, which of their conditions the post's keys satisfy.
How a query becomes clauses over keys, excluded keys, numeric ranges and
branches is :mod:`veille.query.filing`.

Every branch of a query owns a *slot* of one byte: a bit per clause or
numeric range (planes it does not use are preset to 1) and one for its
exclusions (preset to 1). A key's postings are the bits it sets
(``slot * 8 + plane``) or clears (exclusions). For a post, the C core
(:mod:`veille.query.kernel`) finds the post's keys in its text, sets
their bits (a key common among the queries ORs a whole row), clears the
exclusion bits and reads the slots whose byte is all ones; the numeric ranges
of every query are compared at once in NumPy (:mod:`veille.query.ranges`). A
post that touches few postings reads only the slots of the first clauses it
holds; one that touches many reads every slot, eight at a time, so the cost
follows the work the post brings, not the number of queries. A slot whose
branch has positional conditions (phrases, ``NEAR``, words in one field) is
matched once the core finds them in the post's word positions; a slot whose
keys and positions do not say the whole query (case-exact text, ``?``
wildcards...) is a candidate, evaluated exactly by the in-memory engine's
closures.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from veille.models import Post
from veille.query.evaluate import Doc, Pred, Query, Span
from veille.query.filing import MAX_CLAUSES, Branch, Filer, Selection, is_meta, meta_keys
from veille.query.kernel import Kernel, Keys, Programs, pooled, post_text, program
from veille.query.ranges import RangeIndex

__all__ = ["Branch", "Matcher", "Selection"]

PLANES = MAX_CLAUSES + 1  # bits per slot: the clauses and ranges, then the exclusions
_EXCLUDED = PLANES - 1
assert PLANES == 8, "a slot is one byte"
# A post setting fewer bytes than slots / _SPARSE reads only the slots it
# touched; more, and every slot is compared at once.
_SPARSE = 8
# What a slot's query needs once its keys are held: nothing, a check of word
# positions by the compiled core, or an evaluation by the in-memory engine.
_EXACT, _POSITIONS, _EVALUATE = 0, 1, 2
# Also set in that byte for every slot of a query of several branches: the
# core lists such a query once, at the first of its slots that holds
# (``_owner``: slot -> its query's first slot).
_SHARED = 4
# Put the bytes back by a copy when the post set more bytes than slots / _COPY
# (a copy of every slot is cheaper than undoing that many writes).
_COPY = 64
_NO_META: list[int] = []  # what the core reads when no query uses metadata keys (never written)


@dataclass(frozen=True, slots=True)
class _Filed:
    slots: array[int]  # one per branch of the selection (no int object each)
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
        self._ids: list[Hashable | None] = []  # per slot
        self._base = np.zeros(0, dtype=np.uint8)
        self._bytes = np.zeros(0, dtype=np.uint8)
        self._needs_check = np.zeros(0, dtype=np.uint8)
        # The first slot of the slot's query (itself for a one-branch query):
        # the core lists a query matched in several branches once.
        self._owner = np.zeros(0, dtype=np.int32)
        self._checks: dict[int, Pred] = {}
        # Postings per key (slot * 8 + plane, as machine integers: no Python
        # object per posting), and the same in the compiled core's pool,
        # rewritten lazily for the keys that changed.
        self._sets: dict[str, array[int]] = {}
        self._clears: dict[str, array[int]] = {}
        self._keys = Keys()
        self._dirty: set[str] = set()
        self._programs = Programs()
        self._kernel = Kernel()
        self._bound = False  # whether the kernel holds the current arrays
        self._ranges = RangeIndex()
        self._prefixes: Counter[str] = Counter()  # wildcard prefix keys filed
        self._prefixes_changed = False
        self._meta = 0  # how many postings are on metadata keys

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
        self._ids.extend([None] * (cap - self._cap))
        base = np.zeros(cap, dtype=np.uint8)
        base[: self._base.size] = self._base
        check = np.zeros(cap, dtype=np.uint8)
        check[: self._cap] = self._needs_check
        owner = np.arange(cap, dtype=np.int32)
        owner[: self._cap] = self._owner
        self._base, self._needs_check, self._owner, self._cap = base, check, owner, cap
        self._bytes = base.copy()
        self._keys.resize(cap)
        self._programs.resize(cap)
        self._bound = False

    def _take_slot(self) -> int:
        if self._free:
            return self._free.pop()
        if self._high == self._cap:
            self._grow()
        self._high += 1
        return self._high - 1

    def _post(self, table: dict[str, array[int]], key: str, byte: int, step: int) -> None:
        if step > 0:
            held = table.get(key)
            if held is None:
                held = table[key] = array("q")
            held.append(byte)
        else:
            held = table[key]
            if len(held) < 64:
                held.remove(byte)
            else:  # found by NumPy: a common key holds thousands
                del held[int(np.flatnonzero(np.frombuffer(held, dtype=np.int64) == byte)[0])]
            if not held:
                del table[key]
        self._dirty.add(key)
        self._meta += step * is_meta(key)
        if key[0] == "*":
            self._prefixes[key] += step
            if not self._prefixes[key]:
                del self._prefixes[key]
            self._prefixes_changed = True

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
                self._ranges.add(pooled(first + plane), r)
            else:
                self._ranges.remove(pooled(first + plane))
        for key in sel.excluded:
            self._post(self._clears, key, first + _EXCLUDED, step)
        return taken + len(placed)

    def _preset(self, slot: int, used: int) -> None:
        """The bytes ``slot`` holds before a post comes: 0 for its ``used``
        planes, 1 for the others (0 everywhere for a free slot)."""
        preset = (0xFF << used) & 0xFF if used else 0
        self._base[slot] = preset
        self._bytes[slot] = preset

    def add(self, qid: Hashable, query: Query | str) -> None:
        """File ``query`` under ``qid`` (replacing any query of that id)."""
        if isinstance(query, str):
            query = _compile(query)
        if qid in self._texts:
            self.remove(qid)
        self._filer.count(query, 1)
        self._texts[qid] = query.text
        self._bound = False  # keys and programs may move
        sel = self._filer.plan(query)
        if sel.always:
            self._always[qid] = query._pred
            return
        slots = []
        shared = _SHARED if len(sel.branches) > 1 else 0
        for branch in sel.branches:
            slot = self._take_slot()
            slots.append(slot)
            used = self._lay_out(slot, branch, sel, 1)
            self._preset(slot, used)
            self._ids[slot] = qid
            self._owner[slot] = slots[0]
            exact = branch.exact and used == len(branch.clauses) + len(sel.ranges)
            code = (
                program(branch.positional, self._keys.id) if exact and branch.positional else None
            )
            if not exact or (branch.positional and code is None):
                self._needs_check[slot] = _EVALUATE | shared
                self._checks[slot] = query._pred
            elif code is not None:
                self._needs_check[slot] = _POSITIONS | shared
                self._programs.set(slot, code)
            else:
                self._needs_check[slot] = _EXACT | shared
        self._filed[qid] = _Filed(array("q", slots), sel)

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
            self._programs.clear(slot)
            self._needs_check[slot] = _EXACT
            self._free.append(slot)

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
            self._keys.write(key, self._sets.get(key, ()), self._clears.get(key, ()))
        self._dirty.clear()
        if self._prefixes_changed:
            self._keys.set_prefixes({len(k) - 1 for k in self._prefixes})
            self._prefixes_changed = False
        keys = self._keys
        self._kernel.bind(
            keys.table,
            keys.kbytes,
            keys.kinfo,
            keys.prefix_len,
            keys.pool,
            keys.rows,
            keys.rows.shape[1],
            self._bytes,
            self._base,
            self._needs_check,
            self._programs.pool,
            self._programs.at,
            self._owner,
            self._ids,
        )
        self._bound = True

    def _meta_ids(self, post: Post) -> list[int]:
        """Ids of the metadata keys of ``post`` that some query is filed under."""
        ids = self._keys.ids
        return [ids[k] for k in meta_keys(post) if k in ids]

    def _slots(self, post: Post, exclusions: bool = True) -> tuple[list[Any], list[int]]:
        """The ids of the queries whose clauses ``post``'s keys satisfy (and
        whose excluded keys it misses, with ``exclusions``) and whose keys and
        word positions say the whole query, and the slots of those that need
        an evaluation by the in-memory engine."""
        if self._dirty or not self._bound:
            self._refresh()
        text, ascii_, title_end = post_text(post.title, post.text)
        return self._kernel.match(
            text,
            ascii_,
            title_end,
            self._meta_ids(post) if self._meta else _NO_META,
            self._ranges.inside(post) if self._ranges.entries else None,
            self._high,
            exclusions,
            _SPARSE,
            _COPY,
        )

    def candidates(self, doc: Doc) -> set[Hashable]:
        """Ids of the queries that could match ``doc`` (a superset of the matches)."""
        exact, later = self._slots(doc.post, exclusions=False)
        return set(exact) | {self._ids[s] for s in later} | set(self._always)

    def match_ids(self, post: Post | Doc) -> list[Any]:
        """Ids of the queries ``post`` matches, in no particular order."""
        doc = post if isinstance(post, Doc) else None
        p = post.post if isinstance(post, Doc) else post
        out, later = self._slots(p)
        if later:
            doc = doc or Doc(p)
            ids, checks = self._ids, self._checks
            out.extend(ids[s] for s in later if checks[s](doc))
        if self._always:
            doc = doc or Doc(p)
            out.extend(qid for qid, pred in self._always.items() if pred(doc))
        return out

    def match(self, post: Post | Doc) -> dict[Any, list[Span]]:
        """``{query id: matched spans}`` for every query ``post`` matches."""
        doc = post if isinstance(post, Doc) else Doc(post)
        return {qid: self.query(qid).spans(doc) for qid in self.match_ids(doc)}

    def match_many(self, posts: Iterable[Post]) -> Iterable[tuple[Post, list[Any]]]:
        for post in posts:
            yield post, self.match_ids(post)


@lru_cache(maxsize=2048)
def _compile(text: str) -> Query:
    from veille.query import compile_query

    return compile_query(text)
