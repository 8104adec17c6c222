"""The keys of the matcher's compiled core, and how a post's text reaches it.

The :class:`~veille.query.matcher.Matcher` keeps its queries' postings here:
every key it files gets an id, the key's bytes, and its postings (the slot
bits it sets and clears, see :mod:`veille.query.matcher`) as a stretch of one
pool array; a key common among the queries also keeps a row of one byte per
slot. For a post, the C extension ``veille.query._kernel`` cuts the text
into words eight bytes at a time (lowering ASCII letters as it goes), finds
each word and each wildcard prefix in an open-addressing table (a word of up
to eight bytes by its bytes, a longer one or a prefix by a hash and then its
bytes, so a hash collision never matches), sets the bits of their postings,
reads the slots whose byte is all ones, and puts the bytes
back: no Python object is made per word.

Words are cut and folded exactly as :func:`veille.textnorm.tokens` does:
ASCII text is split on every byte that is not a letter or a digit (and its
letters lowered, all that folding does to ASCII); other text is folded and
cut by ``tokens``' own regular expression first, and its words joined by
spaces. French elisions (``l'``, ``qu’`` …) are taken out of both first
(:func:`veille.textnorm.strip_elisions`), as ``tokens`` takes them out.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import numpy as np

from veille.query import _kernel
from veille.query.ast import Near, Node, Phrase, Term, text_words
from veille.textnorm import WORD_RE, fold, strip_elisions

Kernel = _kernel.Kernel
_EMPTY_KEY = -1

# Columns of the per-key table: where its bytes are, its postings that set
# bits and those that clear bits (in the pool), and its row of bits (-1: none).
K_START, K_LEN, S_START, S_LEN, C_START, C_LEN, D_ROW = range(7)
_COLUMNS = 7
# A key setting more bits than slots / _ROW_SHARE also keeps them as a row of
# one byte per slot, OR-ed in at once.
_ROW_SHARE = 32
# A pool is compacted when full and more than twice its live entries plus
# this many are used (see _Pool).
_SLACK = 1024
_Postings = TypeVar("_Postings", int, np.ndarray)


def post_text(title: str | None, text: str) -> tuple[bytes, bool, int]:
    """A post's title and text as the compiled core reads them, whether they
    are ASCII, and where the text starts. ASCII text goes as it is (the core
    lowers its letters, which is all :func:`fold` does to it); other text is
    folded and its words joined by spaces."""
    if text.isascii() and (not title or title.isascii()):
        # The core does not know French elisions: they leave here, as they
        # leave textnorm.tokens (strip_elisions returns text without one as is).
        text = strip_elisions(text)
        if not title:
            return text.encode(), True, 0
        head = strip_elisions(title).encode()
        return head + b" " + text.encode(), True, len(head)
    parts = (
        [strip_elisions(fold(title)), strip_elisions(fold(text))]
        if title
        else [strip_elisions(fold(text))]
    )
    ascii_ = all(part.isascii() for part in parts)
    cut = [part.encode() if ascii_ else " ".join(WORD_RE.findall(part)).encode() for part in parts]
    return b" ".join(cut), ascii_, len(cut[0]) if title else 0


def pooled(postings: _Postings) -> _Postings:
    """Postings (``slot * 8 + plane``, one or an array) as the compiled core
    reads them: the slot above the low 8 bits, the plane's bit in them, so
    the core sets a bit with one OR and no shift."""
    return (postings >> 3) << 8 | 1 << (postings & 7)


def _grown(arr: np.ndarray, rows: int, fill: int = 0) -> np.ndarray:
    """``arr`` with at least ``rows`` rows (twice as many when that is more),
    the new ones set to ``fill``."""
    out = np.full((max(rows, 2 * arr.shape[0]), *arr.shape[1:]), fill, dtype=arr.dtype)
    out[: arr.shape[0]] = arr
    return out


class _Pool(ABC):
    """Integers appended to one array; stretches that are replaced stay as
    stale entries until the array is full and more than half stale, then the
    live ones are copied to a fresh array (:meth:`_compact`)."""

    def __init__(self) -> None:
        self.pool = np.zeros(1024, dtype=np.int64)
        self.used = 0
        self.live = 0  # entries still read, the rest is stale

    def _reserve(self, size: int) -> int:
        """Where ``size`` new entries go, at the end of the pool."""
        if self.used + size > self.pool.size:
            if self.used > 2 * self.live + _SLACK:
                self._compact()
            if self.used + size > self.pool.size:
                self.pool = _grown(self.pool, self.used + size)
        start = self.used
        self.used += size
        return start

    @abstractmethod
    def _compact(self) -> None:
        """Copy the live entries to a fresh pool, fixing where each starts."""


class Keys(_Pool):
    """The keys the matcher files postings under: their ids, bytes, the hash
    table that finds them in a post's text, their postings in the pool, and
    for keys common among the queries a row of one byte per slot."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, int] = {}
        self.kinfo = np.zeros((0, _COLUMNS), dtype=np.int64)
        self.kbytes = np.zeros(1024, dtype=np.uint8)
        self.kbytes_used = 0
        self.table = np.full((64, 2), _EMPTY_KEY, dtype=np.int64)
        self.rows = np.zeros((0, 0), dtype=np.uint8)  # one column per slot
        self.free_rows: list[int] = []
        # prefix_len[n]: whether some wildcard prefix key has n characters.
        self.prefix_len = np.zeros(1, dtype=np.bool_)

    def __len__(self) -> int:
        return len(self.ids)

    def id(self, key: str) -> int:
        """The id of ``key``, given one if new."""
        kid = self.ids.get(key)
        if kid is not None:
            return kid
        kid = self.ids[key] = len(self.ids)
        raw = key.encode()
        if kid == self.kinfo.shape[0]:
            self.kinfo = _grown(self.kinfo, 64)
        self.kinfo[kid, D_ROW] = -1
        # The bytes and a zero after them (no word holds one): the core
        # compares up to it.
        start, end = self.kbytes_used, self.kbytes_used + len(raw) + 1
        if end > self.kbytes.size:
            self.kbytes = _grown(self.kbytes, end)
        self.kbytes[start : end - 1] = np.frombuffer(raw, dtype=np.uint8)
        self.kbytes[end - 1] = 0
        self.kinfo[kid, K_START] = start
        self.kinfo[kid, K_LEN] = len(raw)
        self.kbytes_used = end
        if len(self.ids) * 2 > self.table.shape[0]:
            self.table = np.full((self.table.shape[0] * 4, 2), _EMPTY_KEY, dtype=np.int64)
            _kernel.fill(self.table, self.kbytes, self.kinfo, 0, len(self.ids))
        else:
            _kernel.fill(self.table, self.kbytes, self.kinfo, kid, kid + 1)
        return kid

    def set_prefixes(self, lengths: Iterable[int]) -> None:
        """The lengths (in characters) of the wildcard prefixes filed."""
        lens = list(lengths)
        table = np.zeros(max(lens, default=0) + 1, dtype=np.bool_)
        table[lens] = True
        self.prefix_len = table

    def resize(self, slots: int) -> None:
        """Make the rows ``slots`` wide (the matcher's slot capacity)."""
        rows = np.zeros((self.rows.shape[0], slots), dtype=np.uint8)
        width = min(slots, self.rows.shape[1])
        rows[:, :width] = self.rows[:, :width]
        self.rows = rows

    def write(self, key: str, sets: Sequence[int], clears: Sequence[int]) -> None:
        """Make ``sets`` and ``clears`` the postings of ``key``."""
        kid = self.id(key)
        set_arr = self._store(kid, S_START, S_LEN, sets)
        self._store(kid, C_START, C_LEN, clears)
        row = int(self.kinfo[kid, D_ROW])
        if set_arr.size * _ROW_SHARE > self.rows.shape[1]:
            if row < 0:
                row = self._take_row()
                self.kinfo[kid, D_ROW] = row
            bits = self.rows[row]
            bits[:] = 0
            np.bitwise_or.at(bits, set_arr >> 3, (1 << (set_arr & 7)).astype(np.uint8))
        elif row >= 0:
            self.free_rows.append(row)
            self.kinfo[kid, D_ROW] = -1

    def _take_row(self) -> int:
        if not self.free_rows:
            count = self.rows.shape[0]
            self.rows = _grown(self.rows, 4)
            self.free_rows.extend(range(self.rows.shape[0] - 1, count - 1, -1))
        return self.free_rows.pop()

    def _store(self, kid: int, col_start: int, col_len: int, held: Sequence[int]) -> np.ndarray:
        arr = np.fromiter(held, dtype=np.int64, count=len(held))
        old = int(self.kinfo[kid, col_len])
        self.live += arr.size - old
        # In place when it fits where it was, else at the end of the pool.
        start = int(self.kinfo[kid, col_start]) if arr.size <= old else self._reserve(arr.size)
        self.pool[start : start + arr.size] = pooled(arr)
        self.kinfo[kid, col_start] = start
        self.kinfo[kid, col_len] = arr.size
        return arr

    def _compact(self) -> None:
        """Copy the live postings to a fresh pool, in key order."""
        kinfo = self.kinfo
        pool = np.zeros(max(1024, 2 * self.live), dtype=np.int64)
        at = 0
        for kid in range(len(self.ids)):
            for col_start, col_len in ((S_START, S_LEN), (C_START, C_LEN)):
                n = int(kinfo[kid, col_len])
                s = int(kinfo[kid, col_start])
                pool[at : at + n] = self.pool[s : s + n]
                kinfo[kid, col_start] = at
                at += n
        self.pool, self.used = pool, at


