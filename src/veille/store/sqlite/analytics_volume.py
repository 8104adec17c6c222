"""Volume, breakdowns and sentiment totals in SQLite (part of :class:`SQLiteAnalytics`).

Scopes without a restriction read ``post_rollup`` (kept exact by triggers),
a saved topic reads ``topic_rollup``, an ad-hoc query of words counts on the
full-text index alone or reads the column copy a long-lived process keeps;
anything else scans ``posts``. Every path gives the same answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.store.sqlite.analytics_authors import (
    author_rows,
    purged_topic_sentiment,
    rollup_topic,
)
from veille.store.sqlite.analytics_keep import KeepsColumns
from veille.store.sqlite.analytics_sql import (
    KNOWN_ENGAGEMENT,
    KNOWN_POST_ENGAGEMENT,
    KNOWN_POST_REACH,
    KNOWN_REACH,
    QUARTER,
    bucket_sql,
    floor_div,
    fts_match,
    scope_sql,
)
from veille.store.sqlite.filters import filter_sql

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope
    from veille.store.base import PostFilter

# Above this many buckets, one pass over the matches beats a count per bucket.
COUNT_PER_BUCKET = 400


def rolled_bounds(since: datetime | None, until: datetime | None) -> bool:
    """Whether the quarter-hour rollups answer a period from ``since`` to
    ``until``: both on a quarter-hour, and neither at or before 1970's first
    second. SQLite's integer division truncates toward zero: the rollups
    file a post of the last minutes of 1969 under the quarter-hour that
    begins 1970, so such a period is counted on the posts."""
    return all(
        t is None or (int(t.timestamp()) % QUARTER == 0 and t.timestamp() > 0)
        for t in (since, until)
    )


def cube(scope: Scope, dims: tuple[str, ...]) -> list[str] | None:
    """The ``post_rollup`` dimensions that answer ``dims`` under ``scope``'s
    filters, or ``None`` when the rollup cannot (a restriction, bounds not on
    a quarter-hour, or more than two dimensions involved)."""
    f = scope.flt
    if scope.restricted:
        return None
    if not rolled_bounds(f.since, f.until):
        return None
    needed = set(dims)
    if f.platforms:
        needed.add("platform")
    if f.languages:
        needed.add("lang")
    return sorted(needed) if len(needed) <= 2 else None


def _rollup_answers(scope: Scope, dims: tuple[str, ...]) -> bool:
    """True when a rollup answers ``scope`` (its bounds on quarter-hours)."""
    f = scope.flt
    if scope.topic_id is not None and not dims and not f.platforms and not f.languages:
        return rolled_bounds(f.since, f.until)
    return cube(scope, dims) is not None


def _split_at_quarters(scope: Scope, dims: tuple[str, ...]) -> list[Scope] | None:
    """``scope`` cut where its period meets quarter-hours, when its bounds are
    not on one and a rollup answers the quarter-hours in between: those from
    the rollup, the minutes before and after (at most a quarter-hour each)
    from the posts. A period ending "now" is never on a quarter-hour; without
    this, every such count (a KPI and each window of its history) read every
    post of the period. ``None``: nothing to cut (read as it is)."""
    f = scope.flt
    since, until = f.since, f.until
    if all(t is None or int(t.timestamp()) % QUARTER == 0 for t in (since, until)):
        return None

    # Stores and filters read bounds to the second (``int(timestamp)``).
    lo = None if since is None else -(-int(since.timestamp()) // QUARTER) * QUARTER
    hi = None if until is None else int(until.timestamp()) // QUARTER * QUARTER
    if lo is not None and hi is not None and lo >= hi:
        return None  # within one quarter-hour: few posts to read
    inner = replace(scope, flt=replace(f, since=_utc(lo), until=_utc(hi)))
    if not _rollup_answers(inner, dims):
        return None
    parts = [inner]
    if since is not None and lo != int(since.timestamp()):
        parts.append(replace(scope, flt=replace(f, since=since, until=_utc(lo))))
    if until is not None and hi != int(until.timestamp()):
        parts.append(replace(scope, flt=replace(f, since=_utc(hi), until=until)))
    return parts


def _utc(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _merged(rows: list[tuple[Any, ...]], *, measures: int) -> list[tuple[Any, ...]]:
    """``rows`` of the parts of one period added up, per key (the columns
    before the last ``measures``)."""
    sums: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        key, values = row[:-measures], row[-measures:]
        got = sums.get(key)
        if got is None:
            sums[key] = list(values)
        else:
            for i, v in enumerate(values):
                # Unknown (None: no post gave counts) plus a count is the count.
                got[i] = v if got[i] is None else got[i] if v is None else got[i] + v
    return [(*key, *values) for key, values in sums.items() if values[0]]


class SQLiteVolume(KeepsColumns):
    """Counts of posts, engagement and reach, grouped."""

    if TYPE_CHECKING:  # provided by the search class the store mixes in

        def _index_count(self, match: str, flt: PostFilter | None) -> int | None:
            """Posts of ``flt``'s period holding the full-text ``match``."""
            ...

    def post_count(self, scope: Scope) -> int:
        """How many posts ``scope`` holds (``post_totals(scope)``'s posts).

        An ad-hoc query that one FTS5 expression says whole (words, phrases,
        prefixes; no platform, language or other restriction) is counted on
        the full-text index alone, its period a range of the index's rowids
        (posts are keyed by time): no post is read. At 1M posts, ``lumio OR
        vexa`` over 30 days took about 0.27 s of CPU through ``post_totals``
        (each match read for its engagement and reach, which a count does
        not need). Anything else is ``post_totals``' count."""
        f = scope.flt
        if not (scope.topics or scope.words or scope.scan or f.platforms or f.languages):
            match = fts_match(self.conn, scope)
            if match is not None:
                counted = self._index_count(match, f)
                if counted is not None:
                    return counted
        rows = self.post_totals(scope)
        return int(rows[0][-3]) if rows else 0

    def post_totals(
        self,
        scope: Scope,
        dims: tuple[str, ...] = (),
        buckets: Any = False,
        *,
        coverage: bool = False,
    ) -> list[tuple[Any, ...]]:
        """Rows ``([bucket,] *dims, posts, engagement, reach)``, engagement
        ``None`` where none of the posts gave counts, reach ``None`` where
        none gave a follower count; ``buckets`` is
        ``False``, ``True`` (quarter-hours) or a ``_Buckets`` (local hours,
        days, weeks); missing dimension values are ``""``. ``coverage`` adds
        two measures: the posts that gave counts and those that gave a
        follower count (what engagement and reach cover)."""
        m = 5 if coverage else 3
        split = _split_at_quarters(scope, dims)
        if split is not None:
            return _merged(
                [
                    row
                    for part in split
                    for row in self.post_totals(part, dims, buckets, coverage=coverage)
                ],
                measures=m,
            )
        rolled = ", sum(counted), sum(followed)" if coverage else ""
        conn = self.conn

        def bucket(q: str) -> list[str]:
            if buckets is False:
                return []
            return [q if buckets is True else bucket_sql(buckets, q)]

        n = len(dims) + (0 if buckets is False else 1)
        group = f" GROUP BY {', '.join(str(i) for i in range(1, n + 1))}" if n else ""
        f = scope.flt
        aligned = rolled_bounds(f.since, f.until)
        if (
            scope.topic_id is not None
            and not dims
            and aligned
            and not f.platforms
            and not f.languages
        ):
            clauses: list[str] = ["topic_id = ?"]
            params: list[Any] = [scope.topic_id]
            if f.since is not None:
                clauses.append("bucket >= ?")
                params.append(int(f.since.timestamp()) // QUARTER)
            if f.until is not None:
                clauses.append("bucket < ?")
                params.append(int(f.until.timestamp()) // QUARTER)
            lead = "".join(c + ", " for c in bucket("bucket"))
            sql = (
                f"SELECT {lead}sum(posts), {KNOWN_ENGAGEMENT}, {KNOWN_REACH}{rolled} "
                "FROM topic_rollup "
                f"WHERE {' AND '.join(clauses)}{group}"
            )
            return [r for r in conn.execute(sql, params).fetchall() if r[-m]]
        dims_cube = cube(scope, dims)
        if dims_cube is not None:
            column = {name: f"v{i + 1}" for i, name in enumerate(dims_cube)}
            clauses = ["dim = ?"]
            params = ["+".join(dims_cube)]
            if f.since is not None:
                clauses.append("bucket >= ?")
                params.append(int(f.since.timestamp()) // QUARTER)
            if f.until is not None:
                clauses.append("bucket < ?")
                params.append(int(f.until.timestamp()) // QUARTER)
            for name, values in (("platform", f.platforms), ("lang", f.languages)):
                if values:
                    clauses.append(f"{column[name]} IN ({','.join('?' * len(values))})")
                    params.extend(values)
            cols = bucket("bucket") + [column[d] for d in dims]
            sel = ", ".join([*cols, "sum(posts)", KNOWN_ENGAGEMENT, KNOWN_REACH])
            sql = f"SELECT {sel}{rolled} FROM post_rollup WHERE {' AND '.join(clauses)}{group}"
            return [r for r in conn.execute(sql, params).fetchall() if r[-m]]
        copy = self.analytics_copy().select(conn, scope)
        if copy is not None:
            from veille.store.sqlite import analytics_columns as columns

            return columns.grouped(copy, dims, buckets, coverage=coverage)
        where, params = scope_sql(self.conn, scope)
        quarter = f"({floor_div('p.published_at', QUARTER)})"
        cols = bucket(quarter) + [f"coalesce(p.{d}, '')" for d in dims]
        sel = ", ".join(
            [
                *cols,
                "count(*)",
                KNOWN_POST_ENGAGEMENT,
                KNOWN_POST_REACH,
                *(
                    ["sum(p.counts_given)", "sum(p.author_followers IS NOT NULL)"]
                    if coverage
                    else []
                ),
            ]
        )
        sql = f"SELECT {sel} FROM posts p WHERE {where}{group}"
        return [r for r in conn.execute(sql, params).fetchall() if r[-m]]

    def gave_counts(self, scope: Scope) -> tuple[bool, bool]:
        """Whether some post of ``scope`` (bounded to a period) gave like,
        share and reply counts, and some its author's follower count, from
        the post or topic rollup (its ``counted`` and ``followed``); where no
        rollup answers, ``(True, True)`` unread (the caller then asks the
        posts, as it would without this). A top list read from a rollup that
        keeps an unknown count as 0 needs not ask the posts which 0s are
        known where none can be (a workspace of feeds)."""
        f = scope.flt
        if f.since is None or f.until is None:
            return (True, True)
        if _split_at_quarters(scope, ()) is None and not _rollup_answers(scope, ()):
            return (True, True)
        rows = self.post_totals(scope, coverage=True)
        return (bool(rows[0][-2]), bool(rows[0][-1])) if rows else (False, False)

    def posts_per_bucket(
        self, scope: Scope, period: Period, buckets: Any, starts: list[datetime]
    ) -> list[tuple[int, int]]:
        """``(bucket number, posts)`` of ``scope`` (bounded to ``period``) for
        the ``_Buckets`` ``buckets`` whose starts are ``starts``."""
        counted = self.fts_bucket_counts(scope, period, buckets, starts)
        if counted is not None:
            return counted
        return [(r[0], r[1]) for r in self.post_totals(scope, (), buckets)]

    def fts_bucket_counts(
        self, scope: Scope, period: Period, buckets: Any, starts: list[datetime]
    ) -> list[tuple[int, int]] | None:
        """``(bucket number, posts)`` read from the full-text index alone, when
        one FTS5 expression says the whole scope (an ad-hoc query of words,
        phrases and prefixes, no other filter); else None (the caller scans).

        Posts are keyed by time (:mod:`veille.store.sqlite.rows`), so the posts
        of a bucket are a range of index rowids: FTS5 counts them without a
        lookup in the posts table.
        """
        from veille.store.sqlite.rows import SEQ_BITS, key_floor

        f = scope.flt
        if scope.topics or scope.words or scope.scan or f.platforms or f.languages:
            return None
        match = fts_match(self.conn, scope)
        if match is None:
            return None
        since, until = int(period.since.timestamp()), int(period.until.timestamp())
        if len(starts) > COUNT_PER_BUCKET:
            quarter = f"({floor_div(f'rowid >> {SEQ_BITS}', QUARTER)})"
            sql = (
                f"SELECT {bucket_sql(buckets, quarter)}, "
                "count(*) FROM posts_fts WHERE posts_fts MATCH ? AND rowid >= ? AND rowid < ? "
                "GROUP BY 1"
            )
            return list(self.conn.execute(sql, (match, key_floor(since), key_floor(until))))
        edges = [max(since, int(s.timestamp())) for s in starts] + [until]
        # One statement per bucket: FTS5 seeks straight to each range of rowids.
        sql = "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ? AND rowid >= ? AND rowid < ?"
        counts = {
            i: self.conn.execute(sql, (match, key_floor(a), key_floor(b))).fetchone()[0]
            for i, (a, b) in enumerate(itertools.pairwise(edges))
        }
        return [(buckets.index(edges[i] // QUARTER), n) for i, n in counts.items() if n]

    def window_totals(
        self, scope: Scope, periods: Sequence[Period]
    ) -> list[tuple[int, int | None]]:
        """A read per period: each from the rollups where they answer."""
        out: list[tuple[int, int | None]] = []
        for period in periods:
            rows = self.post_totals(scope.during(period))
            out.append((int(rows[0][-3]), rows[0][-2]) if rows else (0, None))
        return out

    def posts_begin(self) -> datetime | None:
        where, params = filter_sql(None)
        (first,) = self.conn.execute(
            f"SELECT min(published_at) FROM posts WHERE {where}", params
        ).fetchone()
        return None if first is None else datetime.fromtimestamp(first, UTC)

    def topic_counts_begin(self, topic_id: int) -> datetime | None:
        # The rollup keeps what a retention purge deletes.
        (first,) = self.conn.execute(
            "SELECT min(bucket) FROM topic_rollup WHERE topic_id = ? AND posts > 0", (topic_id,)
        ).fetchone()
        return None if first is None else datetime.fromtimestamp(first * QUARTER, UTC)

    def sentiment_totals(self, scope: Scope, period: Period) -> tuple[int, int, int]:
        """(positive, negative, neutral) posts of ``scope`` over ``period``;
        unscored posts are left out."""
        if scope.topic_id is not None and rollup_topic(scope) is not None:
            union, params = author_rows(self.conn, scope, period, scope.topic_id)
            row = self.conn.execute(
                f"SELECT sum(positive), sum(negative), sum(neutral) FROM ({union})", params
            ).fetchone()
            # And what retention purges took out (the rollup lost their days).
            pos, neg, neu = purged_topic_sentiment(self.conn, scope, period)
            return int(row[0] or 0) + pos, int(row[1] or 0) + neg, int(row[2] or 0) + neu
        c = {"positive": 0, "negative": 0, "neutral": 0}
        for label, posts, _e, _r in self.post_totals(scope.during(period), ("sentiment",)):
            if label in c:
                c[label] += posts
        return c["positive"], c["negative"], c["neutral"]

    def purged_sentiment(
        self, scope: Scope, buckets: Any = False, *, unscored: bool = True
    ) -> list[tuple[Any, ...]]:
        """Rows ``([bucket,] sentiment, posts)`` of the posts of ``scope``'s
        saved topic that retention purges took out (``""``: not scored,
        given where ``unscored``),
        where its volume counts them (no platform or language filter), over
        the quarter-hours wholly inside its bounds (its edges are read from
        the posts held, none of them purged); else none."""
        from veille.store.sqlite.purged import topic_moods

        f = scope.flt
        if scope.topic_id is None or scope.scan or f.platforms or f.languages:
            return []
        if f.since is None or f.until is None:
            return []
        if not rolled_bounds(f.since, f.until):
            # Filed by truncated quarter-hours, as the topic rollup its
            # volume then leaves unread (a purged post of 31 December 1969
            # was scored on 1 January 1970, beside no post counted).
            return []
        bucket = None
        if buckets is not False:
            bucket = "b" if buckets is True else bucket_sql(buckets, "b")
        since, until = int(f.since.timestamp()), int(f.until.timestamp())
        return topic_moods(self.conn, scope.topic_id, since, until, bucket, unscored=unscored)
