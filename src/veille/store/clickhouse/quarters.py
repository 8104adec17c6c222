"""The quarter-hours of ClickHouse's rollups as the aggregations read them
(:mod:`veille.store.clickhouse.analytics`): buckets of a chart, a filter's
bounds and conditions over ``post_rollup``, and the counts retention purges
left in ``topic_purged`` for a saved topic, which count in its totals as
SQLite's topic rollup keeps them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.store.base import PostFilter
from veille.store.clickhouse.purged import SHOWN

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope

QUARTER = 900
# The columns a breakdown may name (they go into the SQL as they are).
DIMS = {"platform", "lang", "country", "sentiment"}


def bucket_sql(buckets: Any, q: str) -> str:
    """The local hour, day or week number of quarter-hour ``q``, for a
    :class:`veille.analytics.volume._Buckets` after its ``keys()`` (integers it
    computed, never user input); the same arithmetic as SQLite's."""
    segs = buckets.segments or [(0, 0)]
    off = str(int(segs[0][1]))
    if len(segs) > 1:
        conds = ", ".join(
            f"{q} < {int(segs[i + 1][0])}, {int(segs[i][1])}" for i in range(len(segs) - 1)
        )
        off = f"multiIf({conds}, {int(segs[-1][1])})"
    local = f"({q} * {QUARTER} + {off})"
    if buckets.interval == "hour":
        return floor_div(local, 3600)
    if buckets.interval == "day":
        return floor_div(local, 86400)
    return floor_div(f"{floor_div(local, 86400)} + 3", 7)


# Past any time a post can hold (as SQLite's keys: within 2**40 s of 1970).
_SHIFT = 1 << 41


