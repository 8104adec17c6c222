"""Search of posts in ClickHouse: the query compiled to SQL
(:mod:`veille.store.clickhouse.compiler`); where ClickHouse says a condition
only approximately (``NEAR``), the posts it finds pass the in-memory engine
too, page by page, so the answer is exact."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from veille.errors import StoreError
from veille.models import Post
from veille.store.base import PostFilter
from veille.store.clickhouse.compiler import relevance, to_clickhouse
from veille.store.clickhouse.filters import NEWEST_VERSION, POSTS, filter_where, words_sql
from veille.store.clickhouse.rows import LISTED_COLUMNS, READ_COLUMNS, SHOWN_COLUMNS, to_post
from veille.store.kept import KeptCounts
from veille.store.protocols.analytics import PostKey
from veille.store.protocols.search import check_sort, query_node
from veille.textnorm import tokens

# Newest first, said through the sorting key's first part (the day) so that
# ClickHouse reads the parts in key order and stops at the limit.
NEWEST = "intDiv(published_at, 86400) DESC, published_at DESC, seq DESC"
# Newest first looks at the last day, then at a window as long as the posts
# found there say the page needs (half as long again), then at everything:
# most searches fill their page from the first windows, which are a few
# granules of the primary index. The first window has no upper bound and each
# next one ends where the one before began, so together they hold every post
# newer than the last one's start, whatever the newest time they count back
# from: it may be a little old (see ``_recent``).
DAY = 86_400
WIDEST = 183 * DAY
# Slices of newest first read whole (FINAL, every column) rather than ids then
# rows when they hold about this many posts at most (at the store's mean
# rate): at 1M posts, faster up to a month (85,000 posts: 70 ms of CPU against
# 90), as fast at half a year (500,000), slower over everything.
WHOLE_ROWS = 100_000
# How long the store's newest time is used before it is read again (seconds).
NEWEST_TTL = 30.0
ENGAGEMENT = "(likes + shares + replies)"
# Candidates read per page when the in-memory engine checks them.
PAGE = 2000


def checker(node: Any) -> Any:
    """The in-memory engine's predicate for ``node``, over a Post."""
    from veille.query.evaluate import Doc, compile_node

    pred = compile_node(node)
    return lambda post: pred(Doc(post))


