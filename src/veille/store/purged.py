"""The figures of purged posts in the two shapes the posts stores keep them.

A retention purge deletes posts and leaves their counts in the volume rollup.
ClickHouse keeps that rollup per quarter-hour and every combination of
platform, language, country and sentiment (a *cube*: one row per
combination); SQLite per quarter-hour and each of those dimensions and each
pair of them (its *dims*: ``''``, ``'platform'``, ``'lang+platform'``, …, the
names sorted, ``v1`` the first's value), which is every question its readers
ask of it. ``veille store migrate`` carries them as cube rows ``(bucket,
platform, lang, country, sentiment, *measures)``:

- :func:`dims_of` gives the SQLite rows of cube rows (exact);
- :func:`cube_of` gives cube rows whose dims are exactly the given SQLite
  rows. SQLite never kept the full combination, so it is rebuilt around a
  reference value per dimension (the most frequent in the quarter-hour):
  a cell differs from the references in at most two dimensions. Where the
  purged posts of a quarter-hour differ from the most frequent values in at
  most two dimensions (one language and no country, say), the cube is the
  one the posts had; otherwise its cells may hold negative counts that add
  up to every dimension and pair exactly. So ClickHouse answers a question
  involving more than two dimensions from the posts it holds, as SQLite
  does (:func:`veille.store.clickhouse.quarters.rollup_dims`), never from
  these cells.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

#: The dimensions of a cube row, after its bucket.
NAMES = ("platform", "lang", "country", "sentiment")
#: SQLite's ``post_rollup.dim`` values: the total, each dimension, each pair.
DIMS = ("", *("+".join(sorted(c)) for k in (1, 2) for c in itertools.combinations(NAMES, k)))

Row = Sequence[Any]


def _parts(dim: str) -> list[int]:
    """The positions in :data:`NAMES` of ``dim``'s dimensions, as ``v1``, ``v2``."""
    return [NAMES.index(n) for n in dim.split("+")] if dim else []


def _add(sums: dict[Any, list[int]], key: Any, values: Sequence[int], sign: int = 1) -> None:
    got = sums.setdefault(key, [0] * len(values))
    for i, v in enumerate(values):
        got[i] += sign * int(v)


def _nonzero(sums: dict[Any, list[int]]) -> list[tuple[Any, ...]]:
    return [(*k, *v) for k, v in sorted(sums.items()) if any(v)]


# Each dim with the positions of its values in a cube row's dimensions
# (``None``: the ``v1``/``v2`` it leaves empty).
_TAKE: list[tuple[str, int | None, int | None]] = [
    (d, *(p[0] if p else None, p[1] if len(p) > 1 else None)) for d in DIMS for p in [_parts(d)]
]


_WIDTH = {d: len(_parts(d)) for d in DIMS}


def dims_of(cube: Iterable[Row]) -> list[tuple[Any, ...]]:
    """``(dim, bucket, v1, v2, *measures)`` of cube rows, rows summing to
    nothing left out."""
    sums: dict[tuple[Any, ...], list[int]] = {}
    for row in cube:
        bucket, values, measures = int(row[0]), row[1:5], [int(m) for m in row[5:]]
        for dim, i, j in _TAKE:
            key = (dim, bucket, "" if i is None else values[i], "" if j is None else values[j])
            got = sums.get(key)
            sums[key] = (
                measures if got is None else [a + b for a, b in zip(got, measures, strict=True)]
            )
    return _nonzero(sums)


def cube_of(dims: Iterable[Row]) -> list[tuple[Any, ...]]:
    """Cube rows whose :func:`dims_of` are ``dims`` (SQLite's rows of every
    dimension and pair; a quarter-hour lacking some is read as counting
    nothing there)."""
    by_bucket: dict[int, dict[str, dict[tuple[str, ...], list[int]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    width = 0
    for dim, bucket, v1, v2, *measures in dims:
        if dim not in DIMS:
            continue
        width = len(measures)
        key = tuple((str(v1), str(v2))[: _WIDTH[dim]])
        _add(by_bucket[int(bucket)][dim], key, measures)
    out: dict[Any, list[int]] = {}
    for bucket, marg in sorted(by_bucket.items()):
        _rebuild(bucket, marg, width, out)
    return _nonzero(out)


def _minus(a: Sequence[int], b: Sequence[int]) -> list[int]:
    return [x - y for x, y in zip(a, b, strict=True)]


def _rebuild(
    bucket: int, marg: dict[str, dict[tuple[str, ...], list[int]]], width: int,
    out: dict[Any, list[int]],
) -> None:  # fmt: skip
    """One quarter-hour's cube cells from its dims (see the module's doc)."""
    single = {n: marg.get(n, {}) for n in NAMES}
    # The reference of each dimension: its value with the most posts.
    ref = [
        min(single[n], key=lambda k: (-single[n][k][0], k))[0] if single[n] else "" for n in NAMES
    ]
    cells: dict[tuple[str, ...], list[int]] = {}

    def cell(at: dict[int, str]) -> tuple[str, ...]:
        return tuple(at.get(i, ref[i]) for i in range(len(NAMES)))

    # Two dimensions off their references: the pair's count as it is (no
    # cell is off in three), tallied for each of the two values.
    tally: dict[tuple[int, str], list[int]] = {}
    for dim in DIMS:
        parts = _parts(dim)
        if len(parts) != 2:
            continue
        for key, values in marg.get(dim, {}).items():
            at = dict(zip(parts, key, strict=True))
            if any(at[i] == ref[i] for i in parts):
                continue
            _add(cells, cell(at), values)
            for i in parts:
                _add(tally, (i, at[i]), values)
    # One dimension off: its count less what the pair cells hold of it.
    for i, name in enumerate(NAMES):
        for (value,), values in single[name].items():
            if value != ref[i]:
                _add(cells, cell({i: value}), _minus(values, tally.get((i, value), [0] * width)))
    # None off: the total less every other cell.
    rest = list(marg.get("", {}).get((), [0] * width))
    for values in cells.values():
        rest = _minus(rest, values)
    _add(cells, cell({}), rest)
    for key, values in cells.items():
        _add(out, (bucket, *key), values)


def topic_totals(row: Sequence[int]) -> tuple[int, ...]:
    """A row of a saved topic's purged figures, ``(topic id, quarter-hour,
    posts, engagement, reach, posts that gave counts, posts that gave
    followers, positive, negative, neutral posts)``. A row of five (as a
    store of an older veille gives them, which kept no such counts) covers
    what its sums tell: its posts gave counts where they earned any
    engagement, followers where they had any reach (a known 0 is not told
    apart from none). A row of five or seven keeps no sentiment (purges
    before 2026-12-06 kept none of a topic's): 0 of each."""
    t, b, n, e, r, *rest = (int(v) for v in row)
    if not rest:
        rest = [n if e > 0 else 0, n if r > 0 else 0]
    if len(rest) == 2:
        rest += [0, 0, 0]
    if len(rest) != 5:
        raise ValueError(
            f"a topic's purged figures have 5, 7 or 10 values, not {len(row)}: {row!r}"
        )
    return (t, b, n, e, r, *rest)


def names_due(held: int | None, names_from: int, cutoff: int) -> bool:
    """Whether a purge at ``cutoff`` lets go the names of the posts published
    before ``names_from`` (seconds), the names held going back to ``held``
    (``None``: all of them). Not each day: once they go back a quarter of
    the retention period further (a day at least), so that ClickHouse
    rewrites its table of names (a mutation) every few days, not daily;
    names are kept from one to one and a quarter retention periods."""
    return held is None or names_from - held >= max(86400, (cutoff - names_from) // 4)
