"""An analytics :class:`~veille.analytics.scope.Scope` in SQLite's dialect.

Every aggregation reads ``posts`` under the alias ``p``; a scope compiles to
``(where_sql, params)`` over that alias. Saved topics read ``post_topics``,
words and queries the full-text index (bounded by the period: posts are keyed
by time, :mod:`veille.store.sqlite.rows`).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.analytics.scope import Scope

QUARTER = 900
# A saved topic's restriction: the planner reads every post filed under it
# (those of the period only: posts are keyed by time, see ``rows.key_floor``,
# and ``post_topics`` is indexed by topic then key)...
TOPIC_IN = "p.pk IN (SELECT post_pk FROM post_topics WHERE topic_id = ?{keys})"
# ...or, for a short range (or few posts), looks each post up.
TOPIC_EXISTS = "EXISTS (SELECT 1 FROM post_topics t WHERE t.post_pk = p.pk AND t.topic_id = ?)"
WORDS_IN = "p.pk IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)"
ENG = "(p.likes + p.shares + p.replies)"
REACH = "coalesce(p.author_followers, 0)"
# Engagement summed where some post gave counts, NULL (unknown, not 0) where
# none did: over a rollup's ``counted`` column, and over posts.
KNOWN_ENGAGEMENT = "CASE WHEN sum(counted) > 0 THEN sum(engagement) END"
KNOWN_POST_ENGAGEMENT = f"CASE WHEN sum(p.counts_given) > 0 THEN sum({ENG}) END"
# Reach likewise: NULL where no post gave its author's follower count (a
# rollup's ``followed`` column, migration 0520), a true sum (0 included) where
# some did.
KNOWN_REACH = "CASE WHEN sum(followed) > 0 THEN sum(reach) END"
KNOWN_POST_REACH = f"CASE WHEN sum(p.author_followers IS NOT NULL) > 0 THEN sum({REACH}) END"
# A post has an author: an empty handle is a post without one, left out of
# the per-author figures (authors, top authors, influencers).
AUTHORED = "p.author_handle != ''"


def words_match(words: tuple[str, ...]) -> str:
    """The FTS5 expression for posts holding every one of ``words`` (tokens)."""
    return " ".join(f'"{w}"' for w in words)


def scope_sql(
    conn: sqlite3.Connection, scope: Scope, *, lookup: bool = False
) -> tuple[str, list[Any]]:
    """``(where_sql, params)`` over ``posts p``, to run on ``conn``; ``lookup``
    writes the topic restrictions as a per-post lookup in ``post_topics``
    (quicker for a short range than reading every post of the topic, which
    ``IN`` leads to)."""
    from veille.store.sqlite.filters import filter_sql, key_range

    f = scope.flt
    plain, params = filter_sql(f, "p")
    clauses = [] if plain == "1" else [plain]
    keys, bounds = key_range(f, "post_pk")
    for topic_id in scope.topics:
        if lookup:
            clauses.append(TOPIC_EXISTS)
            params.append(topic_id)
        else:
            clauses.append(TOPIC_IN.format(keys=keys))
            params += [topic_id, *bounds]
    for words in scope.words:
        clauses.append(WORDS_IN)
        params.append(words_match(words))
    if scope.scan:
        clauses.append("p.pk IS NOT NULL")  # true, but no rollup answers it
    if scope.queries:
        # The compiled queries call the veille_* functions, which the store
        # installs on each connection it opens.
        from veille.store.sqlite.compiler import to_sqlite

        since = None if f.since is None else int(f.since.timestamp())
        until = None if f.until is None else int(f.until.timestamp())
        for node in scope.queries:
            qsql, qparams = to_sqlite(node, since=since, until=until)
            clauses.append(f"({qsql})")
            params.extend(qparams)
    return (" AND ".join(clauses) if clauses else "1"), params


def fts_match(conn: sqlite3.Connection, scope: Scope) -> str | None:
    """One FTS5 expression that says all of ``scope.queries`` exactly, when the
    full-text index can answer for them alone; else None (no query, one FTS5
    cannot say, or deleted posts still in the index until the store's next
    write)."""
    from veille.query.ast import And
    from veille.store.sqlite.compiler import fts_expr

    if not scope.queries:
        return None
    node = scope.queries[0] if len(scope.queries) == 1 else And(tuple(scope.queries))
    match = fts_expr(node)
    if match is None or conn.execute("SELECT 1 FROM posts_fts_pending LIMIT 1").fetchone():
        return None
    return match


def bucket_sql(buckets: Any, q: str) -> str:
    """The local hour, day or week number of quarter-hour ``q`` (SQL), for a
    :class:`veille.analytics.volume._Buckets` after its ``keys()``: offsets are
    integers it computed, never user input."""
    segs = buckets.segments or [(0, 0)]
    off = str(segs[0][1])
    if len(segs) > 1:
        whens = " ".join(
            f"WHEN {q} < {segs[i + 1][0]} THEN {segs[i][1]}" for i in range(len(segs) - 1)
        )
        off = f"CASE {whens} ELSE {segs[-1][1]} END"
    local = f"({q} * {QUARTER} + {off})"
    if buckets.interval == "hour":
        return floor_div(local, 3600)
    if buckets.interval == "day":
        return floor_div(local, 86400)
    return floor_div(f"{floor_div(local, 86400)} + 3", 7)


# Past any time a post can hold (its key keeps seconds within 2**40 of 1970).
_SHIFT = 1 << 41


def floor_div(x: str, d: int) -> str:
    """``x // d`` in SQL, rounded down as Python rounds it, for an integer
    expression ``x`` (a time or a number of days) and a positive constant
    ``d``. SQLite's ``/`` truncates toward zero: a time of 1969 fell in the
    quarter-hour, hour, day or week after its own. ``x`` is shifted by a
    multiple of ``d`` past any time held, where both roundings agree."""
    k = -(-_SHIFT // d)
    return f"(({x}) + {k * d}) / {d} - {k}"