# Positional conditions, as the compiled core reads them.
PHRASE, NEAR, NEAR_ORDERED = 0, 1, 2
FIELDS = {"any": 0, "title": 1, "text": 2}
MAX_ITEMS = 16  # items of one condition (as _kernel.c)


def program(conditions: Iterable[Node], key_id: Callable[[str], int]) -> list[int] | None:
    """``conditions`` (words in one field, phrases, ``NEAR``) encoded for the
    compiled core, words as their key ids (``key_id``); None for a ``NEAR``
    of more than ``MAX_ITEMS`` items (left to the in-memory engine)."""
    out = [0]
    items: list[tuple[str, ...]]
    for node in conditions:
        if isinstance(node, Term):
            kind, items, distance = PHRASE, [(node.word,)], 0
        elif isinstance(node, Phrase):
            kind, items, distance = PHRASE, [node.words], 0
        elif isinstance(node, Near):
            kind = NEAR_ORDERED if node.ordered else NEAR
            items, distance = [tuple(text_words(i)) for i in node.items], node.distance
        else:
            raise TypeError(f"not a positional condition: {node!r}")
        if len(items) > MAX_ITEMS:
            return None
        out += [kind, FIELDS[node.field], distance, len(items)]
        for words in items:
            out.append(len(words))
            out.extend(key_id(w) for w in words)
        out[0] += 1
    return out


