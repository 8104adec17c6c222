"""The top lists every PostStore composes alike where a count may be
unknown: authors, hashtags and the other entities, story clusters.

The rollups keep a count no post gave (a feed gives no likes, no follower
count) as 0; the lists say it unknown (``None``) instead, and rank it after
every known value, a 0 included. These functions label and rank the rows a
backend reads (its SQL stays with it), and say when a list must be read
again exactly, from the posts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from veille.models import Post


def unknown_last(value: int | None) -> tuple[bool, int]:
    """A sort key that ranks a count best first and an unknown one (``None``)
    after every known value, a 0 included."""
    return (value is None, -(value or 0))


# What a store tells of some keys (authors, clusters): key -> (whether a post
# of theirs gave like, share and reply counts, whether one gave its author's
# follower count), a key none of whose posts did being left out.
Given = dict[Any, tuple[bool, bool]]

AuthorFigures = tuple[str, str, "str | None", int, "int | None", "int | None"]


def _known(value: int | None, given: bool) -> int | None:
    """A count read as 0 where it may be one never given: itself where it
    is above 0 or some post gave it, else ``None``; ``None`` stays ``None``."""
    return value if value is None or value or given else None


def authors_known(
    rows: Sequence[tuple[str, str, str | None, int, int | None, int | None]],
    by: str,
    given: Callable[[list[str]], Given],
    gave: Callable[[], tuple[bool, bool]] = lambda: (True, True),
) -> list[AuthorFigures]:
    """Top authors' rows (``(platform, handle, name, posts, engagement,
    followers)``, best first by ``by``) with ``None`` where a count is
    unknown: the rollups keep a count never given as 0, so the handles shown
    with a 0 are asked of ``given`` (the store's query over the posts of the
    period), and a 0 no post gave becomes ``None``. Unknown is not zero (a
    feed gives no count) and ranks after every known value, a 0 included:
    among the rows read, a quiet account before a blog. A path that told
    already (the posts read) passes ``None`` where it is unknown.

    ``gave`` says (from a rollup, without reading the posts) whether any post
    of the period gave counts, and any a follower count: where none did, a 0
    is unknown without asking ``given`` (a workspace of feeds only)."""
    zeros = any(r[4] == 0 or r[5] == 0 for r in rows)
    counts_some, followers_some = gave() if zeros else (True, True)
    handles = sorted(
        {r[1] for r in rows if (counts_some and r[4] == 0) or (followers_some and r[5] == 0)}
    )
    told = given(handles) if handles else {}
    out: list[AuthorFigures] = []
    for pf, h, n, c, e, f in rows:
        counts, followed = told.get((pf, h), (False, False))
        out.append((pf, h, n, c, _known(e, counts), _known(f, followed)))
    return _ranked_authors(out, by)


_ASCII_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
)  # fmt: skip


def handle_key(handle: str) -> tuple[str, str]:
    """A handle's place among tied authors: whatever its case (``max`` before
    ``Mia``), as SQL's ``lower()`` folds it (ASCII letters only, in SQLite
    and ClickHouse alike, so that a store's cut and this order agree), then
    as written."""
    return handle.translate(_ASCII_LOWER), handle


def author_key(row: AuthorFigures, by: str) -> tuple[Any, ...]:
    """Where an author's row ``(platform, handle, name, posts, engagement,
    followers)`` ranks by ``by`` on every surface and store: best ``by``,
    then the most posts, the most engagement, the most followers (an unknown
    count after every known one), then the handle whatever its case, then
    the platform. The stores' SQL cuts their lists in this order."""
    pf, h, _n, posts, engagement, followers = row
    first = {"posts": (False, -posts), "engagement": unknown_last(engagement)}.get(
        by, unknown_last(followers)
    )
    return (
        first, -posts, unknown_last(engagement), unknown_last(followers), *handle_key(h), pf
    )  # fmt: skip


def _ranked_authors(rows: list[AuthorFigures], by: str) -> list[AuthorFigures]:
    """``rows`` (labelled) best first by ``by`` (:func:`author_key`)."""
    rows.sort(key=lambda r: author_key(r, by))
    return rows


def cut_among_unknown(rows: Sequence[Sequence[Any]], at: int, limit: int | None) -> bool:
    """Whether a list ``rows`` (labelled and sorted, unknown last), read
    ``limit`` at most from a rollup that keeps an unknown count as 0, ends
    on an unknown value (position ``at``) where a known 0 may have been left
    out by the limit: the store then reads the list again from the posts,
    ranked exactly (unknown last) in SQL."""
    return limit is not None and len(rows) >= limit > 0 and rows[-1][at] is None


