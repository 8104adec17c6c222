"""Top authors, entities and story clusters of a period from the day rollups
(:mod:`veille.store.clickhouse.schema`) instead of a scan of ``posts FINAL``.

A rollup answers a scope without a restriction (no query, words or topic)
whose filters it records: platforms for authors and clusters, none for
entities; languages never. The period's whole UTC days are read from the
rollup and its partial days at either edge from ``posts`` (one row per post,
in the rollup's columns), so the answer is the scan's, exactly. Each key's
posts are summed and kept above zero (a post taken out, or moved to another
value by an update, leaves rows that sum to zero until a merge drops them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from veille.store.base import PostFilter
from veille.store.clickhouse.filters import POSTS, filter_where
from veille.store.clickhouse.purged import ENTITY_SHOWN

if TYPE_CHECKING:
    from veille.analytics.scope import Scope

DAY = 86400
QUARTER = 900
ENG = "(likes + shares + replies)"

# Columns of the rows each rollup holds, as read from a post (a UNION takes
# the rollup's names; an alias here never names a column of ``posts``, which
# the edge's WHERE would then read).
AUTHOR_POST = (
    "platform, author_handle AS handle, ifNull(author_followers, 0) AS followers, "
    "toUInt8(isNotNull(author_name)) AS named, ifNull(author_name, '') AS name, "
    f"toInt64(1) AS posts, {ENG} AS engagement"
)
AUTHOR_ROLLUP = "platform, handle, followers, named, name, posts, engagement"
# Rows of an author: a post without one (an empty handle) is in no per-author figure.
AUTHORED = "handle != ''"
ENTITY_POST = {
    "hashtags": "arrayJoin(arrayDistinct(arrayMap(x -> lower(x), hashtags))) AS value, "
    f"toInt64(1) AS posts, {ENG} AS engagement",
    "domains": "arrayJoin(arrayDistinct(domains)) AS value, "
    f"toInt64(1) AS posts, {ENG} AS engagement",
}
ENTITY_ROLLUP = "value, posts, engagement"
CLUSTER_POST = (
    "assumeNotNull(cluster_id) AS in_cluster, platform, toInt64(1) AS posts, "
    f"ifNull(author_followers, 0) AS reach, {ENG} AS engagement"
)
CLUSTER_ROLLUP = "cluster_id, platform, posts, reach, engagement"


@dataclass
class Days:
    """The whole UTC days ``[d0, d1)`` of a scope's period and its edges
    (``[lo, hi)`` seconds) outside them."""

    d0: int
    d1: int
    edges: list[tuple[int, int]]
    platforms: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    # In its parameters' names: several periods' days in one query (their
    # ``params`` then one dict) name theirs apart.
    tag: str = ""

    def union(self, table: str, rollup_cols: str, post_cols: str, *, extra: str = "") -> str:
        """Rows of ``table`` for the whole days, and of ``posts`` (as
        ``post_cols``, under the condition ``extra``) for the edges."""
        r = f"r{self.tag}_"
        self.params.update({f"{r}d0": self.d0, f"{r}d1": self.d1})
        cond = f"day >= {{{r}d0:Int64}} AND day < {{{r}d1:Int64}}"
        if self.platforms:
            names = []
            for i, v in enumerate(self.platforms):
                self.params[f"{r}pf{i}"] = v
                names.append(f"{{{r}pf{i}:String}}")
            cond += f" AND platform IN ({', '.join(names)})"
        if table == "entity_rollup":
            cond = "kind = {r_kind:String} AND " + cond
        parts = [f"SELECT {rollup_cols} FROM {table} WHERE {cond}"]
        for lo, hi in self.edges:
            flt = PostFilter(since=_at(lo), until=_at(hi), platforms=self.platforms)
            where = filter_where(flt, self.params)
            parts.append(f"SELECT {post_cols} FROM {POSTS} WHERE {where.and_(extra or '1')}")
        return " UNION ALL ".join(parts)

    def purged_edges(self) -> str:
        """``entity_purged``'s rows (``value, posts, engagement``) of the
        whole quarter-hours of the edges, under ``kind = {r_kind}``: what a
        retention purge took out of the days the edges fall in, which
        ``entity_rollup`` keeps per day only (a ``UNION ALL`` part, or ''):
        not a stopped purge's, whose posts the edges still read."""
        r = f"r{self.tag}_"
        conds = []
        for i, (lo, hi) in enumerate(self.edges):
            self.params.update({f"{r}e{i}lo": -(-lo // QUARTER), f"{r}e{i}hi": hi // QUARTER})
            conds.append(f"(bucket >= {{{r}e{i}lo:Int64}} AND bucket < {{{r}e{i}hi:Int64}})")
        if not conds:
            return ""
        return (
            " UNION ALL SELECT value, posts, engagement FROM entity_purged "
            f"WHERE kind = {{r_kind:String}} AND ({' OR '.join(conds)}) AND {ENTITY_SHOWN}"
        )


def _at(ts: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC)


def whole_days(scope: Scope, *, platforms: bool = True) -> Days | None:
    """The days of ``scope`` a rollup answers, or ``None`` when it cannot
    (a restriction, a language filter, a platform filter where the rollup
    has no platform, an open period, or no whole day in it)."""
    f = scope.flt
    if scope.restricted or f.languages or (f.platforms and not platforms):
        return None
    if f.since is None or f.until is None:
        return None
    since, until = int(f.since.timestamp()), int(f.until.timestamp())
    # Before 1970 intDiv (towards zero) and day numbers part ways: day 0
    # holds 31 December 1969 too, so a period from 1970 or before scans.
    if since <= 0:
        return None
    d0, d1 = -(-since // DAY), until // DAY
    if d0 >= d1:
        return None
    edges = [(lo, hi) for lo, hi in ((since, d0 * DAY), (d1 * DAY, until)) if lo < hi]
    return Days(d0, d1, edges, tuple(f.platforms))
