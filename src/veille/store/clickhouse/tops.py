"""The top lists of :mod:`veille.store.protocols.analytics` on ClickHouse:
authors, hashtags and the other entities, stories; each read from the day
rollups where a whole-day, unrestricted scope lets it, else from the posts,
with a count no post gave said unknown (``None``), not 0
(:func:`~veille.store.protocols.known.authors_known` and its kin). Top
posts and the headline figures stay in :mod:`veille.store.clickhouse.analytics`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from veille.models import Post
from veille.store.clickhouse import rollups
from veille.store.clickhouse.filters import POSTS, filter_where
from veille.store.clickhouse.people import ClickHousePeople
from veille.store.clickhouse.rollups import whole_days
from veille.store.protocols.analytics import ClusterKeys, PostKey
from veille.store.protocols.known import (
    AuthorFigures,
    ClusterFigures,
    Given,
    clusters_known,
    cut_among_unknown,
    top_authors_known,
    top_entities_known,
)

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope

ENG = "(likes + shares + replies)"
REACH = "ifNull(author_followers, 0)"
# The posts whose platform gave their counts (schema 12; 2: stored before and
# not read again, a post with a count above 0): engagement summed over none
# of them is unknown, not 0.
GIVEN = "toInt64(countIf(counts_given != 0))"
# The posts that gave their author's follower count (a 0 included): reach
# summed over none of them is unknown, not 0.
FOLLOWED = "toInt64(countIf(isNotNull(author_followers)))"
# The distinct authors of the posts read: a post without one (an empty handle)
# is in every figure but the per-author ones.
AUTHORS = "uniqExactIf(platform, author_handle, author_handle != '')"
_AUTHOR_ORDERS = {"posts": "n", "engagement": "e", "followers": "f"}


def _entity_key(kind: str) -> str:
    """A value of ``kind`` (``v``) as the lists count it: hashtags and
    mentions in lower case as SQLite's ``lower()`` (ASCII letters only), so
    both agree."""
    return "lower(v)" if kind in ("hashtags", "mentions") else "v"


class ClickHouseTops(ClickHousePeople):
    """Mixed into :class:`veille.store.clickhouse.store.ClickHouseStore`
    (through :class:`~veille.store.clickhouse.analytics.ClickHouseAnalytics`)."""

    if TYPE_CHECKING:  # given by ClickHouseAnalytics

        def source(self, scope: Scope) -> tuple[str, str, dict[str, Any]]: ...

        def gave_counts(self, scope: Scope) -> tuple[bool, bool]: ...
        def posts_at(self, keys: list[list[Any]]) -> list[Post]: ...

    def top_authors(
        self, scope: Scope, period: Period, *, by: str = "posts", limit: int = 10
    ) -> list[AuthorFigures]:
        def given(shown: list[str]) -> Given:
            return self._authors_given(scope, period, shown)

        return top_authors_known(
            lambda exact: self._top_authors(scope, period, by, limit, exact=exact),
            by,
            limit,
            given,
            rolled=whole_days(scope.during(period)) is not None,
            gave=lambda: self.gave_counts(scope.during(period)),
        )

    def _authors_given(self, scope: Scope, period: Period, handles: list[str]) -> Given:
        """Which ``(platform, handle)`` of ``handles`` have a post in the
        period that gave counts, and one that gave a follower count (see
        :func:`authors_known`)."""
        src, where, params = self.source(scope.during(period))
        found = self.rows(
            "SELECT platform, author_handle, max(counts_given != 0), "
            f"max(isNotNull(author_followers)) FROM {src} WHERE {where} "
            "AND author_handle IN {fh:Array(String)} GROUP BY platform, author_handle",
            {**params, "fh": handles},
        )
        return {(pf, h): (bool(c), bool(f)) for pf, h, c, f in found}

    def _top_authors(
        self, scope: Scope, period: Period, by: str, limit: int, *, exact: bool = False
    ) -> list[tuple[str, str, str | None, int, int | None, int | None]]:
        """The best authors, from the rollups where they answer (an unknown
        count there is 0), else (or ``exact``) from the posts, an unknown
        count (``None``) ranked after every known one."""
        order = _AUTHOR_ORDERS[by]
        days = None if exact else whole_days(scope.during(period))
        if days is not None:
            union = days.union("author_rollup", rollups.AUTHOR_ROLLUP, rollups.AUTHOR_POST)
            rows = self.rows(
                "SELECT platform AS pf, handle AS h, "
                "if(max(named) = 1, maxIf(name, named = 1), NULL), sum(p) AS n, "
                "sum(s) AS e, max(followers) AS f FROM (SELECT platform, handle, followers, "
                "named, name, sum(posts) AS p, sum(engagement) AS s "
                f"FROM ({union}) WHERE {rollups.AUTHORED} "
                "GROUP BY platform, handle, followers, named, name "
                f"HAVING p > 0) GROUP BY pf, h ORDER BY {order} DESC, n DESC, e DESC, f DESC, "
                "lower(h), h, pf "
                "LIMIT {lim:UInt64}",
                {**days.params, "lim": limit},
            )
        else:
            src, where, params = self.source(scope.during(period))
            rows = self.rows(
                "SELECT platform AS pf, author_handle AS h, max(author_name), count() AS n, "
                f"if({GIVEN} > 0, toInt64(sum({ENG})), NULL) AS e, max(author_followers) AS f "
                f"FROM {src} WHERE {where} AND author_handle != '' "
                f"GROUP BY pf, h ORDER BY {order} DESC NULLS LAST, n DESC, e DESC NULLS LAST, "
                "f DESC NULLS LAST, lower(h), h, pf "
                "LIMIT {lim:UInt64}",
                {**params, "lim": limit},
            )
            return [(pf, h, name, int(n), e, f) for pf, h, name, n, e, f in rows]
        return [(pf, h, name, n, e or 0, f or 0) for pf, h, name, n, e, f in rows]

    def author_count(self, scope: Scope, period: Period) -> int:
        days = whole_days(scope.during(period))
        if days is not None:
            union = days.union("author_rollup", rollups.AUTHOR_ROLLUP, rollups.AUTHOR_POST)
            rows = self.rows(
                f"SELECT count() FROM (SELECT platform, handle FROM ({union}) "
                f"WHERE {rollups.AUTHORED} GROUP BY platform, handle HAVING sum(posts) > 0)",
                days.params,
            )
            return int(rows[0][0])
        src, where, params = self.source(scope.during(period))
        rows = self.rows(f"SELECT {AUTHORS} FROM {src} WHERE {where}", params)
        return int(rows[0][0])

    def top_entities(
        self, scope: Scope, kind: str, limit: int | None
    ) -> list[tuple[str, int, int | None]]:
        if kind not in ("hashtags", "domains", "links", "mentions"):
            raise ValueError(f"unknown entity kind {kind!r}")

        def given(shown: list[str]) -> set[str]:
            return self._entities_given(scope, kind, shown)

        rolled = kind in rollups.ENTITY_POST and whole_days(scope, platforms=False) is not None
        return top_entities_known(
            lambda exact: self._top_entities(scope, kind, limit, exact=exact),
            limit,
            given,
            rolled=rolled,
            gave=lambda: self.gave_counts(scope)[0],
        )

    def _top_entities(
        self, scope: Scope, kind: str, limit: int | None, *, exact: bool = False
    ) -> list[tuple[str, int, int | None]]:
        """The values held by the most posts, from the entity rollup where it
        answers (an unknown count there is 0), else (or ``exact``) from the
        posts, an unknown engagement (``None``) after every known one."""
        # Every value when limit is None.
        cut, lim = ("", {}) if limit is None else (" LIMIT {lim:UInt64}", {"lim": limit})
        rolled = kind in rollups.ENTITY_POST and not exact
        days = whole_days(scope, platforms=False) if rolled else None
        if days is not None:
            days.params["r_kind"] = kind
            union = days.union("entity_rollup", rollups.ENTITY_ROLLUP, rollups.ENTITY_POST[kind])
            # An edge inside a purged day: its purged posts' values too.
            union += days.purged_edges()
            rows = self.rows(
                f"SELECT value, sum(posts) AS n, sum(engagement) AS se FROM ({union}) "
                "GROUP BY value HAVING n > 0 ORDER BY n DESC, se DESC, value" + cut,
                {**days.params, **lim},
            )
        else:
            src, where, params = self.source(scope)
            rows = self.rows(
                "SELECT k, count() AS n, if(max(g) > 0, toInt64(sum(e)), NULL) AS se FROM "
                f"(SELECT DISTINCT id, {_entity_key(kind)} AS k, e, g FROM (SELECT id, "
                f"arrayJoin({kind}) AS v, {ENG} AS e, counts_given != 0 AS g FROM {src} "
                f"WHERE {where})) GROUP BY k ORDER BY n DESC, se DESC NULLS LAST, k" + cut,
                {**params, **lim},
            )
            return [(v, int(n), None if e is None else int(e)) for v, n, e in rows]
        return [(v, int(n), int(e or 0)) for v, n, e in rows]

    def _entities_given(self, scope: Scope, kind: str, values: list[str]) -> set[str]:
        """Which of ``values`` (of ``kind``) a post of ``scope`` that gave
        counts holds (see :func:`entities_known`)."""
        src, where, params = self.source(scope)
        found = self.rows(
            f"SELECT DISTINCT k FROM (SELECT {_entity_key(kind)} AS k FROM (SELECT "
            f"arrayJoin({kind}) AS v FROM {src} WHERE {where} AND counts_given != 0)) "
            "WHERE k IN {vs:Array(String)}",
            {**params, "vs": values},
        )
        return {v for (v,) in found}

    def top_clusters(
        self, scope: Scope, *, by: str = "reach", limit: int = 10
    ) -> list[ClusterFigures]:
        found = self.top_cluster_keys(scope, by=by, limit=limit)
        # Read whole within their time range (a lookup by id alone reads
        # every part).
        firsts = {p.id: p for p in self.posts_at([[r[5].id, r[5].published_at] for r in found])}
        return [(*r[:5], firsts[r[5].id]) for r in found if r[5].id in firsts]

    def top_cluster_keys(
        self, scope: Scope, *, by: str = "reach", limit: int = 10
    ) -> list[ClusterKeys]:
        told: list[tuple[bool, bool]] = []

        def gave() -> tuple[bool, bool]:
            # Read once, only where a 0 is shown: no post of the scope gave
            # counts (a feed's) or a follower count, and no 0 is known.
            if not told:
                told.append(self.gave_counts(scope))
            return told[0]

        def given(shown: list[str]) -> Given:
            return self._clusters_given(scope, shown)

        found = clusters_known(self._top_clusters(scope, by, limit), by, given, gave)
        at = 2 if by == "reach" else 3
        if (
            by != "posts"
            and cut_among_unknown(found, at, limit)
            and gave()[1 if by == "reach" else 0]
        ):
            exact = self._top_clusters(scope, by, limit, exact=True)
            found = clusters_known(exact, by, given, gave)
        return found

    def _top_clusters(
        self, scope: Scope, by: str, limit: int, *, exact: bool = False
    ) -> list[tuple[str, int, int | None, int | None, tuple[str, ...], PostKey]]:
        """The best clusters, from the cluster rollup where it answers (an
        unknown count there is 0), else (or ``exact``) from the posts, an
        unknown count (``None``) ranked after every known one; with the key
        of each one's earliest post."""
        order = {"reach": "r", "posts": "n", "engagement": "e"}[by]
        days = None if exact else whole_days(scope)
        if days is None:
            src, where, params = self.source(scope)
            rows = self.rows(
                f"SELECT cluster_id AS c, count() AS n, "
                f"if({FOLLOWED} > 0, toInt64(sum({REACH})), NULL) AS r, "
                f"if({GIVEN} > 0, toInt64(sum({ENG})), NULL) AS e, "
                "groupUniqArray(platform), argMin((id, published_at), (published_at, seq)) "
                f"FROM {src} WHERE {where} AND isNotNull(cluster_id) "
                f"GROUP BY c ORDER BY {order} DESC NULLS LAST, n DESC, c LIMIT {{lim:UInt64}}",
                {**params, "lim": limit},
            )
            # Read from the posts: an unknown count is None already.
            return [
                (key, int(n), r, e, tuple(sorted(pf)), PostKey(first[0], int(first[1])))
                for key, n, r, e, pf, first in rows
            ]
        union = days.union(
            "cluster_rollup",
            rollups.CLUSTER_ROLLUP,
            rollups.CLUSTER_POST,
            extra="isNotNull(cluster_id)",
        )
        rows = self.rows(
            "SELECT c, sum(p) AS n, sum(rr) AS r, sum(ee) AS e, groupArray(pf) "
            "FROM (SELECT cluster_id AS c, platform AS pf, sum(posts) AS p, "
            f"sum(reach) AS rr, sum(engagement) AS ee FROM ({union}) GROUP BY c, pf "
            f"HAVING p > 0) GROUP BY c ORDER BY {order} DESC, n DESC, c LIMIT {{lim:UInt64}}",
            {**days.params, "lim": limit},
        )
        firsts = self._first_keys(scope, [r[0] for r in rows])
        return [
            (key, int(n), int(r or 0), int(e or 0), tuple(sorted(pf)), firsts[key])
            for key, n, r, e, pf in rows
            if key in firsts
        ]

    def _clusters_given(self, scope: Scope, clusters: list[str]) -> Given:
        """Which of ``clusters`` have a post in ``scope`` that gave counts, and
        one that gave a follower count (see :func:`clusters_known`)."""
        src, where, params = self.source(scope)
        found = self.rows(
            "SELECT cluster_id, max(counts_given != 0), max(isNotNull(author_followers)) "
            f"FROM {src} WHERE {where} AND cluster_id IN {{cs:Array(String)}} "
            "GROUP BY cluster_id",
            {**params, "cs": clusters},
        )
        return {c: (bool(g), bool(f)) for c, g, f in found}

    def _first_keys(self, scope: Scope, clusters: list[str]) -> dict[str, PostKey]:
        """The key of the earliest post of each of ``clusters`` under
        ``scope`` (a plain filter): the last version of each post (``FINAL``,
        the cluster compared after it), grouped by cluster. One read of the
        period's cluster column: the two-step read it replaces (the ids of
        every version that was ever in one, then those posts' versions by id
        without ``FINAL``) took 18 ms of CPU where this takes 11 (300,000
        posts, months merged as the scheduler leaves them), the same keys."""
        if not clusters:
            return {}
        where = filter_where(scope.flt)
        keys = self.rows(
            "SELECT cluster_id, argMin(id, (published_at, seq)), min(published_at) "
            f"FROM {POSTS} WHERE {where.and_('cluster_id IN {cs:Array(String)}')} "
            "GROUP BY cluster_id",
            {**where.params, "cs": clusters},
        )
        # The earliest post's time is its cluster's earliest (the order's first).
        return {c: PostKey(i, int(at)) for c, i, at in keys}