class Programs(_Pool):
    """Per slot, the positional conditions (phrases, ``NEAR``, words in one
    field) the compiled core checks before a slot's query counts as matched,
    encoded as integers in the pool: the number of conditions, then for each
    its kind, field, distance and number of items, and for each item its
    length and word key ids."""

    def __init__(self) -> None:
        super().__init__()
        self.at = np.full(0, -1, dtype=np.int64)  # per slot: where its program starts
        self.size = np.zeros(0, dtype=np.int64)  # per slot: its length

    def resize(self, slots: int) -> None:
        """Room for ``slots`` slots (more than before: slots never shrink)."""
        self.at = _grown(self.at, slots, fill=-1)
        self.size = _grown(self.size, slots)

    def set(self, slot: int, program: list[int]) -> None:
        self.clear(slot)
        start = self._reserve(len(program))
        self.pool[start : start + len(program)] = program
        self.at[slot], self.size[slot] = start, len(program)
        self.live += len(program)

    def clear(self, slot: int) -> None:
        if self.at[slot] >= 0:
            self.live -= int(self.size[slot])
            self.at[slot], self.size[slot] = -1, 0

    def _compact(self) -> None:
        pool = np.zeros(max(1024, 2 * self.live), dtype=np.int64)
        used = 0
        for slot in np.flatnonzero(self.at >= 0).tolist():
            start, n = int(self.at[slot]), int(self.size[slot])
            pool[used : used + n] = self.pool[start : start + n]
            self.at[slot] = used
            used += n
        self.pool, self.used = pool, used
