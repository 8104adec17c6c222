"""Per-author figures of a period read from ``author_rollup`` (migration 0043).

The rollup holds one row per UTC day, platform and author handle, over every
post (``topic_id`` 0) and over each topic's posts. A period reads its whole
UTC days from there and its partial days at either edge (a period in another
time zone starts and ends off UTC midnight) from ``posts``, so the answer is
the same as a scan of the period, exactly.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from veille.store.sqlite.analytics_sql import scope_sql

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope

DAY = 86400
_FIELDS = "platform, handle, posts, engagement, followers, name, positive, negative, neutral"
_FROM_POSTS = (
    "p.platform AS platform, p.author_handle AS handle, 1 AS posts, "
    "(p.likes + p.shares + p.replies) AS engagement, "
    "coalesce(p.author_followers, 0) AS followers, p.author_name AS name, "
    "(p.sentiment IS 'positive') AS positive, (p.sentiment IS 'negative') AS negative, "
    "(p.sentiment IS 'neutral') AS neutral"
)


def rollup_topic(scope: Scope) -> int | None:
    """The ``author_rollup.topic_id`` that answers ``scope`` (0 for every post),
    or ``None`` when the rollup cannot (a query restriction, or a language
    filter, which the rollup does not record)."""
    if scope.flt.languages:
        return None
    if scope.topic_id is not None:
        return scope.topic_id
    return None if scope.restricted else 0


def author_rows(
    conn: sqlite3.Connection, scope: Scope, period: Period, topic: int
) -> tuple[str, list[Any]]:
    """SQL (and its parameters) for rows ``(platform, handle, posts, engagement,
    followers, name, positive, negative, neutral)`` covering ``period`` under
    ``scope`` (whose rollup topic is ``topic``): per author-day rows from the
    rollup for whole UTC days, one row per post for the partial days (and
    for the whole of a period from 1970 or before)."""
    from veille.analytics.scope import Period

    since, until = int(period.since.timestamp()), int(period.until.timestamp())
    d0, d1 = -(-since // DAY), until // DAY
    parts: list[str] = []
    params: list[Any] = []
    platforms = scope.flt.platforms
    # SQLite's integer division truncates toward zero: the rollup files a
    # post of the day before 1970 under day 0 (and each earlier day one day
    # late), so a period from 1970 or before is read from the posts.
    if 0 < d0 < d1:
        sql = f"SELECT {_FIELDS} FROM author_rollup WHERE topic_id = ? AND day >= ? AND day < ?"
        params += [topic, d0, d1]
        if platforms:
            sql += f" AND platform IN ({','.join('?' * len(platforms))})"
            params += list(platforms)
        parts.append(sql)
        edges = [(since, d0 * DAY), (d1 * DAY, until)]
    else:
        edges = [(since, until)]
    for lo, hi in edges:
        if lo >= hi:
            continue
        edge = Period(
            period.since.fromtimestamp(lo, period.since.tzinfo),
            period.since.fromtimestamp(hi, period.since.tzinfo),
        )
        where, eparams = scope_sql(conn, scope.during(edge), lookup=True)
        parts.append(f"SELECT {_FROM_POSTS} FROM posts p WHERE {where}")
        params += eparams
    return " UNION ALL ".join(parts), params


def purged_topic_sentiment(
    conn: sqlite3.Connection, scope: Scope, period: Period
) -> tuple[int, int, int]:
    """``(positive, negative, neutral)`` posts of ``scope``'s saved topic
    over ``period`` that retention purges took out (the author rollup loses
    their days), where its volume counts them (the topic rollup: no platform
    or language filter); else none."""
    from veille.store.sqlite.purged import topic_sentiment

    f = scope.flt
    if scope.topic_id is None or f.platforms or f.languages:
        return 0, 0, 0
    return topic_sentiment(
        conn, scope.topic_id, int(period.since.timestamp()), int(period.until.timestamp())
    )
