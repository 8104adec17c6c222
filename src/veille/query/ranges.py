"""Numeric conditions of the filed queries (``likes:>10``, ``followers:100..5000``),
compared with a post's numbers for every query at once.

Each range sets one bit of its query's slot (a posting, in the compiled
core's encoding: see :mod:`veille.query.matcher` and
:func:`veille.query.kernel.pooled`) when the post's number lies inside it.
Ranges with no upper bound, the commonest shape, are kept sorted by their
lowest value: a post is inside a prefix of them, found by one binary search.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import attrgetter

import numpy as np

from veille.models import Post
from veille.query.ast import Range

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
    (sorted) and postings, and the other ranges as lowest and highest values
    and postings."""
    by_name: dict[str, list[tuple[int, int, int]]] = {}
    for posting, (name, lo, hi) in entries.items():
        by_name.setdefault(name, []).append((lo, hi, posting))
    out: dict[str, tuple[np.ndarray, ...]] = {}
    for name, rows in by_name.items():
        open_ended = sorted((lo, posting) for lo, hi, posting in rows if hi == _HIGHEST)
        bounded = [row for row in rows if row[1] != _HIGHEST]
        floors = np.array([lo for lo, _ in open_ended], dtype=np.int64)
        floor_postings = np.array([posting for _, posting in open_ended], dtype=np.intp)
        table = np.array(bounded, dtype=np.int64).reshape(-1, 3)
        out[name] = (floors, floor_postings, table[:, 0].copy(), table[:, 1].copy(),
                     table[:, 2].astype(np.intp))  # fmt: skip
    return out


class RangeIndex:
    """The ranges filed under postings of the matcher's slots."""

    def __init__(self) -> None:
        self.entries: dict[int, tuple[str, int, int]] = {}  # posting -> bounds
        self._arrays: dict[str, tuple[np.ndarray, ...]] | None = None  # None: to rebuild

    def add(self, posting: int, r: Range) -> None:
        self.entries[posting] = _bounds(r)
        self._arrays = None

    def remove(self, posting: int) -> None:
        del self.entries[posting]
        self._arrays = None

    def inside(self, post: Post) -> np.ndarray | None:
        """The postings of the ranges ``post``'s numbers lie inside (None: none)."""
        arrays = self._arrays
        if arrays is None:
            arrays = self._arrays = _range_arrays(self.entries)
        parts = []
        for name, (floors, floor_postings, lo, hi, where) in arrays.items():
            value = _RANGE_VALUES[name](post)
            if value is None:
                continue
            value = min(max(value, _LOWEST), _HIGHEST)
            # Ranges with no upper bound, sorted by their lowest value: the
            # post is inside the first n of them.
            n = int(np.searchsorted(floors, value, side="right"))
            if n:
                parts.append(floor_postings[:n])
            if where.size:
                parts.append(where[(lo <= value) & (hi >= value)])
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
