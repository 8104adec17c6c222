"""Top posts, authors, domains, links and hashtags; stories; headline figures.

A post's *engagement* is likes + shares + replies; its *reach* is its
author's followers when it was seen (the audience it could reach). A *story*
is a near-duplicate cluster (``cluster_id``) counted once; a post without a
cluster is a story of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from veille.analytics import columns
from veille.analytics.authors import distinct_authors, top_author_rows, topic_exists
from veille.analytics.scope import Period, Scope
from veille.analytics.volume import QUARTER, _cube, change, connection, grouped
from veille.errors import UsageError
from veille.models import Post
from veille.store.sqlite.rows import POST_COLUMNS, row_to_post

_ENG = "(p.likes + p.shares + p.replies)"
_REACH = "coalesce(p.author_followers, 0)"
_SELECT_POST = ", ".join("p." + c for c in POST_COLUMNS[1:])
TOP_POST_ORDERS = {"engagement": _ENG, "reach": _REACH}
ENTITY_COLUMNS = {
    "hashtags": "hashtags",
    "domains": "domains",
    "links": "links",
    "mentions": "mentions",
}


_ORDER_INDEX = {"engagement": "posts_engagement", "reach": "posts_reach"}


def _walk_index(store: Any, scope: Scope) -> bool | None:
    """Whether walking an engagement/reach index beats reading the period:
    ``None`` when the period is known to be empty."""
    if scope.restricted:
        return False
    rows = grouped(store, scope)
    n = rows[0][-3] if rows else 0
    if not n:
        return None
    total = grouped(store, Scope())
    # Rows walked before ``limit`` hits ~ limit / share of the period.
    return n >= 0.01 * (total[0][-3] if total else 1)


def top_posts(
    store: Any,
    scope: Scope,
    period: Period,
    *,
    by: str = "engagement",
    limit: int = 10,
    unclustered: bool = False,
) -> list[Post]:
    """The ``limit`` posts of the period with the most engagement (or reach);
    ``unclustered`` keeps only the posts outside any story cluster."""
    if by not in TOP_POST_ORDERS:
        raise UsageError(f"cannot rank posts by {by!r}", hint="Use engagement or reach.")
    scoped = scope.during(period)
    sel = columns.select(store, scoped)
    if sel is not None:
        return _posts_by_key(store, columns.top_keys(sel, by, limit, unclustered=unclustered))
    where = " AND p.cluster_id IS NULL" if unclustered else ""
    walk = _walk_index(store, scoped)
    if walk is None:
        return []
    sql_where, params = scoped.sql()
    if walk:
        # Read the index in order and stop at ``limit`` posts of the period
        # ("+" keeps the planner off the published_at index).
        sql_where = sql_where.replace("p.published_at", "+p.published_at")
    hint = f" INDEXED BY {_ORDER_INDEX[by]}" if walk else ""
    rows = connection(store).execute(
        f"SELECT {_SELECT_POST} FROM posts p{hint} WHERE {sql_where}{where} "
        f"ORDER BY {TOP_POST_ORDERS[by]} DESC, p.published_at DESC, p.pk DESC LIMIT ?",
        [*params, limit],
    )
    return [row_to_post(r) for r in rows]


def _posts_keyed(store: Any, keys: list[int]) -> dict[int, Post]:
    """The posts keyed ``keys``, by key."""
    if not keys:
        return {}
    rows = connection(store).execute(
        f"SELECT p.pk, {_SELECT_POST} FROM posts p WHERE p.pk IN ({','.join('?' * len(keys))})",
        keys,
    )
    return {r[0]: row_to_post(r[1:]) for r in rows}


def _posts_by_key(store: Any, keys: list[int]) -> list[Post]:
    """The posts keyed ``keys``, in that order."""
    found = _posts_keyed(store, keys)
    return [found[k] for k in keys if k in found]


@dataclass(frozen=True)
class AuthorRow:
    platform: str
    handle: str
    name: str | None
    posts: int
    engagement: int
    followers: int


def top_authors(
    store: Any, scope: Scope, period: Period, *, by: str = "posts", limit: int = 10
) -> list[AuthorRow]:
    """Authors of the period by number of posts (or engagement, or followers)."""
    order = {"posts": 4, "engagement": 5, "followers": 6}
    if by not in order:
        raise UsageError(
            f"cannot rank authors by {by!r}", hint="Use posts, engagement or followers."
        )
    fast = top_author_rows(store, scope, period, order[by], limit)
    if fast is not None:
        return [AuthorRow(pf, h, n, c, e or 0, f or 0) for pf, h, n, c, e, f in fast]
    sel = columns.select(store, scope.during(period))
    if sel is not None:
        return [AuthorRow(*row) for row in columns.top_authors(sel, by, limit)]
    where, params = scope.during(period).sql()
    rows = connection(store).execute(
        "SELECT p.platform, p.author_handle, max(p.author_name), count(*), "
        f"sum({_ENG}), max({_REACH}) FROM posts p WHERE {where} "
        f"GROUP BY 1, 2 ORDER BY {order[by]} DESC, 4 DESC, 2, 1 LIMIT ?",
        [*params, limit],
    )
    return [AuthorRow(pf, h, n, c, e or 0, f or 0) for pf, h, n, c, e, f in rows]


@dataclass(frozen=True)
class EntityRow:
    value: str
    posts: int
    engagement: int


def _json_list(col: str) -> str:
    """SQL turning a space-separated column into a JSON array (``[]`` when an
    item cannot be one), to split it with ``json_each``; as in migration 0041."""
    arr = (
        f"'[\"' || replace(replace(replace({col}, '\\', '\\\\'), '\"', '\\\"'), ' ', '\",\"')"
        " || '\"]'"
    )
    return f"CASE WHEN {col} != '' AND json_valid({arr}) THEN {arr} ELSE '[]' END"


def top_entities(
    store: Any, scope: Scope, period: Period, kind: str, *, limit: int = 10
) -> list[EntityRow]:
    """Hashtags, domains, links or mentions by the number of posts holding them."""
    col = ENTITY_COLUMNS.get(kind)
    if col is None:
        raise UsageError(f"unknown list {kind!r}", hint=f"Use one of {', '.join(ENTITY_COLUMNS)}.")
    scoped = scope.during(period)
    conn = connection(store)
    f = scoped.flt
    if kind in ("hashtags", "domains") and _cube(scoped, ()) == [] and f.since and f.until:
        # Whole UTC days from the day rows, the edges from the quarter rows.
        q0, q1 = int(f.since.timestamp()) // QUARTER, int(f.until.timestamp()) // QUARTER
        d0, d1 = -(-q0 // 96), q1 // 96
        ranges = [(kind, q0, q1)] if d0 >= d1 else [
            (kind, q0, d0 * 96), (f"{kind}@day", d0, d1), (kind, d1 * 96, q1)
        ]  # fmt: skip
        part = (
            "SELECT value, posts, engagement FROM entity_rollup "
            "WHERE kind = ? AND bucket >= ? AND bucket < ?"
        )
        union = " UNION ALL ".join([part] * len(ranges))
        rows = conn.execute(
            f"SELECT value, sum(posts), sum(engagement) FROM ({union}) "
            "GROUP BY 1 HAVING sum(posts) > 0 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?",
            [*(x for r in ranges for x in r), limit],
        )
        return [EntityRow(v, n, e or 0) for v, n, e in rows]
    sel = columns.select(store, scoped)
    if sel is not None:
        return [EntityRow(v, n, e) for v, n, e in columns.top_entities(sel, col, limit)]
    where, params = scoped.sql()
    key = "lower(j.value)" if kind in ("hashtags", "mentions") else "j.value"
    rows = conn.execute(
        f"SELECT v, count(*), sum(e) FROM (SELECT DISTINCT p.pk, {key} AS v, {_ENG} AS e "
        f"FROM posts p, json_each({_json_list('p.' + col)}) j WHERE {where}) "
        "GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?",
        [*params, limit],
    )
    return [EntityRow(v, n, e or 0) for v, n, e in rows]


@dataclass(frozen=True)
class Story:
    key: str
    posts: int
    reach: int
    engagement: int
    platforms: tuple[str, ...]
    first: Post


def stories(
    store: Any, scope: Scope, period: Period, *, by: str = "reach", limit: int = 10
) -> list[Story]:
    """Near-duplicate clusters counted once: copies, total reach and engagement,
    the platforms they reached, and their earliest post. A post outside any
    cluster is a story of its own."""
    if by not in ("reach", "posts", "engagement"):
        raise UsageError(f"cannot rank stories by {by!r}", hint="Use reach, posts or engagement.")
    scoped = scope.during(period)
    sel = columns.select(store, scoped)
    if sel is not None:
        rows = columns.story_rows(sel, by, limit)
    else:
        rows = _story_rows(store, scoped, by, limit)
    firsts = _posts_keyed(store, [r[5] for r in rows])
    found = [
        Story(key, n, reach or 0, eng or 0, tuple(sorted(pf.split(","))), firsts[m])
        for key, n, reach, eng, pf, m in rows
    ]
    # Posts outside clusters: the best of them by the same measure.
    single = top_posts(
        store, scope, period, by="engagement" if by == "engagement" else "reach",
        limit=limit, unclustered=True,
    )  # fmt: skip
    found += [
        Story(p.id, 1, p.author.followers or 0, p.engagement.total, (p.platform,), p)
        for p in single
    ]
    key = {
        "reach": lambda s: s.reach,
        "posts": lambda s: s.posts,
        "engagement": lambda s: s.engagement,
    }
    found.sort(key=lambda s: (-key[by](s), -s.posts, s.first.published_at, s.key))
    return found[:limit]


def _story_rows(store: Any, scope: Scope, by: str, limit: int) -> list[tuple[Any, ...]]:
    """``(cluster, posts, reach, engagement, "platform,…", first key)`` of the
    best ``limit`` clusters of ``scope`` (bounded to a period), read in SQL."""
    where, params = scope.sql()
    order = {"reach": 3, "posts": 2, "engagement": 4}[by]
    return (
        connection(store)
        .execute(
            f"SELECT p.cluster_id, count(*), sum({_REACH}), sum({_ENG}), "
            # Posts are keyed by time: the smallest key is the earliest post.
            "group_concat(DISTINCT p.platform), min(p.pk) "
            f"FROM posts p WHERE {where} AND p.cluster_id IS NOT NULL "
            f"GROUP BY 1 ORDER BY {order} DESC, 2 DESC, 1 LIMIT ?",
            [*params, limit],
        )
        .fetchall()
    )


def story_count(store: Any, scope: Scope, period: Period) -> int:
    """Distinct stories: posts outside clusters plus distinct clusters (the
    clustered posts are read through their partial index only)."""
    scoped = scope.during(period)
    where, params = topic_exists(scoped).sql()
    rows = grouped(store, scoped)
    total = rows[0][-3] if rows else 0
    clustered, clusters = (
        connection(store)
        .execute(
            "SELECT count(*), count(DISTINCT p.cluster_id) FROM posts p "
            f"WHERE {where} AND p.cluster_id IS NOT NULL",
            params,
        )
        .fetchone()
    )
    return int(total - clustered + clusters)


def author_count(store: Any, scope: Scope, period: Period) -> int:
    fast = distinct_authors(store, scope, period)
    if fast is not None:
        return fast
    where, params = scope.during(period).sql()
    return int(
        connection(store)
        .execute(
            f"SELECT count(*) FROM (SELECT 1 FROM posts p WHERE {where} "
            "GROUP BY p.platform, p.author_handle)",
            params,
        )
        .fetchone()[0]
    )


@dataclass(frozen=True)
class Figure:
    """A headline figure and its value in the previous period."""

    name: str
    value: float
    previous: float

    @property
    def change(self) -> float | None:
        return change(self.value, self.previous)


def _figures_in_one_pass(store: Any, scope: Scope) -> dict[str, float]:
    """Every headline figure of ``scope`` (already bounded to a period) read
    in one pass over its posts: for scopes no rollup answers (an ad-hoc
    query), where each figure would otherwise read the posts again."""
    sel = columns.select(store, scope)
    if sel is not None:
        return columns.figures(sel)
    where, params = scope.sql()
    posts, eng, reach, authors, stories, pos, neg, neu = (
        connection(store)
        .execute(
            f"SELECT count(*), sum({_ENG}), sum({_REACH}), "
            "count(DISTINCT p.platform || char(31) || p.author_handle), "
            "count(*) - count(p.cluster_id) + count(DISTINCT p.cluster_id), "
            "sum(p.sentiment = 'positive'), sum(p.sentiment = 'negative'), "
            f"sum(p.sentiment = 'neutral') FROM posts p WHERE {where}",
            params,
        )
        .fetchone()
    )
    scored = (pos or 0) + (neg or 0) + (neu or 0)
    return {
        "posts": posts or 0,
        "engagement": eng or 0,
        "reach": reach or 0,
        "authors": authors or 0,
        "stories": stories or 0,
        "net_sentiment": ((pos or 0) - (neg or 0)) / scored if scored else 0.0,
    }


def headline(store: Any, scope: Scope, period: Period) -> dict[str, Figure]:
    """Posts, engagement, reach, authors, stories and net sentiment, each beside
    the previous period."""
    from veille.analytics.volume import overall_sentiment

    out: dict[str, Figure] = {}
    vals = []
    for p in (period, period.previous()):
        if scope.restricted and scope.topic_id is None:
            vals.append(_figures_in_one_pass(store, scope.during(p)))
            continue
        rows = grouped(store, scope.during(p))
        posts, eng, reach = (rows[0] if rows else (0, 0, 0))[-3:]
        s = overall_sentiment(store, scope, p)
        vals.append(
            {
                "posts": posts or 0,
                "engagement": eng or 0,
                "reach": reach or 0,
                "authors": author_count(store, scope, p),
                "stories": story_count(store, scope, p),
                "net_sentiment": s.net if s.net is not None else 0.0,
            }
        )
    for name in vals[0]:
        out[name] = Figure(name, vals[0][name], vals[1][name])
    return out