def top_authors_known(
    read: Callable[[bool], Sequence[tuple[str, str, str | None, int, int | None, int | None]]],
    by: str,
    limit: int,
    given: Callable[[list[str]], Given],
    *,
    rolled: bool = True,
    gave: Callable[[], tuple[bool, bool]] = lambda: (True, True),
) -> list[AuthorFigures]:
    """The top authors as every store composes them: ``read(False)`` (the
    store's rows, from its rollups where they answer: ``rolled``) labelled by
    :func:`authors_known`; read again with ``read(True)`` (exactly, from the
    posts) where the list ends on an unknown count a known 0 may have been
    cut for (:func:`cut_among_unknown`), which cannot be where no post of the
    period gave that count (``gave``, read from a rollup). Rows read from the
    posts (not ``rolled``) say unknown themselves (``None``) and are ranked
    exactly: neither asked again nor read again."""
    if not rolled:
        return _ranked_authors([tuple(r) for r in read(False)], by)  # type: ignore[misc]
    told: list[tuple[bool, bool]] = []

    def gave_once() -> tuple[bool, bool]:
        if not told:
            told.append(gave())
        return told[0]

    found = authors_known(read(False), by, given, gave_once)
    at = 4 if by == "engagement" else 5
    if by != "posts" and cut_among_unknown(found, at, limit) and gave_once()[at - 4]:
        found = authors_known(read(True), by, given, gave_once)
    return found


def top_entities_known(
    read: Callable[[bool], Sequence[tuple[str, int, int | None]]],
    limit: int | None,
    given: Callable[[list[str]], set[str]],
    *,
    rolled: bool = True,
    gave: Callable[[], bool] = lambda: True,
) -> list[tuple[str, int, int | None]]:
    """The top hashtags, domains, links or mentions as every store composes
    them: ``read(False)`` labelled by :func:`entities_known`, read again with
    ``read(True)`` (exactly) where the list ends on an unknown engagement,
    unless no post of the scope gave counts (``gave``, read from a rollup).
    Rows read from the posts (not ``rolled``) are taken as they are."""
    if not rolled:
        return _ranked_entities(list(read(False)))
    told: list[bool] = []

    def gave_once() -> bool:
        if not told:
            told.append(gave())
        return told[0]

    found = entities_known(read(False), given, gave_once)
    if cut_among_unknown(found, 2, limit) and gave_once():
        found = entities_known(read(True), given, gave_once)
    return found


def entities_known(
    rows: Sequence[tuple[str, int, int | None]],
    given: Callable[[list[str]], set[str]],
    gave: Callable[[], bool] = lambda: True,
) -> list[tuple[str, int, int | None]]:
    """Hashtags', domains', links' or mentions' rows ``(value, posts,
    engagement)`` with ``None`` engagement where none of the value's posts
    gave counts (``given``: the values shown with 0 that a post of the period
    gave counts for; not asked where ``gave`` says no post of the scope gave
    counts); by posts, then engagement (unknown after a known 0), then value."""
    zeros = sorted({v for v, _n, e in rows if e == 0})
    told = given(zeros) if zeros and gave() else set()
    return _ranked_entities([(v, n, _known(e, v in told)) for v, n, e in rows])


def _ranked_entities(
    rows: list[tuple[str, int, int | None]],
) -> list[tuple[str, int, int | None]]:
    """``rows`` (labelled) by posts, then engagement (unknown after a known
    0), then value."""
    rows.sort(key=lambda r: (-r[1], unknown_last(r[2]), r[0]))
    return rows


ClusterFigures = tuple[str, int, "int | None", "int | None", tuple[str, ...], "Post"]


_First = TypeVar("_First")


def clusters_known(
    rows: Sequence[tuple[str, int, int | None, int | None, tuple[str, ...], _First]],
    by: str,
    given: Callable[[list[str]], Given],
    gave: Callable[[], tuple[bool, bool]] = lambda: (True, True),
) -> list[tuple[str, int, int | None, int | None, tuple[str, ...], _First]]:
    """Story clusters' rows ``(cluster, posts, reach, engagement, platforms,
    earliest post, or its key)`` with ``None`` reach where none of the cluster's posts
    gave a follower count and ``None`` engagement where none gave counts
    (``given``: the store's query over the clusters shown with a 0; ``gave``
    as :func:`authors_known`'s: whether any post of the scope gave counts,
    and any a follower count); best first by ``by``, an unknown value after
    every known one."""
    zeros = any(r[2] == 0 or r[3] == 0 for r in rows)
    counts_some, followers_some = gave() if zeros else (True, True)
    keys = sorted(
        {r[0] for r in rows if (followers_some and r[2] == 0) or (counts_some and r[3] == 0)}
    )
    told = given(keys) if keys else {}
    out: list[tuple[str, int, int | None, int | None, tuple[str, ...], _First]] = []
    for key, n, r, e, pf, first in rows:
        counts, followed = told.get(key, (False, False))
        out.append((key, n, _known(r, followed), _known(e, counts), pf, first))
    if by in ("reach", "engagement"):
        out.sort(key=lambda x: (unknown_last(x[2] if by == "reach" else x[3]), -x[1], x[0]))
    return out
