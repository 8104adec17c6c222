"""Per-author figures of a period read from ``author_rollup`` (migration 0043).

The rollup holds one row per UTC day, platform and author handle, over every
post (``topic_id`` 0) and over each topic's posts. A period reads its whole
UTC days from there and its partial days at either edge (a period in another
time zone starts and ends off UTC midnight) from ``posts``, so the answer is
the same as a scan of the period, exactly.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from veille.analytics.scope import Period, Scope
from veille.analytics.volume import connection

DAY = 86400
_FIELDS = "platform, handle, posts, engagement, followers, name, positive, negative, neutral"
_FROM_POSTS = (
    "p.platform AS platform, p.author_handle AS handle, 1 AS posts, "
    "(p.likes + p.shares + p.replies) AS engagement, "
    "coalesce(p.author_followers, 0) AS followers, p.author_name AS name, "
    "(p.sentiment IS 'positive') AS positive, (p.sentiment IS 'negative') AS negative, "
    "(p.sentiment IS 'neutral') AS neutral"
)


def topic_exists(scope: Scope) -> Scope:
    """``scope`` with a topic restriction written as a per-post lookup in
    ``post_topics``: for a short range (or few posts) this beats reading every
    post of the topic, which the ``IN`` form leads the planner to."""
    if scope.topic_id is None:
        return scope
    return replace(
        scope,
        where="EXISTS (SELECT 1 FROM post_topics t WHERE t.post_pk = p.pk AND t.topic_id = ?)",
        params=(scope.topic_id,),
        topic_id=None,
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


def author_rows(store: Any, scope: Scope, period: Period, topic: int) -> tuple[str, list[Any]]:
    """SQL (and its parameters) for rows ``(platform, handle, posts, engagement,
    followers, name, positive, negative, neutral)`` covering ``period`` under
    ``scope`` (whose rollup topic is ``topic``): per author-day rows from the
    rollup for whole UTC days, one row per post for the partial days."""
    since, until = int(period.since.timestamp()), int(period.until.timestamp())
    d0, d1 = -(-since // DAY), until // DAY
    parts: list[str] = []
    params: list[Any] = []
    platforms = scope.flt.platforms
    if d0 < d1:
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
        where, eparams = topic_exists(scope).during(edge).sql()
        parts.append(f"SELECT {_FROM_POSTS} FROM posts p WHERE {where}")
        params += eparams
    return " UNION ALL ".join(parts), params


def top_author_rows(
    store: Any, scope: Scope, period: Period, order: int, limit: int
) -> list[tuple[Any, ...]] | None:
    """``(platform, handle, name, posts, engagement, followers)`` of the top
    authors ordered by column ``order`` (4 posts, 5 engagement, 6 followers),
    then posts, handle and platform; ``None`` when the rollup cannot answer."""
    topic = rollup_topic(scope)
    if topic is None:
        return None
    union, params = author_rows(store, scope, period, topic)
    rows = connection(store).execute(
        f"SELECT platform, handle, max(name), sum(posts), sum(engagement), max(followers) "
        f"FROM ({union}) GROUP BY 1, 2 ORDER BY {order} DESC, 4 DESC, 2, 1 LIMIT ?",
        [*params, limit],
    )
    return rows.fetchall()


def distinct_authors(store: Any, scope: Scope, period: Period) -> int | None:
    """How many (platform, handle) posted in the period; ``None`` when the
    rollup cannot answer."""
    topic = rollup_topic(scope)
    if topic is None:
        return None
    union, params = author_rows(store, scope, period, topic)
    row = (
        connection(store)
        .execute(f"SELECT count(*) FROM (SELECT DISTINCT platform, handle FROM ({union}))", params)
        .fetchone()
    )
    return int(row[0])


def sentiment_counts(store: Any, scope: Scope, period: Period) -> tuple[int, int, int] | None:
    """(positive, negative, neutral) posts of a topic's period from the rollup;
    ``None`` unless ``scope`` is exactly a topic (other scopes read
    ``post_rollup`` already)."""
    if scope.topic_id is None or rollup_topic(scope) is None:
        return None
    union, params = author_rows(store, scope, period, scope.topic_id)
    row = (
        connection(store)
        .execute(f"SELECT sum(positive), sum(negative), sum(neutral) FROM ({union})", params)
        .fetchone()
    )
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)