def floor_div(x: str, d: int) -> str:
    """``x // d`` in SQL, rounded down as Python rounds it, for an integer
    expression ``x`` (a time or a number of days) and a positive constant
    ``d``. ``intDiv`` truncates toward zero: a time of 1969 fell in the
    quarter-hour, hour, day or week after its own. ``x`` is shifted by a
    multiple of ``d`` past any time held, where both roundings agree."""
    k = -(-_SHIFT // d)
    return f"(intDiv(toInt64({x}) + {k * d}, {d}) - {k})"


def after_1970(f: PostFilter) -> bool:
    """Whether ``f``'s bounds (if any) are both after 1970's first second,
    where the rollups answer: they file a post by ``intDiv``, which puts
    one of the last minutes of 1969 in the quarter-hour (and the day) that
    begins 1970; a period from 1970 or before is counted on the posts, as
    SQLite counts it."""
    return all(t is None or t.timestamp() > 0 for t in (f.since, f.until))


def dimensions(dims: Sequence[str]) -> Sequence[str]:
    """``dims``, each checked to be a column a breakdown may name (they go
    into the SQL as they are)."""
    for d in dims:
        if d not in DIMS:
            raise ValueError(f"unknown dimension {d!r}")
    return dims


def quarter_bounds(f: PostFilter, prefix: str = "") -> tuple[list[str], dict[str, Any]]:
    """``f``'s time bounds over a rollup's ``bucket`` (quarter-hours), and
    their parameters (named ``{prefix}since``, ``{prefix}until``)."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for name, at, op in (("since", f.since, ">="), ("until", f.until, "<")):
        if at is not None:
            clauses.append(f"bucket {op} {{{prefix}{name}:Int64}}")
            params[prefix + name] = int(at.timestamp()) // QUARTER
    return clauses, params


def rollup_filters(f: PostFilter, params: dict[str, Any]) -> list[str]:
    """``f``'s platforms and languages as conditions over ``post_rollup``
    (their parameters added to ``params``)."""
    clauses = []
    for name, values in (("platform", f.platforms), ("lang", f.languages)):
        if values:
            names = []
            for i, v in enumerate(values):
                params[f"{name}{i}"] = v
                names.append(f"{{{name}{i}:String}}")
            clauses.append(f"{name} IN ({', '.join(names)})")
    return clauses


def rollup_dims(f: PostFilter, dims: Sequence[str]) -> set[str]:
    """The dimensions a question over ``post_rollup`` involves: ``dims`` and
    those ``f`` filters on (platform, language). Over more than two, it is
    answered from the posts held, as SQLite answers it (its rollup keeps each
    dimension and pair only, so a purge's figures count in none of those
    answers): the combinations ``veille store migrate`` rebuilds from
    SQLite's pairs (:mod:`veille.store.purged`) are exact in every dimension
    and pair only, and read over three could differ from SQLite's answer and
    fall below 0."""
    needed = set(dims)
    if f.platforms:
        needed.add("platform")
    if f.languages:
        needed.add("lang")
    return needed


def purged_where(scope: Scope, dims: tuple[str, ...] = ()) -> tuple[str, dict[str, Any]] | None:
    """The rows of ``topic_purged`` (what retention purges took out of a
    saved topic) that count in ``scope``'s totals, where SQLite reads its
    topic rollup, which keeps them: the whole topic, no dimension, bounds on
    quarter-hours; else ``None``."""
    f = scope.flt
    if scope.topic_id is None or dims or scope.scan or f.platforms or f.languages:
        return None
    if not after_1970(f):
        return None  # its posts are counted, as SQLite counts them
    # Bounds off the quarter-hours (a KPI's window ends at the second it is
    # read) take the quarter-hours wholly inside, as SQLite reads its rollup
    # there (the edges from the posts held, none of them purged): the
    # purged counts were left out whole, and a KPI read after a purge
    # counted the posts kept only.
    clauses, params = quarter_bounds(replace(f, since=quarter_up(f.since)), "p")
    clauses.insert(0, "topic_id = {pt:Int64}")
    # Not the counts of a purge whose posts its filings still count.
    clauses.append(SHOWN)
    params["pt"] = scope.topic_id
    return " AND ".join(clauses), params


def quarter_up(at: datetime | None) -> datetime | None:
    """``at`` moved on to the next quarter-hour's start (itself when it is one)."""
    if at is None:
        return None
    return datetime.fromtimestamp(-(-int(at.timestamp()) // QUARTER) * QUARTER, UTC)


def whole_quarters(p: Period) -> Period:
    """The quarter-hours wholly inside ``p`` (none when it holds none)."""
    lo = quarter_up(p.since) or p.since
    hi = datetime.fromtimestamp(int(p.until.timestamp()) // QUARTER * QUARTER, UTC)
    return replace(p, since=lo, until=max(lo, hi))


def known_totals(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    """Rows ``(*keys, posts, engagement, reach, posts that gave counts, posts
    that gave followers)`` as ``post_totals`` gives them: engagement ``None``
    where no post gave counts, reach where none gave followers, rows without
    posts left out."""
    return [
        (*r[:-5], r[-5], r[-4] if r[-2] else None, r[-3] if r[-1] else None) for r in rows if r[-5]
    ]


def purged_sql(
    scope: Scope, dims: tuple[str, ...], buckets: Any, sums: str
) -> tuple[str, dict[str, Any]] | None:
    """A ``SELECT [k,] sums`` of :func:`purged_where`'s rows, or ``None``."""
    purged = purged_where(scope, dims)
    if purged is None:
        return None
    lead = ""
    if buckets is not False:
        lead = ("bucket" if buckets is True else bucket_sql(buckets, "bucket")) + " AS k, "
    group = " GROUP BY k" if lead else ""
    return f"SELECT {lead}{sums} FROM topic_purged WHERE {purged[0]}{group}", purged[1]


def purged_moods_sql(
    scope: Scope, buckets: Any, *, unscored: bool = True
) -> tuple[str, dict[str, Any]] | None:
    """A ``SELECT [k,] sentiment, posts`` of what retention purges took out
    of ``scope``'s saved topic (``topic_purged``), where its volume counts
    them, over its whole quarter-hours; ``None`` elsewhere. ``unscored``:
    with ``""`` rows, the posts of no kept sentiment (not scored, or purged
    before schema 16)."""
    purged = purged_where(scope)
    if purged is None:
        return None
    lead, group = "", "label"
    if buckets is not False:
        lead = ("bucket" if buckets is True else bucket_sql(buckets, "bucket")) + " AS k, "
        group = "k, label"
    unknown = ", ('', posts - positive - negative - neutral)" if unscored else ""
    return (
        f"SELECT {lead}kv.1 AS label, toInt64(sum(kv.2)) AS n FROM topic_purged "
        "ARRAY JOIN [('positive', positive), ('negative', negative), "
        f"('neutral', neutral){unknown}] AS kv "
        f"WHERE {purged[0]} GROUP BY {group} HAVING n > 0 ORDER BY {group}",
        purged[1],
    )


# ``post_rollup``'s columns, as :func:`rollup_rows` gives them.
ROLLUP_COLUMNS = (
    "bucket, platform, lang, country, sentiment, posts, engagement, reach, counted, followed"
)
# A post in ``post_rollup``'s columns, read from ``_p`` (a subquery over the
# posts whose names are none of these: an alias named after a column of
# ``posts`` would be read by the subquery's WHERE instead).
_POST_AS_ROLLUP = (
    "SELECT intDiv(_t, 900) AS bucket, _pf AS platform, ifNull(_lg, '') AS lang, "
    "ifNull(_c, '') AS country, ifNull(_s, '') AS sentiment, toInt64(1) AS posts, "
    "toInt64(_e) AS engagement, toInt64(ifNull(_fo, 0)) AS reach, "
    "toInt64(_g != 0) AS counted, toInt64(isNotNull(_fo)) AS followed FROM ("
    "SELECT published_at AS _t, toString(platform) AS _pf, lang AS _lg, country AS _c, "
    "toString(sentiment) AS _s, likes + shares + replies AS _e, author_followers AS _fo, "
    "counts_given AS _g FROM posts FINAL WHERE {where})"
)


def quarter_edges(f: PostFilter) -> tuple[PostFilter, list[PostFilter]] | None:
    """``f`` bounded off the quarter-hours, cut where its period meets them:
    the whole quarter-hours inside it (which ``post_rollup`` answers, the
    posts a retention purge deleted included) and the minutes before and
    after them (at most a quarter-hour each, read from the posts), as SQLite
    cuts it. ``None`` where its bounds are on quarter-hours, or it holds no
    whole quarter-hour."""
    if all(t is None or int(t.timestamp()) % QUARTER == 0 for t in (f.since, f.until)):
        return None
    lo = quarter_up(f.since)
    hi = None
    if f.until is not None:
        hi = datetime.fromtimestamp(int(f.until.timestamp()) // QUARTER * QUARTER, UTC)
    if lo is not None and hi is not None and lo >= hi:
        return None
    edges = []
    if f.since is not None and lo is not None and int(lo.timestamp()) != int(f.since.timestamp()):
        edges.append(replace(f, until=lo))
    if f.until is not None and hi is not None and int(hi.timestamp()) != int(f.until.timestamp()):
        edges.append(replace(f, since=hi))
    return replace(f, since=lo, until=hi), edges


def rollup_rows(f: PostFilter, params: dict[str, Any], prefix: str = "") -> str | None:
    """A ``SELECT`` of :data:`ROLLUP_COLUMNS` answering ``f`` (a filter
    bounded off the quarter-hours; its parameters added to ``params``):
    ``post_rollup``'s rows of its whole quarter-hours, and its posts of the
    minutes at either edge as rows of their own. ``None`` where
    :func:`quarter_edges` gives none. ``prefix``: in its bounds' parameter
    names (several in one query name theirs apart)."""
    from veille.store.clickhouse.filters import filter_where

    cut = quarter_edges(f)
    if cut is None:
        return None
    inner, edges = cut
    clauses, bounds = quarter_bounds(inner, f"{prefix}q")
    params.update(bounds)
    clauses.extend(rollup_filters(inner, params))
    parts = [f"SELECT {ROLLUP_COLUMNS} FROM post_rollup WHERE {' AND '.join(clauses) or '1'}"]
    parts.extend(_POST_AS_ROLLUP.format(where=filter_where(e, params).sql) for e in edges)
    return " UNION ALL ".join(parts)
