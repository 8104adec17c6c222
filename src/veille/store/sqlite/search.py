"""SQLite implementation of veille.store.protocols.search: posts found by a
query compiled to SQL (:mod:`veille.store.sqlite.compiler`) over FTS5."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from veille.models import Post
from veille.store.base import PostFilter
from veille.store.kept import KeptCounts
from veille.store.protocols.search import check_sort, query_node
from veille.store.sqlite.compiler import (
    fts_driver,
    ranked_by_driver,
    relevance_expr,
    to_sqlite,
    words_match,
)
from veille.store.sqlite.filters import filter_sql, key_range, translate_error
from veille.store.sqlite.rows import POST_COLUMNS, row_to_post
from veille.textnorm import tokens

if TYPE_CHECKING:
    from veille.analytics.scope import Scope


#: A post looked up in the full-text index by its key: the condition of an
#: engagement walk over a very common word's posts (see ``_walk_engagement``).
PROBE = "EXISTS (SELECT 1 FROM posts_fts f WHERE f.rowid = p.pk AND posts_fts MATCH ?)"
#: What one such lookup costs, in entries of the list of a word's posts read
#: whole (measured at 1M posts: about 400).
PROBE_COST = 400


class SQLiteSearch:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection
    path: str
    #: By relevance, a query no expression scores on its matches alone has
    #: the posts holding its words scored first, the others read only when
    #: those do not fill the page (False: every post read and each match
    #: sorted, the plan before, which bench/relevance.py times beside it).
    words_first = True

    if TYPE_CHECKING:  # provided by the analytics class the store mixes in

        def _count(self, scope: Scope) -> int:
            """Posts of ``scope``, from the rollups where they answer."""
            ...

    def search_text(
        self, text: str, flt: PostFilter | None = None, *, limit: int = 50
    ) -> list[Post]:
        words = tokens(text)
        if not words:
            return []
        match = " ".join(f'"{w}"' for w in words)
        where, params = filter_sql(flt, "p")
        rows = self.conn.execute(
            f"SELECT {', '.join('p.' + c for c in POST_COLUMNS[1:])} FROM posts p "
            "WHERE p.pk IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?) "
            f"AND {where} ORDER BY p.published_at DESC LIMIT ?",
            [match, *params, limit],
        )
        return [row_to_post(r) for r in rows]

    def search(
        self,
        query: Any,
        flt: PostFilter | None = None,
        sort: str = "newest",
        limit: int = 50,
        *,
        shown: bool = False,
    ) -> list[Post]:
        """Posts matching ``query`` (query text, a compiled Query or an AST node)
        and ``flt``; ``sort`` is ``newest``, ``relevance`` or ``engagement``
        (``shown``: read whole all the same, a row at a time costs no more)."""
        node = query_node(query)
        check_sort(sort)
        where, params = filter_sql(flt, "p")
        cols = ", ".join("p." + c for c in POST_COLUMNS[1:])
        order = "p.published_at DESC, p.pk DESC"
        try:
            if sort == "newest":
                return self._search_newest(node, where, params, cols, limit, flt)
            rank = relevance_expr(node) if sort == "relevance" else None
            if rank is not None:
                return self._search_relevance(node, rank, flt, where, params, cols, limit)
            qsql, qparams = to_sqlite(node)
            hint = ""
            if sort == "engagement":
                order = "(p.likes + p.shares + p.replies) DESC, " + order
                walk = self._walk_engagement(node, flt, limit)
                if walk:
                    hint = " INDEXED BY posts_engagement"
                if walk == "probe":
                    # Each post the walk meets is looked up in the index's
                    # list of the words, instead of that list read whole first.
                    driven = fts_driver(node)
                    assert driven is not None  # a probing walk is of a query the index says whole
                    qsql, qparams = PROBE, [driven[0]]
            sql = (
                f"SELECT {cols} FROM posts p{hint} WHERE ({qsql}) AND {where} "
                f"ORDER BY {order} LIMIT ?"
            )
            rows = self.conn.execute(sql, [*qparams, *params, limit]).fetchall()
        except sqlite3.OperationalError as exc:
            raise translate_error(exc, self.path) from exc
        return [row_to_post(r) for r in rows]

    def _search_relevance(
        self,
        node: Any,
        rank: str,
        flt: PostFilter | None,
        where: str,
        params: list[Any],
        cols: str,
        limit: int,
    ) -> list[Post]:
        """Best bm25 of the query's words (``rank``) first, then newest.

        FTS5 scores every post holding one of the words: only those of the
        period are looked at (posts are keyed by time, so the period is a
        range of the index's rowids). When an expression that finds the
        matches scores them as the words would
        (:func:`veille.store.sqlite.compiler.ranked_by_driver`: ``lumio``,
        ``lumio lang:fr``, ``(lumio OR vexa) panne``), one walk of the index
        finds and scores them: a word in 47% of 1M posts, over all time,
        took 844 ms, this about half. One that finds more posts (a phrase's
        words, ``title:lumio``'s word in any column) scores those, not every
        post holding one of the words. When the index answers the whole
        search (the query's words, no platform or language, no deleted post
        left in it), the best keys are taken from the index alone and only
        their posts are read: 646 -> 320 ms for that word.
        """
        since = None if flt is None or flt.since is None else int(flt.since.timestamp())
        until = None if flt is None or flt.until is None else int(flt.until.timestamp())
        keys, kparams = key_range(flt, "rowid")  # the period's rowids in the index
        order = "p.published_at DESC, p.pk DESC"
        # An expression that finds the matches (and maybe more, which the
        # rest drops) and scores them as the ranked words would. When it is
        # the query's own (its rest is the driver's), the index walks it and
        # only the matches are scored. Otherwise (a phrase's words, a word of
        # one column) the matches are found first, and it scores those of
        # its posts (fewer than those holding one of the words) that are.
        by = ranked_by_driver(node)
        driven = fts_driver(node)
        said = by is not None and driven is not None and by[1] == driven[1]
        alone = (
            said
            and by is not None
            and by[1] is None
            and not (flt is not None and (flt.platforms or flt.languages))
            and self.conn.execute("SELECT 1 FROM posts_fts_pending LIMIT 1").fetchone() is None
        )
        if by is not None and alone:
            # Keys in time order, so rowid DESC is newest first (as ``order``).
            sql = (
                f"SELECT {cols} FROM (SELECT rowid AS k, rank AS r FROM posts_fts "
                f"WHERE posts_fts MATCH ?{keys} ORDER BY rank, rowid DESC "
                "LIMIT ?) f CROSS JOIN posts p ON p.pk = f.k ORDER BY f.r, f.k DESC"
            )
            args = [by[0], *kparams, limit]
        elif said and by is not None:
            match, rest = by
            rest_sql, rest_params = (
                ("1", []) if rest is None else to_sqlite(rest, since=since, until=until)
            )
            sql = (
                f"SELECT {cols} FROM posts_fts f CROSS JOIN posts p ON p.pk = f.rowid "
                f"WHERE posts_fts MATCH ?{key_range(flt, 'f.rowid')[0]} AND ({rest_sql}) "
                f"AND {where} ORDER BY f.rank, {order} LIMIT ?"
            )
            args = [match, *kparams, *rest_params, *params, limit]
        elif by is None and self.words_first:
            # Every post holding one of the words is scored (the words'
            # own expression: its posts are all that have a score), and
            # the query checked on each; every other match scores 0, after
            # them (bm25 is below 0 on a post holding a word), newest
            # first: read only when the scored ones do not fill the page
            # (``lumio OR lang:fr``: the French posts without ``lumio``).
            # Before, every post was read and each match sorted. When each
            # post holding a word matches (``lumio OR lang:fr``), the query
            # is not checked on those (its words' list read for each).
            qsql, qparams = to_sqlite(node, since=since, until=until)
            every = words_match(node)
            if (
                every
                and not (flt is not None and (flt.platforms or flt.languages))
                and (
                    self.conn.execute("SELECT 1 FROM posts_fts_pending LIMIT 1").fetchone() is None
                )
            ):
                # The index answers that part whole: its best keys, as above.
                sql = (
                    f"SELECT p.pk, {cols} FROM (SELECT rowid AS k, rank AS r FROM posts_fts "
                    f"WHERE posts_fts MATCH ?{keys} ORDER BY rank, rowid DESC "
                    "LIMIT ?) f CROSS JOIN posts p ON p.pk = f.k ORDER BY f.r, f.k DESC"
                )
                got = self.conn.execute(sql, [rank, *kparams, limit]).fetchall()
            else:
                check, cparams = ("1", []) if every else (qsql, qparams)
                sql = (
                    f"SELECT p.pk, {cols} FROM posts_fts f CROSS JOIN posts p "
                    f"ON p.pk = f.rowid WHERE posts_fts MATCH ?{key_range(flt, 'f.rowid')[0]} "
                    f"AND ({check}) AND {where} ORDER BY f.rank, {order} LIMIT ?"
                )
                got = self.conn.execute(sql, [rank, *kparams, *cparams, *params, limit]).fetchall()
            if len(got) < limit:
                sql = (
                    f"SELECT p.pk, {cols} FROM posts p WHERE ({qsql}) AND {where} "
                    f"AND p.pk NOT IN (SELECT value FROM json_each(?)) ORDER BY {order} LIMIT ?"
                )
                seen = json.dumps([r[0] for r in got])
                got += self.conn.execute(
                    sql, [*qparams, *params, seen, limit - len(got)]
                ).fetchall()
            return [row_to_post(r[1:]) for r in got]
        else:
            qsql, qparams = to_sqlite(node, since=since, until=until)
            sql = (
                f"SELECT {cols} FROM posts p LEFT JOIN (SELECT rowid AS r_pk, rank AS r_rank "
                f"FROM posts_fts WHERE posts_fts MATCH ?{keys}) r "
                "ON r.r_pk = p.pk "
                f"WHERE ({qsql}) AND {where} ORDER BY coalesce(r.r_rank, 0), {order} LIMIT ?"
            )
            args = [rank if by is None else by[0], *kparams, *qparams, *params, limit]
        rows = self.conn.execute(sql, args).fetchall()
        return [row_to_post(r) for r in rows]

    def _search_newest(
        self,
        node: Any,
        where: str,
        params: list[Any],
        cols: str,
        limit: int,
        flt: PostFilter | None = None,
    ) -> list[Post]:
        """Newest first.

        Posts are keyed by time, so when the full-text index can drive the
        query (its words, see :func:`veille.store.sqlite.compiler.fts_driver`), FTS5
        walks its lists from the newest key of the filter's period (a page
        further on, or a stream that ends in the past, starts where it ends:
        it walked every newer post of the words before) and the walk stops
        at ``limit`` posts that pass the rest. Otherwise the last day, week, month… are
        looked at until ``limit`` are found, each window bounding the
        full-text lookups to its keys: counted back from the filter's end
        where it ends before the newest post (a month long ago), and the
        last one looked at is the first that covers the filter's start.
        """
        driven = fts_driver(node)
        if driven is not None:
            match, rest = driven
            rest_sql, rest_params = ("1", []) if rest is None else to_sqlite(rest)
            keys, kparams = key_range(flt, "f.rowid")
            rows = self.conn.execute(
                f"SELECT {cols} FROM posts_fts f CROSS JOIN posts p ON p.pk = f.rowid "
                f"WHERE posts_fts MATCH ?{keys} AND ({rest_sql}) AND {where} "
                "ORDER BY f.rowid DESC LIMIT ?",
                [match, *kparams, *rest_params, *params, limit],
            ).fetchall()
            return [row_to_post(r) for r in rows]
        newest = self.conn.execute("SELECT max(published_at) FROM posts").fetchone()[0]
        if newest is None:
            return []
        if flt is not None and flt.until is not None:
            newest = min(newest, int(flt.until.timestamp()))
        start = int(flt.since.timestamp()) if flt is not None and flt.since is not None else None
        for span in (86_400, 7 * 86_400, 31 * 86_400, 183 * 86_400, None):
            if span is not None and start is not None and newest - span <= start:
                span = newest - start  # every post the filter lets in: the last look
            if span is None:
                qsql, qparams = to_sqlite(node)
                window, wparams = "1", []
            else:
                cutoff = newest - span
                qsql, qparams = to_sqlite(node, since=cutoff)
                window, wparams = "p.published_at >= ?", [cutoff]
            rows = self.conn.execute(
                f"SELECT {cols} FROM posts p WHERE ({qsql}) AND {where} AND {window} "
                "ORDER BY p.published_at DESC, p.pk DESC LIMIT ?",
                [*qparams, *params, *wparams, limit],
            ).fetchall()
            if len(rows) >= limit or span is None or newest - span == start:
                return [row_to_post(r) for r in rows]
        return []  # pragma: no cover - the last window has no bound

    def count_matches(
        self, query: Any, flt: PostFilter | None = None, *, at_most: int | None = None
    ) -> int:
        node = query_node(query)
        counted = self._count_in_index(node, flt)
        if counted is not None:
            return counted
        where, params = filter_sql(flt, "p")
        driven = fts_driver(node)
        if at_most is not None and driven is not None:
            # The index's words drive the walk (newest first) and it stops
            # one past ``at_most``: the rest is checked on those posts only.
            match, rest = driven
            rest_sql, rest_params = ("1", []) if rest is None else to_sqlite(rest)
            sql = (
                "SELECT count(*) FROM (SELECT 1 FROM posts_fts f CROSS JOIN posts p "
                f"ON p.pk = f.rowid WHERE posts_fts MATCH ? AND ({rest_sql}) AND {where} "
                "LIMIT ?)"
            )
            args = [match, *rest_params, *params, at_most + 1]
        else:
            qsql, qparams = to_sqlite(node)
            sql = f"SELECT count(*) FROM posts p WHERE ({qsql}) AND {where}"
            args = [*qparams, *params]
            if at_most is not None:
                sql = (
                    f"SELECT count(*) FROM (SELECT 1 FROM posts p WHERE ({qsql}) AND {where} "
                    "LIMIT ?)"
                )
                args.append(at_most + 1)
        try:
            row = self.conn.execute(sql, args).fetchone()
        except sqlite3.OperationalError as exc:
            raise translate_error(exc, self.path) from exc
        return int(row[0])

    def _walk_engagement(self, node: Any, flt: PostFilter | None, limit: int) -> str:
        """How the most engaging matches are found: ``""``, by reading every
        match to sort them; ``"list"``, by walking the engagement index until
        ``limit`` of them, each post checked against the list of the matches
        read first from the full-text index (when the query's words are in
        at least 1% of the posts: a walk of about a hundred times ``limit``
        entries); ``"probe"``, walking it and looking each post up in the
        full-text index, when the words are so common that reading their list
        costs more than the lookups of the walk (a lookup costs about 400
        entries of the list). At 1M posts, ``lumio`` (471,110 matches): 24 ms
        probed, 290 ms with the list read first, 324 ms reading every match;
        a word in 1.2% of them, 1 ms with the list, 60 ms probed. Only a query
        of words alone and a period: another condition (a platform, a
        language, more of the query) could keep few of the word's posts, or
        have an index of its own that finds them at once, where the walk
        would go through the whole index."""
        if flt is not None and (flt.platforms or flt.languages):
            return ""
        driven = fts_driver(node)
        if driven is None or driven[1] is not None:
            return ""
        from veille.analytics.scope import Scope

        matches = self._index_count(driven[0], flt)
        total = self._count(Scope())
        if matches is None or matches <= limit or matches < 0.01 * total:
            return ""
        walked = limit * total / matches  # the entries the walk meets, about
        return "probe" if walked * PROBE_COST <= matches else "list"

    def _count_in_index(self, node: Any, flt: PostFilter | None) -> int | None:
        """How many posts match, counted on the full-text index alone when it
        answers the whole query (its words; no platform or language filter):
        posts are keyed by time, so a period is a range of the index's rowids,
        and the posts table is never read (20 times faster on a common word
        over a million posts, where the search API counts each first page).
        None when the query needs the posts, or while deleted posts are still
        in the index (until the store's next write).

        A count is kept (in this store's :class:`KeptCounts`) with the index's structure
        record, which every write to the index replaces (a new segment, a
        merge, a deletion: FTS5 never changes a segment in place without
        ``secure-delete``, which this store does not set): the same count asked
        again before the next write is not counted again."""
        if flt is not None and (flt.platforms or flt.languages):
            return None
        driven = fts_driver(node)
        if driven is None or driven[1] is not None:
            return None
        return self._index_count(driven[0], flt)

    def _index_count(self, match: str, flt: PostFilter | None) -> int | None:
        """How many posts of ``flt``'s period hold the full-text ``match`` (its
        other filters aside), kept as :meth:`_count_in_index` says; None
        while deleted posts are still in the index."""
        keys, bounds = key_range(flt, "rowid")
        sql = f"SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?{keys}"
        args: list[Any] = [match, *bounds]
        try:
            if self.conn.execute("SELECT 1 FROM posts_fts_pending LIMIT 1").fetchone():
                return None
            # Read before counting: a write in between files the new count
            # under the old structure, which no later reader sees again.
            state = self.conn.execute(
                "SELECT block FROM posts_fts_data WHERE id = ?", [_STRUCTURE_ID]
            ).fetchone()
            key = (match, keys, *bounds, bytes(state[0]) if state else b"")
            found = self._index_counts().get(key)
            if found is not None:
                return found
            counted = int(self.conn.execute(sql, args).fetchone()[0])
        except sqlite3.OperationalError as exc:
            raise translate_error(exc, self.path) from exc
        self._index_counts().put(key, counted)
        return counted

    def _index_counts(self) -> KeptCounts:
        """This store's kept counts (its own: two databases made one after the
        other at one path, or two in memory, may hold different posts under
        the same index structure; no cache is shared by the module)."""
        found: KeptCounts | None = getattr(self, "_index_counts_kept", None)
        if found is None:
            found = self._index_counts_kept = KeptCounts()
        return found


#: FTS5 keeps its structure (the list of segments) in the ``_data`` row 10.
_STRUCTURE_ID = 10


class SQLiteSearchTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection
