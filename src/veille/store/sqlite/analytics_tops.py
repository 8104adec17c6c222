"""Top posts, authors, entities and story clusters, and headline counts, in
SQLite (part of :class:`SQLiteAnalytics`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from veille.models import Post
from veille.store.protocols.analytics import ClusterKeys, PostKey, figures_of, post_key
from veille.store.protocols.known import (
    AuthorFigures,
    ClusterFigures,
    Given,
    top_authors_known,
    top_entities_known,
)
from veille.store.sqlite.analytics_authors import DAY, author_rows, rollup_topic
from veille.store.sqlite.analytics_sql import (
    AUTHORED,
    ENG,
    KNOWN_POST_ENGAGEMENT,
    KNOWN_POST_REACH,
    QUARTER,
    REACH,
    scope_sql,
)
from veille.store.sqlite.analytics_volume import SQLiteVolume
from veille.store.sqlite.rows import POST_COLUMNS, row_to_post

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope

_SELECT_POST = ", ".join("p." + c for c in POST_COLUMNS[1:])
_POST_ORDERS = {"engagement": ENG, "reach": REACH}
_ORDER_INDEX = {"engagement": "posts_engagement", "reach": "posts_reach"}
# Whether a post gave the count a top list ranks it by (else its 0 is unknown).
_POST_GIVEN = {"engagement": "p.counts_given", "reach": "p.author_followers IS NOT NULL"}
_AUTHOR_ORDERS = {"posts": 4, "engagement": 5, "followers": 6}
# Where :meth:`_by_each` puts the sentiment by bucket it read with the breakdowns.
_SERIES = "\x00series"


def _post_figure(post: Post, by: str) -> int:
    """What a top list ranks ``post`` by (a count never given read as 0)."""
    return post.engagement.total if by == "engagement" else post.author.followers or 0


def _entity_key(kind: str) -> str:
    """A value of ``kind`` as the lists count it: hashtags and mentions in
    ASCII lower case (SQL's ``lower()``)."""
    return "lower(j.value)" if kind in ("hashtags", "mentions") else "j.value"


def _entities_rolled(scope: Scope) -> bool:
    """Whether the entities' rollup answers ``scope``'s top hashtags and
    domains: a period with at least a whole quarter-hour, no restriction,
    no platform or language filter. A period from 1970 or before is read
    from the posts: SQLite's integer division files a post of the last
    minutes of 1969 under the quarter-hour and the day that begin 1970."""
    f = scope.flt
    if scope.restricted or f.platforms or f.languages or f.since is None or f.until is None:
        return False
    if f.since.timestamp() <= 0:
        return False
    return -(-int(f.since.timestamp()) // QUARTER) < int(f.until.timestamp()) // QUARTER


def _json_list(col: str) -> str:
    """SQL turning a space-separated column into a JSON array (``[]`` when an
    item cannot be one), to split it with ``json_each``; as in migration 0041."""
    arr = (
        f"'[\"' || replace(replace(replace({col}, '\\', '\\\\'), '\"', '\\\"'), ' ', '\",\"')"
        " || '\"]'"
    )
    return f"CASE WHEN {col} != '' AND json_valid({arr}) THEN {arr} ELSE '[]' END"


class SQLiteTops(SQLiteVolume):
    """The best of a scope, by a measure."""

    def _count(self, scope: Scope) -> int:
        return self.post_count(scope)

    def _walk_index(self, scope: Scope) -> bool | None:
        """Whether walking an engagement/reach index beats reading the period:
        ``None`` when the period is known to be empty."""
        from veille.analytics.scope import Scope as Plain

        if scope.restricted:
            return False
        n = self._count(scope)
        if not n:
            return None
        # Rows walked before ``limit`` hits ~ limit / share of the period.
        return n >= 0.01 * (self._count(Plain()) or 1)

    def posts_keyed(self, keys: list[int]) -> dict[int, Post]:
        """The posts keyed ``keys``, by key."""
        if not keys:
            return {}
        rows = self.conn.execute(
            f"SELECT p.pk, {_SELECT_POST} FROM posts p WHERE p.pk IN ({','.join('?' * len(keys))})",
            keys,
        )
        return {r[0]: row_to_post(r[1:]) for r in rows}

    def top_posts(
        self, scope: Scope, *, by: str = "engagement", limit: int = 10, unclustered: bool = False
    ) -> list[Post]:
        """The ``limit`` posts of ``scope`` (bounded to a period) with the most
        engagement (or reach), the newest first among equals, a post that gave
        no count after those that gave 0; ``unclustered`` keeps only the posts
        outside any story cluster."""
        sel = self.analytics_copy().select(self.conn, scope)
        if sel is not None:
            from veille.store.sqlite import analytics_columns as columns

            keys = columns.top_keys(sel, by, limit, unclustered=unclustered)
            found = self.posts_keyed(keys)
            return [found[k] for k in keys if k in found]
        extra = " AND p.cluster_id IS NULL" if unclustered else ""
        walk = self._walk_index(scope)
        if walk is None:
            return []
        where, params = scope_sql(self.conn, scope)
        if walk:
            # Read the index in order and stop at ``limit`` posts of the period
            # ("+" keeps the planner off the published_at index).
            where = where.replace("p.published_at", "+p.published_at")
        hint = f" INDEXED BY {_ORDER_INDEX[by]}" if walk else ""
        metric = _POST_ORDERS[by]
        # Read whole and sorted (no walk), a post that gave no count sorts
        # after those that gave 0 at no cost.
        known = "" if walk else f"{_POST_GIVEN[by]} DESC, "
        rows = self.conn.execute(
            f"SELECT {_SELECT_POST} FROM posts p{hint} WHERE {where}{extra} "
            f"ORDER BY {metric} DESC, {known}p.published_at DESC, p.pk DESC LIMIT ?",
            [*params, limit],
        )
        top = [row_to_post(r) for r in rows]
        ranked = [p for p in top if _post_figure(p, by)]
        if not walk or len(ranked) == len(top):
            return top
        # The list reaches 0, where the indexes hold a count never given as
        # 0 too: its 0s are read again, the known ones first, then the
        # unknown ones, each newest first, so a known 0 is neither cut nor
        # ranked after them. Each read walks the index's 0s of the period in
        # order and stops at what it needs; the known ones are looked for
        # only where the rollup says the period has some (else a feed-only
        # workspace would walk all its period's posts for none).
        plain, values = scope_sql(self.conn, scope)
        for given in (True, False):
            if len(ranked) >= limit or (given and not self._known_0s(scope, by, ranked)):
                continue
            rows = self.conn.execute(
                f"SELECT {_SELECT_POST} FROM posts p WHERE {plain}{extra} AND {metric} = 0 "
                f"AND {'' if given else 'NOT '}{_POST_GIVEN[by]} "
                "ORDER BY p.published_at DESC, p.pk DESC LIMIT ?",
                [*values, limit - len(ranked)],
            )
            ranked += [row_to_post(r) for r in rows]
        return ranked

    def _known_0s(self, scope: Scope, by: str, above: list[Post]) -> bool:
        """Whether some post of ``scope`` (bounded to a period) gave a 0 for
        ``by``: the posts that gave the count (the rollup's) outnumber those
        of ``above``, every post of the scope ranked above 0."""
        totals = self.post_totals(scope, coverage=True)
        gave = int(totals[0][-2 if by == "engagement" else -1]) if totals else 0
        known = [p.engagement.given if by == "engagement" else True for p in above]
        return gave > sum(known)

    def top_authors(
        self, scope: Scope, period: Period, *, by: str = "posts", limit: int = 10
    ) -> list[AuthorFigures]:
        """``(platform, handle, name, posts, engagement, followers)`` of the best
        authors by ``by`` (posts, engagement, followers), then posts,
        engagement, followers, handle whatever its case, and platform
        (:func:`~veille.store.protocols.known.author_key`); ``engagement``
        and ``followers`` are ``None`` when none of their posts of the period
        gave one, ranked after a known 0."""

        def given(shown: list[str]) -> Given:
            return self._authors_given(scope, period, shown)

        if rollup_topic(scope) is None:
            sel = self.analytics_copy().select(self.conn, scope.during(period))
            if sel is not None:  # the copy records which posts gave counts
                from veille.store.sqlite import analytics_columns as columns

                return columns.top_authors(sel, by, limit)
        return top_authors_known(
            lambda exact: self._top_authors(scope, period, by, limit, exact=exact),
            by,
            limit,
            given,
            rolled=rollup_topic(scope) is not None,
            gave=lambda: self.gave_counts(scope.during(period)),
        )

    def _authors_given(self, scope: Scope, period: Period, handles: list[str]) -> Given:
        """Which ``(platform, handle)`` of ``handles`` have a post in the
        period that gave counts, and one that gave a follower count (see
        :func:`authors_known`)."""
        where, params = scope_sql(self.conn, scope.during(period), lookup=True)
        found = self.conn.execute(
            "SELECT p.platform, p.author_handle, max(p.counts_given), "
            f"max(p.author_followers IS NOT NULL) FROM posts p WHERE {where} "
            f"AND p.author_handle IN ({','.join('?' * len(handles))}) GROUP BY 1, 2",
            [*params, *handles],
        )
        return {(pf, h): (bool(c), bool(f)) for pf, h, c, f in found}

    def _top_authors(
        self, scope: Scope, period: Period, by: str, limit: int, *, exact: bool = False
    ) -> list[tuple[str, str, str | None, int, int | None, int | None]]:
        """The best authors, read from the rollups where they answer (an
        unknown count there is 0), else (or ``exact``) from the posts, an
        unknown count (``None``) ranked after every known one."""
        order = _AUTHOR_ORDERS[by]
        topic = None if exact else rollup_topic(scope)
        if topic is not None:
            union, params = author_rows(self.conn, scope, period, topic)
            rows = self.conn.execute(
                f"SELECT platform, handle, max(name), sum(posts), sum(engagement), "
                f"max(followers) FROM ({union}) WHERE handle != '' GROUP BY 1, 2 "
                f"ORDER BY {order} DESC, 4 DESC, 5 DESC, 6 DESC, lower(handle), 2, 1 LIMIT ?",
                [*params, limit],
            ).fetchall()
        else:
            where, params = scope_sql(self.conn, scope.during(period))
            rows = self.conn.execute(
                "SELECT p.platform, p.author_handle, max(p.author_name), count(*), "
                f"{KNOWN_POST_ENGAGEMENT}, max(p.author_followers) FROM posts p "
                f"WHERE {where} AND {AUTHORED} "
                f"GROUP BY 1, 2 ORDER BY {order} DESC NULLS LAST, 4 DESC, 5 DESC NULLS LAST, "
                "6 DESC NULLS LAST, lower(p.author_handle), 2, 1 LIMIT ?",
                [*params, limit],
            ).fetchall()
        if topic is not None:  # the rollup keeps a count never given as 0
            return [(pf, h, n, c, e or 0, f or 0) for pf, h, n, c, e, f in rows]
        return [tuple(r) for r in rows]

    def author_count(self, scope: Scope, period: Period) -> int:
        """How many (platform, handle) posted in ``scope`` over ``period``."""
        topic = rollup_topic(scope)
        if topic is not None:
            union, params = author_rows(self.conn, scope, period, topic)
            sql = (
                f"SELECT count(*) FROM (SELECT DISTINCT platform, handle FROM ({union}) "
                "WHERE handle != '')"
            )
            return int(self.conn.execute(sql, params).fetchone()[0])
        where, params = scope_sql(self.conn, scope.during(period))
        sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM posts p WHERE {where} AND {AUTHORED} "
            "GROUP BY p.platform, p.author_handle)"
        )
        return int(self.conn.execute(sql, params).fetchone()[0])

    def top_entities(
        self, scope: Scope, kind: str, limit: int | None
    ) -> list[tuple[str, int, int | None]]:
        """``(value, posts, engagement)`` of the hashtags, domains, links or
        mentions held by the most posts of ``scope`` (bounded to a period);
        every value when ``limit`` is ``None``; engagement ``None`` where none
        of the value's posts gave counts."""

        def given(shown: list[str]) -> set[str]:
            return self._entities_given(scope, kind, shown)

        rolled = kind in ("hashtags", "domains") and _entities_rolled(scope)
        if not rolled:
            sel = self.analytics_copy().select(self.conn, scope)
            if sel is not None:  # the copy records which posts gave counts
                from veille.store.sqlite import analytics_columns as columns

                return columns.top_entities(sel, kind, limit)
        return top_entities_known(
            lambda exact: self._top_entities(scope, kind, limit, exact=exact),
            limit,
            given,
            rolled=bool(rolled),
            gave=lambda: self.gave_counts(scope)[0],
        )

    def _top_entities(
        self, scope: Scope, kind: str, limit: int | None, *, exact: bool = False
    ) -> list[tuple[str, int, int | None]]:
        """The values held by the most posts, from the rollup where it answers
        (an unknown count there is 0), else (or ``exact``) from the posts, an
        unknown engagement (``None``) after every known one."""
        f = scope.flt
        most = -1 if limit is None else limit  # SQLite: a negative LIMIT is none
        if kind in ("hashtags", "domains") and not exact and _entities_rolled(scope):
            assert f.since is not None and f.until is not None
            # Whole UTC days from the day rows, the edges from the quarter
            # rows; bounds off the quarter-hours (a KPI's window, a period
            # from 05:07), the minutes before and after from the posts (they
            # read every post of the period: a retention purge's went missing).
            since, until = int(f.since.timestamp()), int(f.until.timestamp())
            q0, q1 = -(-since // QUARTER), until // QUARTER
            d0, d1 = -(-q0 // 96), q1 // 96
            ranges = [(kind, q0, q1)] if d0 >= d1 else [
                (kind, q0, d0 * 96), (f"{kind}@day", d0, d1), (kind, d1 * 96, q1)
            ]  # fmt: skip
            part = (
                "SELECT value, posts, engagement FROM entity_rollup "
                "WHERE kind = ? AND bucket >= ? AND bucket < ?"
            )
            parts, args = [part] * len(ranges), [x for r in ranges for x in r]
            # (As the rollup's triggers count them: each value once per post.)
            edge = (
                f"SELECT v, count(*), sum(e) FROM (SELECT DISTINCT p.pk, {_entity_key(kind)} "
                f"AS v, {ENG} AS e FROM posts p, json_each({_json_list('p.' + kind)}) j "
                "WHERE p.published_at >= ? AND p.published_at < ?) GROUP BY 1"
            )
            for lo, hi in ((since, q0 * QUARTER), (q1 * QUARTER, until)):
                if lo < hi:
                    parts.append(edge)
                    args.extend((lo, hi))
            rows = self.conn.execute(
                f"SELECT value, sum(posts), sum(engagement) FROM ({' UNION ALL '.join(parts)}) "
                "GROUP BY 1 HAVING sum(posts) > 0 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?",
                [*args, most],
            ).fetchall()
        else:
            where, params = scope_sql(self.conn, scope)
            rows = self.conn.execute(
                "SELECT v, count(*), CASE WHEN max(g) THEN sum(e) END FROM (SELECT DISTINCT "
                f"p.pk, {_entity_key(kind)} AS v, {ENG} AS e, p.counts_given AS g "
                f"FROM posts p, json_each({_json_list('p.' + kind)}) j WHERE {where}) "
                "GROUP BY 1 ORDER BY 2 DESC, 3 DESC NULLS LAST, 1 LIMIT ?",
                [*params, most],
            ).fetchall()
        return [tuple(r) for r in rows]

    def _entities_given(self, scope: Scope, kind: str, values: list[str]) -> set[str]:
        """Which of ``values`` (of ``kind``) a post of ``scope`` that gave
        counts holds (see :func:`entities_known`)."""
        where, params = scope_sql(self.conn, scope)
        key = _entity_key(kind)
        found = self.conn.execute(
            f"SELECT DISTINCT {key} FROM posts p, json_each({_json_list('p.' + kind)}) j "
            f"WHERE {where} AND p.counts_given AND {key} IN ({','.join('?' * len(values))})",
            [*params, *values],
        )
        return {v for (v,) in found}

    def top_clusters(
        self, scope: Scope, *, by: str = "reach", limit: int = 10
    ) -> list[ClusterFigures]:
        """``(cluster, posts, reach, engagement, platforms, earliest post)`` of
        the best ``limit`` near-duplicate clusters of ``scope`` (bounded to a
        period) by reach, posts or engagement; reach or engagement ``None``
        where none of the cluster's posts gave it, ranked after a known 0."""
        sel = self.analytics_copy().select(self.conn, scope)
        if sel is not None:
            from veille.store.sqlite import analytics_columns as columns

            rows = columns.story_rows(sel, by, limit)
        else:
            where, params = scope_sql(self.conn, scope)
            order = {"reach": 3, "posts": 2, "engagement": 4}[by]
            # Unknown (NULL: none of the cluster's posts gave it) after every
            # known value, 0 included.
            rows = self.conn.execute(
                f"SELECT p.cluster_id, count(*), {KNOWN_POST_REACH}, {KNOWN_POST_ENGAGEMENT}, "
                # Posts are keyed by time: the smallest key is the earliest post.
                "group_concat(DISTINCT p.platform), min(p.pk) "
                f"FROM posts p WHERE {where} AND p.cluster_id IS NOT NULL "
                f"GROUP BY 1 ORDER BY {order} DESC NULLS LAST, 2 DESC, 1 LIMIT ?",
                [*params, limit],
            ).fetchall()
        firsts = self.posts_keyed([r[5] for r in rows])
        return [
            (key, n, reach, eng, tuple(sorted(pf.split(","))), firsts[m])
            for key, n, reach, eng, pf, m in rows
        ]

    # The posts of a page's lists, ranked and cut, then read once: SQLite
    # reads a post by key in microseconds, so each list is found whole as
    # it always was and given as keys, read again by id.

    def top_post_keys(
        self, scope: Scope, *, by: str = "engagement", limit: int = 10, unclustered: bool = False
    ) -> list[PostKey]:
        return [
            post_key(p) for p in self.top_posts(scope, by=by, limit=limit, unclustered=unclustered)
        ]

    def top_cluster_keys(
        self, scope: Scope, *, by: str = "reach", limit: int = 10
    ) -> list[ClusterKeys]:
        return [(*r[:5], post_key(r[5])) for r in self.top_clusters(scope, by=by, limit=limit)]

    def posts_shown(self, keys: Sequence[PostKey]) -> list[Post]:
        found: list[Post] = self.get_posts([k.id for k in keys])  # type: ignore[attr-defined]
        return found

    def story_count(self, scope: Scope) -> int:
        """Distinct stories of ``scope`` (bounded to a period): posts outside
        clusters plus distinct clusters (the clustered posts are read through
        their partial index only)."""
        where, params = scope_sql(self.conn, scope, lookup=True)
        total = self._count(scope)
        clustered, clusters = self.conn.execute(
            "SELECT count(*), count(DISTINCT p.cluster_id) FROM posts p "
            f"WHERE {where} AND p.cluster_id IS NOT NULL",
            params,
        ).fetchone()
        return int(total - clustered + clusters)

    def _rollup_figures(
        self, scope: Scope, people: tuple[int, tuple[int, int, int]] | None = None
    ) -> dict[str, float]:
        """:meth:`_figures` of the whole workspace or of a saved topic: each
        figure read where it is cheapest (volume and sentiment from the post
        or topic rollups, authors from the author rollup, stories from the
        posts); ``people``: its authors and sentiment counts, already read."""
        from veille.analytics.scope import Period

        f = scope.flt
        assert f.since is not None and f.until is not None
        period = Period(f.since, f.until)
        whole = replace(scope, flt=replace(f, since=None, until=None))
        rows = self.post_totals(scope, coverage=True)
        posts, eng, reach, given, followed = (rows[0] if rows else (0, None, None, 0, 0))[-5:]
        if people is None:
            people = (self.author_count(whole, period), self.sentiment_totals(whole, period))
        authors, moods = people
        return figures_of(
            posts, eng, reach, authors, self.story_count(scope), *moods, given, followed
        )

    def headline_figures(
        self,
        scope: Scope,
        periods: Sequence[Period],
        by: tuple[str, ...] = (),
        *,
        posts_only: bool = False,
        series: Any = None,
    ) -> list[dict[str, Any]]:
        """The figures of ``scope`` over each of ``periods``, and its rows by
        each dimension of ``by``: a query per period and per dimension (the
        period's figures from a saved topic's rollups where they answer;
        with ``posts_only``, its posts by platform too). ``series``: the
        first period's sentiment by bucket too, from the same read of its
        posts as its breakdowns where they read the posts."""
        out: list[dict[str, Any]] = []
        for i, period in enumerate(periods):
            bounded = scope.during(period)
            buckets = series if i == 0 else None
            wanted = bool(by) and posts_only and "platform" in by
            people = self._topic_people(bounded, period) if wanted else None
            got: dict[str, Any] = (
                self._figures(bounded)
                if people is None
                else self._rollup_figures(bounded, (people[0], people[1]))
            )
            each: dict[str, list[tuple[Any, ...]]] = {}
            if by:
                rest = tuple(d for d in by if people is None or d != "platform")
                each = self._by_each(bounded, rest, buckets) if rest else {}
                if people is not None:
                    each["platform"] = people[2]
                got["by"] = {d: each[d] for d in by}
            if buckets is not None:
                # Read with the breakdowns where they read the posts, else apart.
                got["series"] = (
                    each.pop(_SERIES)
                    if _SERIES in each
                    else self.post_totals(bounded, ("sentiment",), buckets)
                )
            out.append(got)
        return out

    def _topic_people(
        self, scope: Scope, period: Period
    ) -> tuple[int, tuple[int, int, int], list[tuple[Any, ...]]] | None:
        """A saved topic's distinct authors, sentiment counts and posts by
        platform over ``period`` (rows ``(platform, posts, None, None)``:
        engagement and reach not read), in one read of ``author_rollup``
        (its partial days at the edges from posts), or ``None`` where the
        rollup does not answer. The posts by platform read from the posts
        took 25-55 ms a topic's month at 1M posts, twice (the period before
        too) for every topic of the dashboard; the authors and sentiment
        read the same rollup rows twice more."""
        topic = rollup_topic(scope)
        if topic is None or scope.topic_id is None or scope.scan:
            return None
        # The day a retention purge cut in two keeps in the rollup the posts
        # it deleted (it drops whole days only): a period reaching back to
        # the oldest post held reads the posts, as a scan counts them. (So
        # no period read here holds a purged day: the purged sentiment
        # ``sentiment_totals`` adds is none here.)
        oldest = self.conn.execute("SELECT published_at FROM posts ORDER BY pk LIMIT 1").fetchone()
        if oldest is None or -(-int(period.since.timestamp()) // DAY) <= int(oldest[0]) // DAY:
            return None
        union, params = author_rows(self.conn, scope, period, topic)
        rows = self.conn.execute(
            "SELECT platform, count(DISTINCT CASE WHEN handle != '' THEN handle END), "
            f"sum(posts), sum(positive), sum(negative), sum(neutral) FROM ({union}) GROUP BY 1",
            params,
        ).fetchall()
        authors = sum(int(r[1]) for r in rows)
        moods = (
            sum(int(r[3] or 0) for r in rows),
            sum(int(r[4] or 0) for r in rows),
            sum(int(r[5] or 0) for r in rows),
        )
        return authors, moods, [(r[0], int(r[2]), None, None) for r in rows if r[2]]

    def _by_each(
        self, scope: Scope, by: tuple[str, ...], series: Any = None
    ) -> dict[str, list[tuple[Any, ...]]]:
        """``post_totals`` of ``scope`` by each dimension of ``by`` alone. No
        rollup answers a topic's or a query's posts by a dimension: each
        dimension read the scope's posts again (four reads a period, the
        report's and the dashboard's breakdowns, 0.3 s of a topic's week at
        1M posts), so they are read once, grouped by every dimension, and
        summed for each. The whole workspace's come from the rollups.
        ``series`` (buckets, with ``sentiment`` among ``by``): the same read
        grouped by bucket too gives, under :data:`_SERIES`, the rows
        ``(bucket, sentiment, posts, engagement, reach)`` a report's net
        sentiment draws, which read the same posts again (13 ms of a
        topic's week at 1M posts)."""
        if not scope.restricted or len(by) < 2:
            return {d: self.post_totals(scope, (d,)) for d in by}
        lead = 0 if series is None or "sentiment" not in by else 1
        rows = self.post_totals(scope, by, series) if lead else self.post_totals(scope, by)
        out: dict[str, list[tuple[Any, ...]]] = {}
        keys: list[tuple[str, Callable[[tuple[Any, ...]], Any]]] = [
            (d, itemgetter(lead + i)) for i, d in enumerate(by)
        ]
        if lead:
            keys.append((_SERIES, itemgetter(0, 1 + by.index("sentiment"))))
        for d, key_of in keys:
            # As SQL sums: a measure no row gave stays None, else the sum of those given.
            sums: dict[Any, list[Any]] = {}
            for row in rows:
                got = sums.setdefault(key_of(row), [None, None, None])
                for j, v in enumerate(row[-3:]):
                    if v is not None:
                        got[j] = v if got[j] is None else got[j] + v
            out[d] = [
                (*k, *v) if d == _SERIES else (k, *v) for k, v in sorted(sums.items()) if v[0]
            ]
        return out

    def _figures(self, scope: Scope) -> dict[str, float]:
        """Posts, engagement, reach, authors, stories and net sentiment of
        ``scope`` (bounded to a period): the whole workspace's and a saved
        topic's from the rollups where they answer, else read in one pass
        over the posts (an ad-hoc query)."""
        whole = scope.topic_id is not None or not scope.restricted
        if whole and scope.flt.since and scope.flt.until:
            return self._rollup_figures(scope)
        sel = self.analytics_copy().select(self.conn, scope)
        if sel is not None:
            from veille.store.sqlite import analytics_columns as columns

            return columns.figures(sel)
        where, params = scope_sql(self.conn, scope)
        return figures_of(
            *self.conn.execute(
                f"SELECT count(*), {KNOWN_POST_ENGAGEMENT}, {KNOWN_POST_REACH}, "
                f"count(DISTINCT CASE WHEN {AUTHORED} "
                "THEN p.platform || char(31) || p.author_handle END), "
                "count(*) - count(p.cluster_id) + count(DISTINCT p.cluster_id), "
                "sum(p.sentiment = 'positive'), sum(p.sentiment = 'negative'), "
                "sum(p.sentiment = 'neutral'), sum(p.counts_given), "
                f"sum(p.author_followers IS NOT NULL) FROM posts p WHERE {where}",
                params,
            ).fetchone()
        )