def next_window(span: int, found: int, limit: int) -> int | None:
    """The window (seconds back from the newest post; ``None``: everything)
    to read after ``found`` posts of a page of ``limit`` in the last
    ``span`` seconds: long enough for the page at the rate found, half as long
    again, in whole days, at least twice ``span`` (seven times without a post)."""
    want = span * 7 if not found else max(2 * span, span * limit * 3 // (2 * found))
    days = -(-want // DAY)
    return None if days * DAY > WIDEST else days * DAY


class ClickHouseSearch:
    """Mixed into :class:`veille.store.clickhouse.store.ClickHouseStore`."""

    # (when it was read, the newest published_at, posts per second): see
    # :meth:`_recent`.
    _newest_seen: tuple[float, int, float] | None = None

    if TYPE_CHECKING:  # provided by the store class this is mixed into

        def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]: ...

    def _pages(self, sql: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        """Rows of ``sql`` (ordered, without LIMIT) read a page at a time."""
        offset = 0
        while True:
            page = self.rows(
                f"{sql} LIMIT {{pg_n:UInt64}} OFFSET {{pg_o:UInt64}}",
                {**params, "pg_n": PAGE, "pg_o": offset},
            )
            yield from page
            if len(page) < PAGE:
                return
            offset += PAGE

    def search_text(
        self, text: str, flt: PostFilter | None = None, *, limit: int = 50
    ) -> list[Post]:
        words = tokens(text)
        if not words:
            return []
        where = filter_where(flt)
        names = []
        for i, w in enumerate(dict.fromkeys(words)):
            where.params[f"s{i}"] = w
            names.append(f"{{s{i}:String}}")
        rows = self.rows(
            f"SELECT {READ_COLUMNS} FROM {POSTS} WHERE {where.and_(words_sql(names))} "
            f"ORDER BY {NEWEST} LIMIT {{lim:UInt64}}",
            {**where.params, "lim": limit},
        )
        return [to_post(r) for r in rows]

    def search(
        self,
        query: Any,
        flt: PostFilter | None = None,
        sort: str = "newest",
        limit: int = 50,
        *,
        shown: bool = False,
    ) -> list[Post]:
        """Posts matching ``query`` and ``flt``; ``sort`` is ``newest``,
        ``relevance`` (how many of the query's words a post holds) or
        ``engagement``. ``shown``: a page found by relevance or engagement
        reads its rows on :data:`~veille.store.clickhouse.rows.LISTED`'s
        columns only (the others empty)."""
        check_sort(sort)
        node = query_node(query)
        compiled = to_clickhouse(node)
        where = filter_where(flt, compiled.params)
        order = NEWEST
        if sort == "engagement":
            order = f"{ENGAGEMENT} DESC, {NEWEST}"
        elif sort == "relevance":
            rank = relevance(node, compiled.params)
            if rank is not None:
                order = f"{rank} DESC, {NEWEST}"
        sql = (
            f"SELECT {READ_COLUMNS} FROM {POSTS} WHERE {where.and_('(' + compiled.sql + ')')} "
            f"ORDER BY {order}"
        )
        if compiled.exact and sort == "newest":
            return self._newest(where.and_("(" + compiled.sql + ")"), compiled.params, limit)
        if compiled.exact:
            keys = self.rows(
                sql.replace(f"SELECT {READ_COLUMNS} ", "SELECT id, published_at ", 1)
                + " LIMIT {lim:UInt64}",
                {**compiled.params, "lim": limit},
            )
            return self.posts_at(keys, LISTED_COLUMNS if shown else READ_COLUMNS)
        check = checker(node)
        found: list[Post] = []
        for row in self._pages(sql, compiled.params):
            post = to_post(row)
            if check(post):
                found.append(post)
                if len(found) >= limit:
                    break
        return found

    def _recent(self) -> tuple[int, float] | None:
        """The newest ``published_at`` stored and the mean posts per second
        (``None``: no post), read again after :data:`NEWEST_TTL` seconds (a
        search would otherwise pay a query for them: 5 ms at 1M posts).
        Windows count back from that time, and any time gives the right page,
        so one a little old (posts written since, or by another process) only
        reads a few more granules."""
        seen = self._newest_seen
        now = time.monotonic()
        if seen is not None and now - seen[0] < NEWEST_TTL:
            return seen[1], seen[2]
        n, first, last = self.rows(
            "SELECT count(), min(published_at), max(published_at) FROM posts"
        )[0]
        if not n:
            return None  # not kept: the first posts are seen at once
        rate = int(n) / max(DAY, int(last) - int(first))
        self._newest_seen = (now, int(last), rate)
        return int(last), rate

    def _newest(self, cond: str, params: dict[str, Any], limit: int) -> list[Post]:
        """The ``limit`` newest posts under ``cond``, window by window, each
        older slice ending where the one before began. A slice of up to
        :data:`WHOLE_ROWS` posts is read whole in one query (a search whose
        page the last day fills pays one query: 23 ms of CPU at 1M posts,
        where one for the page's ids and one for its rows took 30; a 4-day
        slice 36 against 45); a longer one as ids first, then their rows."""
        recent = self._recent()
        if recent is None:
            return []
        top, rate = recent
        found: list[Post] = []
        span: int | None = DAY
        upper = ""
        while True:
            window = "" if span is None else " AND published_at >= {win:Int64}"
            sql = f"FROM {POSTS} WHERE {cond}{window}{upper} ORDER BY {NEWEST} LIMIT {{lim:UInt64}}"
            args = {**params, "lim": limit - len(found), "win": top - (span or 0)}
            if span is not None and span * rate <= WHOLE_ROWS:
                found += [to_post(r) for r in self.rows(f"SELECT {READ_COLUMNS} {sql}", args)]
            else:
                found += self.posts_at(self.rows(f"SELECT id, published_at {sql}", args))
            if len(found) >= limit or span is None:
                return found
            # Newest first orders by time: every post of the next slice comes
            # after those found.
            upper = " AND published_at < {upto:Int64}"
            params = {**params, "upto": top - span}
            span = next_window(span, len(found), limit)

    def posts_at(self, keys: list[list[Any]], columns: str = READ_COLUMNS) -> list[Post]:
        """The posts of ``keys`` (``[id, published_at]``, in that order): the
        page is found on a few columns, then its rows are read whole, at their
        times (the min-max index and the primary key keep the granules of
        those times only; a post keeps its time in every version) and by id,
        the last version of each
        (:data:`~veille.store.clickhouse.filters.NEWEST_VERSION`). Bounds
        from the first time to the last read every granule between that the
        bloom filter does not rule out: 10 posts over 300 days of 1M posts
        took 190 ms of CPU that way, 110 this way (as fast over 30 days).
        ``columns``: :data:`~veille.store.clickhouse.rows.READ_COLUMNS` or
        another list in its places (the others given empty)."""
        if not keys:
            return []
        rows = self.rows(
            f"SELECT {columns} FROM posts WHERE published_at IN {{at:Array(Int64)}} "
            f"AND id IN {{ids:Array(String)}} {NEWEST_VERSION}",
            {"at": sorted({k[1] for k in keys}), "ids": [k[0] for k in keys]},
        )
        found = {r[0]: to_post(r) for r in rows}
        return [found[k[0]] for k in keys if k[0] in found]

    def posts_shown(self, keys: Sequence[PostKey]) -> list[Post]:
        """:meth:`posts_at` on the columns a list of posts shows
        (:data:`~veille.store.clickhouse.rows.SHOWN_COLUMNS`, the others
        empty): each column read costs the granule that holds each post, and
        the raw payload, the entities and the rest are not shown (the 20
        posts of a report: 19-22 ms of CPU whole, 11-14 so, at 2M posts)."""
        if not keys:
            return []
        rows = self.rows(
            f"SELECT {SHOWN_COLUMNS} FROM posts WHERE published_at IN {{at:Array(Int64)}} "
            f"AND id IN {{ids:Array(String)}} {NEWEST_VERSION}",
            {
                "at": sorted({int(k.published_at) for k in keys}),
                "ids": sorted({k.id for k in keys}),
            },
        )
        found = {r[0]: to_post(r) for r in rows}
        return [found[k.id] for k in keys if k.id in found]

    def count_matches(
        self, query: Any, flt: PostFilter | None = None, *, at_most: int | None = None
    ) -> int:
        node = query_node(query)
        compiled = to_clickhouse(node)
        where = filter_where(flt, compiled.params)
        cond = where.and_("(" + compiled.sql + ")")
        if compiled.exact:
            sql = f"SELECT count() FROM {POSTS} WHERE {cond}"
            state = self._posts_state()
            key = (sql, tuple(sorted((k, repr(v)) for k, v in compiled.params.items())), state)
            found = self._kept_counts.get(key) if state is not None else None
            if found is None:
                found = int(self.rows(sql, compiled.params)[0][0])
                if state is not None:
                    self._kept_counts.put(key, found)
            return found
        check = checker(node)
        sql = f"SELECT {READ_COLUMNS} FROM {POSTS} WHERE {cond} ORDER BY id"
        counted = 0
        for row in self._pages(sql, compiled.params):
            if check(to_post(row)):
                counted += 1
                if at_most is not None and counted > at_most:
                    break  # "more than at_most": the rest is not read
        return counted

    @property
    def _kept_counts(self) -> KeptCounts:
        found: KeptCounts | None = self.__dict__.get("_counts_kept")
        if found is None:
            found = self.__dict__["_counts_kept"] = KeptCounts()
        return found

    def _posts_state(self) -> tuple[int, ...] | None:
        """What changes whenever ``posts`` does (an insert's new block number,
        a mutation's data version, a part dropped), read from the table's
        parts (2 ms at 10M posts, where a count of a word took 38); ``None``
        where this server keeps no part of ``posts`` (a Distributed table
        over a cluster, or no right to read ``system.parts``): nothing kept."""
        try:
            parts, block, version, rows = self.rows(
                "SELECT count(), max(max_block_number), max(data_version), sum(rows) "
                "FROM system.parts WHERE database = currentDatabase() AND table = 'posts' "
                "AND active"
            )[0]
        except StoreError:
            return None
        return (int(parts), int(block), int(version), int(rows)) if int(parts) else None

    def matching_ids(self, node: Any, where_sql: str, params: dict[str, Any]) -> list[str]:
        """Ids of the posts under ``where_sql`` that ``node`` matches in memory."""
        check = checker(node)
        sql = f"SELECT {READ_COLUMNS} FROM {POSTS} WHERE {where_sql} ORDER BY id"
        return [row[0] for row in self._pages(sql, params) if check(to_post(row))]
