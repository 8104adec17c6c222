"""The headline figures of :mod:`veille.store.protocols.analytics` on
ClickHouse (:meth:`ClickHouseHeadline.headline_figures`): a report's or a
dashboard's volume, engagement, reach, authors, stories and sentiment for
a period and the one before, with their breakdowns, in one pass over the
posts, or from the day rollups where an unrestricted scope lets them answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from veille.store.clickhouse import rollups
from veille.store.clickhouse.quarters import (
    QUARTER,
    ROLLUP_COLUMNS,
    dimensions,
    purged_where,
    rollup_filters,
    rollup_rows,
    whole_quarters,
)
from veille.store.clickhouse.rollups import whole_days
from veille.store.clickhouse.tops import AUTHORS, ENG, FOLLOWED, GIVEN, REACH
from veille.store.protocols.analytics import figures_of

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope


class ClickHouseHeadline:
    """Mixed into :class:`veille.store.clickhouse.store.ClickHouseStore`
    (through :class:`~veille.store.clickhouse.analytics.ClickHouseAnalytics`)."""

    if TYPE_CHECKING:  # given by ClickHouseAnalytics and the store

        def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]: ...
        def source(self, scope: Scope) -> tuple[str, str, dict[str, Any]]: ...
        def post_totals(
            self, scope: Scope, dims: tuple[str, ...] = (), buckets: Any = False
        ) -> list[tuple[Any, ...]]: ...

    def headline_figures(
        self,
        scope: Scope,
        periods: Sequence[Period],
        by: tuple[str, ...] = (),
        *,
        posts_only: bool = False,
        series: Any = None,
    ) -> list[dict[str, Any]]:
        """One pass over the posts of all ``periods`` (a period and the one
        before: one read of a topic's filings, not one per period and per
        breakdown), grouped by period and by each dimension of ``by``
        (``GROUPING SETS``). ``posts_only`` changes nothing here: the
        breakdowns' engagement and reach come in the same pass. ``series``:
        the first period's sentiment by bucket, read apart as
        :meth:`post_totals` reads it."""
        out = self._headline_figures(scope, periods, by)
        if series is not None and out:
            out[0]["series"] = self.post_totals(scope.during(periods[0]), ("sentiment",), series)
        return out

    def _headline_figures(
        self, scope: Scope, periods: Sequence[Period], by: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        """:meth:`headline_figures` without ``series``."""
        keys = [f"ifNull({d}, '') AS k{i}" for i, d in enumerate(dimensions(by))]
        if not periods:
            return []
        if not scope.restricted:
            rolled = self._rollup_headline(scope, periods, by)
            if rolled is not None:
                return rolled
        span = scope.during(
            replace(periods[0], since=min(p.since for p in periods),
                    until=max(p.until for p in periods))
        )  # fmt: skip
        src, where, params = self.source(span)
        which = self._which_period(periods, "published_at", params, "h")
        # (One grouping set alone, ``GROUPING SETS ((w))``, fails in ClickHouse
        # 26.9 beside ``w`` in the WHERE: a plain GROUP BY then.)
        sets = ", ".join(["(w)", *(f"(w, k{i})" for i in range(len(by)))])
        group = f"GROUPING SETS ({sets})" if by else "w"
        sql = (
            f"SELECT 0 AS src, {which} AS w, {''.join(k + ', ' for k in keys)}"
            f"toInt64(count()), toInt64(sum({ENG})), toInt64(sum({REACH})), "
            f"toInt64({AUTHORS}), "
            "toInt64(count() - count(cluster_id) + uniqExact(cluster_id)), "
            "toInt64(countIf(sentiment = 'positive')), toInt64(countIf(sentiment = 'negative')), "
            f"toInt64(countIf(sentiment = 'neutral')), {GIVEN}, {FOLLOWED} FROM {src} "
            f"WHERE {where} AND w >= 0 GROUP BY {group}"
        )
        # What retention purges took out of a saved topic counts in its
        # totals, as in SQLite's topic rollup: in the same query.
        # Off the quarter-hours, the ones wholly inside each period (as SQLite).
        purged = purged_where(span)
        if purged:
            params.update(purged[1])
            nulls = "".join("NULL, " for _ in by)
            inner = [whole_quarters(p) for p in periods]
            gone = self._which_period(inner, f"bucket * {QUARTER}", params, "g")
            # A purged post is a story of its own (its cluster is not
            # kept), as the workspace's stories count it and SQLite's.
            sql += (
                f" UNION ALL SELECT 1, {gone} AS w, {nulls}toInt64(sum(posts)), "
                "toInt64(sum(engagement)), toInt64(sum(reach)), 0, toInt64(sum(posts)), "
                "toInt64(sum(positive)), toInt64(sum(negative)), toInt64(sum(neutral)), "
                "toInt64(sum(counted)), toInt64(sum(followed)) "
                f"FROM topic_purged WHERE {purged[0]} AND w >= 0 GROUP BY w"
            )
        out: list[dict[str, Any]] = [{"by": {d: [] for d in by}} if by else {} for _ in periods]
        totals = [[0] * 10 for _ in periods]
        for row in self.rows(f"{sql} SETTINGS group_by_use_nulls = 1", params):
            src, w, dims, vals = row[0], int(row[1]), row[2 : 2 + len(by)], row[2 + len(by) :]
            at = next((i for i, v in enumerate(dims) if v is not None), None)
            if at is not None:  # a row of one breakdown
                if vals[0]:
                    n, e, r = (int(v) for v in vals[:3])
                    out[w]["by"][by[at]].append(
                        (dims[at], n, e if vals[-2] else None, r if vals[-1] else None)
                    )
                continue
            # The period's row over the posts (src 0), or its purged part (src 1).
            for i, v in enumerate(vals):
                totals[w][i] += int(v or 0)
        for got, counts in zip(out, totals, strict=True):
            posts, eng, reach, authors, stories, pos, neg, neu, given, followed = counts
            # No post gave counts: engagement unknown, not 0 (reach likewise).
            got.update(
                figures_of(
                    posts, eng if given else None, reach if followed else None, authors,
                    stories, pos, neg, neu, given, followed,
                )
            )  # fmt: skip
        return out

    def _rollup_headline(
        self, scope: Scope, periods: Sequence[Period], by: tuple[str, ...]
    ) -> list[dict[str, Any]] | None:
        """:meth:`headline_figures` of an unrestricted scope from the
        rollups, in two queries whatever the number of periods (the same
        answer as a scan; a query per figure and period, ten for a page,
        took 123 ms at 10M posts, these 70 to 80): volume, sentiment and
        breakdowns from ``post_rollup``; authors from ``author_rollup`` and
        stories from ``cluster_rollup`` (each period's edges outside its whole
        days from ``posts``). ``None`` where they cannot answer (a language
        filter, bounds off quarter-hours, a period without a whole day)."""
        days = [whole_days(scope.during(p)) for p in periods]
        if any(d is None for d in days):
            return None
        # Volume, sentiment and each breakdown, by period.
        params: dict[str, Any] = {
            "hs": min(int(p.since.timestamp()) for p in periods) // QUARTER,
            "hu": max(int(p.until.timestamp()) for p in periods) // QUARTER,
        }
        clauses = ["bucket >= {hs:Int64}", "bucket < {hu:Int64}"]
        clauses.extend(rollup_filters(scope.flt, params))
        which = self._which_period(periods, f"bucket * {QUARTER}", params, "h")
        source = f"post_rollup WHERE {' AND '.join(clauses)} AND w >= 0"
        if not all(int(t.timestamp()) % QUARTER == 0 for p in periods for t in (p.since, p.until)):
            # Bounds off the quarter-hours: each period's whole quarter-hours
            # from the rollup (the purged posts included, as SQLite reads
            # them) and its edges from the posts, tagged with it.
            parts = []
            for i, p in enumerate(periods):
                rows = rollup_rows(scope.during(p).flt, params, f"e{i}_")
                assert rows is not None  # (a whole day inside: whole_days)
                parts.append(f"SELECT {i} AS w, {ROLLUP_COLUMNS} FROM ({rows})")
            which, source = "w", f"({' UNION ALL '.join(parts)})"
        keys = "".join(f"{d} AS k{i}, " for i, d in enumerate(dimensions(by)))
        sets = ", ".join(["(w)", *(f"(w, k{i})" for i in range(len(by)))])
        mood = ", ".join(
            f"sumIf(posts, sentiment = '{m}')" for m in ("positive", "negative", "neutral")
        )
        volume = self.rows(
            f"SELECT {which} AS w, {keys}sum(posts), sum(engagement), sum(reach), {mood}, "
            f"sum(counted), sum(followed) FROM {source} "
            f"GROUP BY {f'GROUPING SETS ({sets})' if by else 'w'} "
            "SETTINGS group_by_use_nulls = 1",
            params,
        )
        # Authors and stories: each period's rows, tagged with it, in one
        # grouping (their days' parameters in one dict, named apart).
        shared: dict[str, Any] = {}
        authors, clusters = [], []
        for i, d in enumerate(days):
            assert d is not None
            d.params, d.tag = shared, str(i)
            rows = d.union("author_rollup", rollups.AUTHOR_ROLLUP, rollups.AUTHOR_POST)
            authors.append(
                f"SELECT {i} AS w, platform, handle, posts FROM ({rows}) WHERE {rollups.AUTHORED}"
            )
            rows = d.union(
                "cluster_rollup",
                rollups.CLUSTER_ROLLUP,
                rollups.CLUSTER_POST,
                extra="isNotNull(cluster_id)",
            )
            clusters.append(f"SELECT {i} AS w, cluster_id, posts FROM ({rows})")
        # Both in one query: ClickHouse runs the two sides of a UNION side by side.
        counted: dict[int, int] = {}
        clustered: dict[int, tuple[int, int]] = {}
        for kind, w, n, inside in self.rows(
            "SELECT 0, w, count(), toInt64(0) FROM (SELECT w FROM "
            f"({' UNION ALL '.join(authors)}) GROUP BY w, platform, handle "
            "HAVING sum(posts) > 0) GROUP BY w UNION ALL "
            "SELECT 1, w, count(), sum(p) FROM (SELECT w, sum(posts) AS p FROM "
            f"({' UNION ALL '.join(clusters)}) GROUP BY w, cluster_id HAVING p > 0) "
            "GROUP BY w",
            shared,
        ):
            if kind:
                clustered[int(w)] = (int(n), int(inside))
            else:
                counted[int(w)] = int(n)
        out: list[dict[str, Any]] = [{"by": {d: [] for d in by}} if by else {} for _ in periods]
        totals = [[0] * 8 for _ in periods]
        for row in volume:
            w, dims, vals = (
                int(row[0]),
                row[1 : 1 + len(by)],
                [int(v or 0) for v in row[1 + len(by) :]],
            )
            at = next((i for i, v in enumerate(dims) if v is not None), None)
            if at is not None:  # a row of one breakdown
                if vals[0]:
                    n, e, r = vals[:3]
                    out[w]["by"][by[at]].append(
                        (dims[at], n, e if vals[-2] else None, r if vals[-1] else None)
                    )
                continue
            totals[w] = vals
        for w, (got, (posts, e, r, pos, neg, neu, given, followed)) in enumerate(
            zip(out, totals, strict=True)
        ):
            eng = e if given else None  # no post gave counts: unknown, not 0
            reach = r if followed else None
            n, inside = clustered.get(w, (0, 0))
            got.update(
                figures_of(
                    posts, eng, reach, counted.get(w, 0), posts - inside + n, pos, neg, neu,
                    given, followed,
                )
            )  # fmt: skip
        return out

    @staticmethod
    def _which_period(
        periods: Sequence[Period], at: str, params: dict[str, Any], prefix: str
    ) -> str:
        """Which of ``periods`` the time ``at`` (seconds) falls in: its index,
        or -1."""
        conds = []
        for i, p in enumerate(periods):
            params[f"{prefix}s{i}"] = int(p.since.timestamp())
            params[f"{prefix}u{i}"] = int(p.until.timestamp())
            conds.append(f"{at} >= {{{prefix}s{i}:Int64}} AND {at} < {{{prefix}u{i}:Int64}}, {i}")
        return f"multiIf({', '.join(conds)}, -1)"
