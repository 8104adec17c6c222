"""ClickHouse implementation of :mod:`veille.store.protocols.analytics`.

An aggregation is one ``GROUP BY`` over ``posts FINAL`` under the scope
(:func:`veille.store.clickhouse.filters.scope_where`), where a column store
reads only the columns it names; the day rollups answer whole days of an
unrestricted scope (:mod:`veille.store.clickhouse.rollups`), and a saved
topic alone reads the copies of its posts its filings carry
(:meth:`ClickHouseAnalytics.source`). A scope whose query ClickHouse says
only approximately (``NEAR``) becomes the ids the in-memory engine accepts
among its candidates. The top lists (authors, entities, stories) are
:class:`~veille.store.clickhouse.tops.ClickHouseTops`, which this extends, the
headline figures :class:`~veille.store.clickhouse.headline.ClickHouseHeadline`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.models import Post
from veille.store.clickhouse import rollups
from veille.store.clickhouse.filters import NEWEST_VERSION, POSTS, filter_where, scope_where
from veille.store.clickhouse.headline import ClickHouseHeadline
from veille.store.clickhouse.purged import SHOWN
from veille.store.clickhouse.quarters import (
    QUARTER,
    after_1970,
    bucket_sql,
    dimensions,
    floor_div,
    known_totals,
    purged_moods_sql,
    purged_sql,
    quarter_bounds,
    rollup_dims,
    rollup_filters,
    rollup_rows,
)
from veille.store.clickhouse.rollups import whole_days
from veille.store.clickhouse.rows import READ_COLUMNS, to_post
from veille.store.clickhouse.tops import ENG, FOLLOWED, GIVEN, REACH, ClickHouseTops
from veille.store.protocols.analytics import (
    PostKey,
)

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope

NEWEST = "published_at DESC, seq DESC"
# A top list read whole in one query (``ORDER BY … LIMIT`` over ``posts
# FINAL``): ClickHouse's lazy materialization (on by default since 25.4,
# older than the text index the posts need) reads the columns the order
# names for every matching row and the others for the rows kept only, by
# their place in their part. The two settings keep it on whatever the
# server's profile says, for any limit (0: none). Its ids first, then the
# posts by id and time (``posts_at``, a query more, with index lookups),
# took 37 to 40 ms of CPU for the bench's top 10 at 2M posts (best of 12); this, 31 to 36.
LAZY_ROWS = (
    "SETTINGS query_plan_optimize_lazy_materialization = 1, "
    "query_plan_max_limit_for_lazy_materialization = 0"
)
_POST_ORDERS = {"engagement": ENG, "reach": REACH}
_POST_GIVEN = {"engagement": "counts_given != 0", "reach": "isNotNull(author_followers)"}


class ClickHouseAnalytics(ClickHouseHeadline, ClickHouseTops):
    """Mixed into :class:`veille.store.clickhouse.store.ClickHouseStore`."""

    def scoped(self, scope: Scope) -> tuple[str, dict[str, Any]]:
        """``scope`` as an exact condition over ``posts`` and its parameters."""
        where = scope_where(scope)
        if not where.inexact:
            return where.sql, where.params
        from veille.query.ast import And

        node = where.inexact[0] if len(where.inexact) == 1 else And(tuple(where.inexact))
        ids = self.matching_ids(node, where.sql, where.params)
        where.params["scope_ids"] = ids
        return f"{where.sql} AND id IN {{scope_ids:Array(String)}}", where.params

    def source(self, scope: Scope) -> tuple[str, str, dict[str, Any]]:
        """What an aggregation under ``scope`` reads (``posts FINAL``, or a
        saved topic's filings, which carry copies of their posts: see
        ``schema.TOPIC_FILINGS``), its condition there and its parameters."""
        if (
            scope.topic_id is not None
            and scope.topics == (scope.topic_id,)
            and not (scope.queries or scope.words or scope.scan)
        ):
            where = filter_where(scope.flt)
            where.params["src_topic"] = scope.topic_id
            filed = where.and_("topic_id = {src_topic:Int64} AND filed = 1")
            return "topic_filings FINAL", filed, where.params
        where_sql, params = self.scoped(scope)
        return POSTS, where_sql, params

    if TYPE_CHECKING:  # provided by the store class this is mixed into

        def matching_ids(self, node: Any, where_sql: str, params: dict[str, Any]) -> list[str]: ...

        def posts_at(self, keys: list[list[Any]]) -> list[Post]: ...

    def posts_by_id(self, ids: Sequence[str]) -> dict[str, Post]:
        if not ids:
            return {}
        rows = self.rows(
            f"SELECT {READ_COLUMNS} FROM posts WHERE id IN {{ids:Array(String)}} {NEWEST_VERSION}",
            {"ids": list(ids)},
        )
        return {r[0]: to_post(r) for r in rows}

    # -- volume ---------------------------------------------------------------

    def post_totals(
        self, scope: Scope, dims: tuple[str, ...] = (), buckets: Any = False
    ) -> list[tuple[Any, ...]]:
        return self._totals(scope, dims, buckets)

    def post_count(self, scope: Scope) -> int:
        """``post_totals(scope)``'s posts, without summing engagement and
        reach (a count needs neither)."""
        rows = self._totals(scope, (), False, counts_only=True)
        return int(rows[0][-3]) if rows else 0

    def _totals(
        self, scope: Scope, dims: tuple[str, ...], buckets: Any, *, counts_only: bool = False
    ) -> list[tuple[Any, ...]]:
        """:meth:`post_totals`; ``counts_only``: engagement and reach left at
        0 (not read: a volume chart under a query took 21 ms where the three
        sums took 33, at 3M posts)."""
        if (
            not scope.restricted
            and len(rollup_dims(scope.flt, dims)) <= 2
            and after_1970(scope.flt)
        ):
            # Bounds off the quarter-hours (a custom period, a KPI's window):
            # its whole quarter-hours from the rollup too, as SQLite reads
            # them; from the posts held, a retention purge's posts went
            # missing from every figure of the period.
            edged: dict[str, Any] = {}
            rows = rollup_rows(scope.flt, edged)
            if rows is not None:
                return self._rollup_totals(scope, dims, buckets, (rows, edged))
            if all(
                t is None or int(t.timestamp()) % QUARTER == 0
                for t in (scope.flt.since, scope.flt.until)
            ):
                return self._rollup_totals(scope, dims, buckets)
        src, where, params = self.source(scope)
        cols: list[str] = []
        if buckets is not False:
            q = floor_div("published_at", QUARTER)
            cols.append(q if buckets is True else bucket_sql(buckets, q))
        cols.extend(f"ifNull({d}, '')" for d in dimensions(dims))
        keys = [f"k{i}" for i in range(len(cols))]
        sums = [
            "toInt64(0) AS e", "toInt64(0) AS r", "toInt64(0) AS g", "toInt64(0) AS f"
        ] if counts_only else [
            f"toInt64(sum({ENG})) AS e", f"toInt64(sum({REACH})) AS r", f"{GIVEN} AS g",
            f"{FOLLOWED} AS f",
        ]  # fmt: skip
        named = [f"{c} AS {k}" for c, k in zip(cols, keys, strict=True)]
        sel = ", ".join([*named, "toInt64(count()) AS n", *sums])
        group = f" GROUP BY {', '.join(keys)}" if keys else ""
        sql = f"SELECT {sel} FROM {src} WHERE {where}{group}"
        # With what retention purges took out of a saved topic, in the same
        # query, and how many of those posts gave counts and followers (as
        # the purge found them: see schema.TOPIC_PURGED).
        gone = "sum(posts), 0, 0, 0, 0" if counts_only else (
            "sum(posts), sum(engagement), sum(reach), sum(counted), sum(followed)"
        )  # fmt: skip
        purged = purged_sql(scope, dims, buckets, gone)
        if purged:
            lead = "".join(f"{k}, " for k in keys)
            sql = (
                f"SELECT {lead}sum(n), sum(e), sum(r), sum(g), sum(f) "
                f"FROM ({sql} UNION ALL {purged[0]}){group}"
            )
            params.update(purged[1])
        return known_totals(self.rows(sql, params))

    def gave_counts(self, scope: Scope) -> tuple[bool, bool]:
        """Whether some post of ``scope`` (bounded to a period) gave like,
        share and reply counts, and some its author's follower count, from
        ``post_rollup`` (its ``counted`` and ``followed``); where the rollup
        does not answer, ``(True, True)`` unread (the caller then asks the
        posts, as it would without this). A top list read from a rollup that
        keeps an unknown count as 0 needs not ask the posts which 0s are
        known where none can be (a workspace of feeds)."""
        f = scope.flt
        if (
            scope.restricted
            or f.since is None
            or f.until is None
            or any(int(t.timestamp()) % QUARTER for t in (f.since, f.until))
            or len(rollup_dims(f, ())) > 2
            or not after_1970(f)
        ):
            return (True, True)
        rows = self._rollup_totals(scope, (), False)
        return (rows[0][-2] is not None, rows[0][-1] is not None) if rows else (False, False)

    def _rollup_totals(
        self,
        scope: Scope,
        dims: tuple[str, ...],
        buckets: Any,
        rows: tuple[str, dict[str, Any]] | None = None,
    ) -> list[tuple[Any, ...]]:
        """:meth:`post_totals` of an unrestricted scope whose bounds fall on
        quarter-hours, involving at most two dimensions (:func:`rollup_dims`),
        from ``post_rollup`` (the same answer as a scan); or from ``rows``
        (:func:`rollup_rows`' ``SELECT`` and its parameters) where they do not."""
        clauses: list[str]
        if rows is not None:
            clauses, params = [], rows[1]
            table = f"({rows[0]})"
        else:
            clauses, params = quarter_bounds(scope.flt)
            clauses.extend(rollup_filters(scope.flt, params))
            table = "post_rollup"
        cols: list[str] = []
        if buckets is not False:
            cols.append("bucket" if buckets is True else bucket_sql(buckets, "bucket"))
        cols.extend(dimensions(dims))
        keys = [f"k{i}" for i in range(len(cols))]
        sel = ", ".join(
            [*(f"{c} AS {k}" for c, k in zip(cols, keys, strict=True)),
             "sum(posts) AS n", "sum(engagement)", "sum(reach)", "sum(counted)",
             "sum(followed)"]
        )  # fmt: skip
        group = f" GROUP BY {', '.join(keys)}" if keys else ""
        where = " AND ".join(clauses) or "1"
        return known_totals(self.rows(f"SELECT {sel} FROM {table} WHERE {where}{group}", params))

    def posts_per_bucket(
        self, scope: Scope, period: Period, buckets: Any, starts: list[datetime]
    ) -> list[tuple[int, int]]:
        # The caller bounds ``scope`` to ``period`` (as SQLite expects too); a
        # saved topic alone is counted in its filings (see source()).
        return [(r[0], r[1]) for r in self._totals(scope, (), buckets, counts_only=True)]

    def window_totals(
        self, scope: Scope, periods: Sequence[Period]
    ) -> list[tuple[int, int | None]]:
        """One pass over the posts of every period (or the rollups), grouped
        by period: :meth:`headline_figures`."""
        return [(int(f["posts"]), f["engagement"]) for f in self.headline_figures(scope, periods)]

    def posts_begin(self) -> datetime | None:
        # Without FINAL: FINAL collapses the versions of a post, which keep
        # its publication time (its day is in the sort key), and deleted
        # posts are gone from a plain read too. 5.8 against 81 ms at 300,000 posts
        # in chDB; the dashboard and every report read it.
        n, first = self.rows("SELECT count(), min(published_at) FROM posts", {})[0]
        return datetime.fromtimestamp(first, UTC) if n else None

    def topic_counts_begin(self, topic_id: int) -> datetime | None:
        # Its filings of the posts held, and what purges took out (topic_purged).
        p = {"t": topic_id}
        held = self.rows(
            "SELECT count(), min(published_at) FROM topic_filings FINAL "
            "WHERE topic_id = {t:Int64} AND filed = 1",
            p,
        )[0]
        gone = self.rows(
            "SELECT count(), min(bucket) FROM (SELECT bucket, sum(posts) AS n FROM topic_purged "
            f"WHERE topic_id = {{t:Int64}} AND {SHOWN} GROUP BY bucket HAVING n > 0)",
            p,
        )[0]
        found = [int(held[1]) // QUARTER] if held[0] else []
        if gone[0]:
            found.append(int(gone[1]))
        return datetime.fromtimestamp(min(found) * QUARTER, UTC) if found else None

    def sentiment_totals(self, scope: Scope, period: Period) -> tuple[int, int, int]:
        if not scope.restricted:
            c = {"positive": 0, "negative": 0, "neutral": 0}
            for label, posts, _e, _r in self.post_totals(scope.during(period), ("sentiment",)):
                if label in c:
                    c[label] += posts
            return c["positive"], c["negative"], c["neutral"]
        bounded = scope.during(period)
        src, where, params = self.source(bounded)
        sql = (
            "SELECT toInt64(countIf(sentiment = 'positive')), "
            "toInt64(countIf(sentiment = 'negative')), "
            f"toInt64(countIf(sentiment = 'neutral')) FROM {src} WHERE {where}"
        )
        # A saved topic's sentiment of the posts retention purges took out,
        # as its volume counts them (topic_purged).
        sums = "toInt64(sum(positive)), toInt64(sum(negative)), toInt64(sum(neutral))"
        purged = purged_sql(bounded, (), False, sums)
        if purged is not None:
            params.update(purged[1])
            sql = f"{sql} UNION ALL {purged[0]}"
        rows = self.rows(sql, params)
        return tuple(sum(int(r[i] or 0) for r in rows) for i in range(3))  # type: ignore[return-value]

    def purged_sentiment(
        self, scope: Scope, buckets: Any = False, *, unscored: bool = True
    ) -> list[tuple[Any, ...]]:
        """What retention purges took out of ``scope``'s saved topic, by
        sentiment (:func:`~veille.store.clickhouse.quarters.purged_moods_sql`)."""
        query = purged_moods_sql(scope, buckets, unscored=unscored)
        if query is None:
            return []
        return [
            tuple(int(v) if isinstance(v, int) else str(v) for v in r) for r in self.rows(*query)
        ]

    # -- top lists ------------------------------------------------------------

    def top_posts(
        self, scope: Scope, *, by: str = "engagement", limit: int = 10, unclustered: bool = False
    ) -> list[Post]:
        src, where, params = self.source(scope)
        extra = " AND isNull(cluster_id)" if unclustered else ""
        # A post that gave no count (held as 0) after those that gave 0.
        given = _POST_GIVEN[by]
        order = f"ORDER BY {_POST_ORDERS[by]} DESC, {given} DESC, {NEWEST} LIMIT {{lim:UInt64}}"
        params["lim"] = limit
        if src == POSTS:
            # Whole rows in one query: ClickHouse sorts the matching rows on
            # the order's columns, then reads the other columns of the
            # ``limit`` rows kept only (see LAZY_ROWS).
            rows = self.rows(
                f"SELECT {READ_COLUMNS} FROM {src} WHERE {where}{extra} {order} {LAZY_ROWS}",
                params,
            )
            return [to_post(r) for r in rows]
        # A saved topic's copies hold some columns only: their keys, then the
        # posts whole.
        return self.posts_at(
            self.rows(f"SELECT id, published_at FROM {src} WHERE {where}{extra} {order}", params)
        )

    def top_post_keys(
        self, scope: Scope, *, by: str = "engagement", limit: int = 10, unclustered: bool = False
    ) -> list[PostKey]:
        """:meth:`top_posts` on the few columns a list ranks by: their rows
        are read once, with the other lists' (:meth:`posts_shown`)."""
        src, where, params = self.source(scope)
        extra = " AND isNull(cluster_id)" if unclustered else ""
        given = _POST_GIVEN[by]
        params["lim"] = limit
        rows = self.rows(
            f"SELECT id, published_at, platform, author_followers, "
            f"if(counts_given != 0, {ENG}, NULL) FROM {src} WHERE {where}{extra} "
            f"ORDER BY {_POST_ORDERS[by]} DESC, {given} DESC, {NEWEST} LIMIT {{lim:UInt64}}",
            params,
        )
        return [PostKey(i, int(at), pf, f, e) for i, at, pf, f, e in rows]

    def story_count(self, scope: Scope) -> int:
        days = whole_days(scope)
        if days is not None:
            # The whole workspace: its clusters from the cluster rollup (as
            # its top stories), its posts from the post rollup.
            union = days.union(
                "cluster_rollup",
                rollups.CLUSTER_ROLLUP,
                rollups.CLUSTER_POST,
                extra="isNotNull(cluster_id)",
            )
            clusters, clustered = self.rows(
                "SELECT count(), sum(p) FROM (SELECT cluster_id, sum(posts) AS p "
                f"FROM ({union}) GROUP BY cluster_id HAVING p > 0)",
                days.params,
            )[0]
            totals = self.post_totals(scope)
            posts = totals[0][-3] if totals else 0
            return int(posts) - int(clustered or 0) + int(clusters)
        src, where, params = self.source(scope)
        sql = (
            "SELECT toInt64(count() - count(cluster_id) + uniqExact(cluster_id)) "
            f"FROM {src} WHERE {where}"
        )
        # A saved topic's posts that retention purges took out, a story each
        # (their clusters are not kept), as its volume and SQLite count them.
        purged = purged_sql(scope, (), False, "toInt64(sum(posts))")
        if purged is not None:
            params.update(purged[1])
            sql = f"{sql} UNION ALL {purged[0]}"
        return sum(int(r[0] or 0) for r in self.rows(sql, params))

    def keep_columns(self) -> Any:
        """A column store reads columns already: nothing to keep."""
        return None

    def drop_columns(self) -> None:
        return None

    def posts_by_source(self, scope: Scope) -> dict[str, tuple[int, int]]:
        src, where, params = self.source(scope)
        rows = self.rows(
            f"SELECT ifNull(source, '') AS s, count(), sum({ENG}) FROM {src} "
            f"WHERE {where} GROUP BY s",
            params,
        )
        return {s: (int(n), int(e or 0)) for s, n, e in rows}
