"""Search results one page at a time, for the REST API and the web pages.

Two ways to walk the results, both stable while new posts arrive:

- ``cursor``: the opaque ``next_cursor`` of the previous page. Newest first, it
  is a position in time (the second of the last post seen and how many posts of
  that second were already given), so a page never repeats or skips a post
  when newer posts are stored meanwhile, and deep pages cost no more than the
  first. For the other sorts it is an offset.
- ``page`` (1-based) with ``limit``: an offset, capped at :data:`MAX_OFFSET`
  rows (walk further with the cursor, newest first).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from veille.errors import Count, UsageError, tr

if TYPE_CHECKING:
    # The query language and the search are imported by a search, not by
    # the lists of sources, topics and alerts (`veille source list`).
    from veille.query import Query
    from veille.services.search import Hit
    from veille.store.base import PostFilter, PostStore

T = TypeVar("T")

MAX_LIMIT = 200
MAX_OFFSET = 10_000
#: Matches counted at most where counting reads the posts themselves (a filter
#: on metadata: ``lang:fr``, a platform): past it, the total says "more than".
#: A count of the full-text index alone (words, dates) is exact whatever its size.
MAX_COUNT = 10_000


@dataclass(frozen=True)
class SearchPage:
    """One page of hits; ``total`` is ``None`` when counting was skipped, and
    a lower bound when ``total_exact`` is false (more than ``total`` match:
    counting stopped at :data:`MAX_COUNT`)."""

    query: Query
    hits: list[Hit]
    total: int | None
    next_cursor: str | None
    page: int | None
    total_exact: bool = True
    #: What may make the search find less than meant: the query's own warnings
    #: (``and`` searched as a word…) and a platform or language filter no post
    #: carries (a typo finds nothing, silently otherwise).
    warnings: tuple[str, ...] = ()


class BadCursor(UsageError):
    """A cursor this service did not give (or one for another sort)."""

    def __init__(self, cursor: str) -> None:
        super().__init__(
            tr("cursor %(cursor)r is not one this server gave", cursor=cursor[:40]),
            hint=tr(
                "Pass the next_cursor of the previous answer unchanged, "
                "with the same q, filters and sort; or start again without a cursor."
            ),
        )


def _encode(data: dict[str, int | str]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> dict[str, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadCursor(cursor) from None
    if not isinstance(data, dict) or data.get("s") != sort:
        raise BadCursor(cursor)
    keys = ("t", "n") if sort == "newest" else ("o",)
    values = {k: data.get(k) for k in keys}
    if not all(type(v) is int and v >= 0 for v in values.values()):
        raise BadCursor(cursor)
    return values  # type: ignore[return-value]


def _check(sort: str, limit: int, page: int | None, cursor: str | None) -> None:
    from veille.services.search import SORTS

    if sort not in SORTS:
        raise UsageError(
            tr("sort %(sort)r is unknown", sort=sort),
            hint=tr("Use %(sorts)s.", sorts=", ".join(SORTS)),
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(
            tr("limit %(limit)s is out of range", limit=limit),
            hint=tr("Use 1 to %(most)s.", most=MAX_LIMIT),
        )
    if page is not None and cursor is not None:
        raise UsageError(tr("give a page or a cursor, not both"), hint=tr("Drop one of them."))
    if page is not None and (page < 1 or (page - 1) * limit > MAX_OFFSET):
        raise UsageError(
            tr("page %(page)s is out of range", page=page),
            hint=tr(
                "Pages start at 1 and reach %(deep)s posts deep; "
                "walk further with the cursor, newest first.",
                deep=Count(MAX_OFFSET),
            ),
        )


def search_page(
    posts: PostStore,
    query: Query | str,
    flt: PostFilter | None = None,
    *,
    sort: str = "newest",
    limit: int = 20,
    cursor: str | None = None,
    page: int | None = None,
    count: bool = True,
) -> SearchPage:
    """The page of posts matching ``query`` and ``flt`` that ``cursor`` or
    ``page`` points at (the first page when neither), with highlights and the
    cursor of the next page (``None`` on the last)."""
    from veille.query import compile_query
    from veille.services.search import Hit
    from veille.store.base import PostFilter

    _check(sort, limit, page, cursor)
    q = compile_query(query) if isinstance(query, str) else query
    flt = base = flt or PostFilter()
    skip = 0
    seen_at: tuple[int, int] | None = None  # (second, posts of it already given)
    if cursor is not None:
        pos = _decode(cursor, sort)
        if sort == "newest":
            seen_at = (pos["t"], pos["n"])
            until = datetime.fromtimestamp(pos["t"] + 1, UTC)
            if flt.until is None or until < flt.until:
                flt = replace(flt, until=until)
            skip = pos["n"]
        else:
            skip = pos["o"]
            if skip > MAX_OFFSET:
                raise BadCursor(cursor)
    elif page is not None:
        skip = (page - 1) * limit
    # One post more than the page tells whether another page follows.
    found = posts.search(q, flt, sort=sort, limit=skip + limit + 1)
    more = len(found) > skip + limit
    window = found[skip : skip + limit]
    hits = [Hit(p, tuple(q.spans(p))) for p in window]
    total: int | None = None
    exact = True
    if count:
        if cursor is None and page in (None, 1) and not more:
            total = len(hits)  # the first page holds every match
        else:
            # The total counts every match of the search, not those after the cursor.
            total = posts.count_matches(q, base, at_most=MAX_COUNT)
            if total == MAX_COUNT + 1:
                total, exact = MAX_COUNT, False
    next_cursor = None
    if more and window:
        if sort == "newest":
            last = int(window[-1].published_at.timestamp())
            same = sum(1 for p in window if int(p.published_at.timestamp()) == last)
            if seen_at is not None and seen_at[0] == last:
                same += seen_at[1]
            next_cursor = _encode({"s": sort, "t": last, "n": same})
        elif skip + limit <= MAX_OFFSET:
            next_cursor = _encode({"s": sort, "o": skip + limit})
    return SearchPage(q, hits, total, next_cursor, page, exact, filter_warnings(q, base))


def filter_warnings(q: Query | None, flt: PostFilter) -> tuple[str, ...]:
    """The query's warnings (if a query is given), then one per platform no
    source gives and per language that is not a language code (imported
    posts may carry any platform, so these warn rather than refuse): a
    search's, and an aggregation's over the same filters."""
    from veille.suggest import check_languages, unknown_platform

    found = list(q.warnings) if q is not None else []
    for name in flt.platforms:
        unknown = unknown_platform(name)
        if unknown:
            found.append(tr("%(field)s: %(problem)s", field=f"platform {name}", problem=unknown))
    for code in flt.languages:
        try:
            check_languages((code,))
        except UsageError as exc:
            said = tr("%(message)s. %(hint)s", message=exc.message, hint=exc.hint)
            found.append(said if exc.hint else exc.message)
    return tuple(found)


#: Rows a list page (alerts, topics, sources) shows at a time.
LIST_PAGE = 50


@dataclass(frozen=True)
class ListPage(Generic[T]):
    """One page of a workspace's list (its alerts, topics or sources), after
    the ``q`` filter: an agency's 1,000 alerts were one table, with the form
    to add one below the last row."""

    rows: list[T]
    #: Rows the filter kept, all pages together; ``of``: rows before it.
    total: int
    of: int
    page: int
    pages: int
    q: str


def list_page(
    rows: Sequence[T],
    text: Callable[[T], str],
    *,
    q: str = "",
    page: int = 1,
    per_page: int = LIST_PAGE,
) -> ListPage[T]:
    """The rows whose ``text`` holds every word of ``q`` (case and accents
    ignored), page ``page`` of them (past the last: the last)."""
    from veille.textnorm import fold

    q = q.strip()
    words = fold(q).split()
    kept = [r for r in rows if all(w in fold(text(r)) for w in words)] if words else list(rows)
    pages = max(1, -(-len(kept) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return ListPage(kept[start : start + per_page], len(kept), len(rows), page, pages, q)
