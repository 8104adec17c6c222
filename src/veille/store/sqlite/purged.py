"""What SQLite's rollups count of posts it no longer holds (a retention purge
leaves them there), and adding such figures from another store: ``veille
store migrate`` carries them with the posts (:mod:`veille.store.purged`).

A purge (and nothing else) leaves a quarter-hour's volume rollup counting
more than its posts: only those quarter-hours, and their days for the
entities, are read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from veille.models import Post
from veille.store.protocols.privacy import PURGED, PURGED_UNNAMED, post_key
from veille.store.purged import cube_of, dims_of
from veille.store.sqlite.rows import SEQ_BITS

MEASURES = "posts, engagement, reach, counted, followed"
ENTITY_KINDS = ("hashtags", "domains")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_CHUNK = 400  # ids per IN (...) list, under the parameter limit of old SQLite builds


def record_purged(
    conn: sqlite3.Connection, rows: Sequence[tuple[int, str]], names_from: int | None = None
) -> None:
    """Record the posts ``rows`` (``(pk, id)``) as a retention purge's, in
    the transaction that deletes them (see ``PURGED``); not those published
    before ``names_from`` (seconds), which :func:`let_names_go` leaves out
    whole."""
    conn.executemany(
        "INSERT INTO forgotten (kind, key, erased_at) VALUES (?, ?, ?) "
        "ON CONFLICT (kind, key) DO NOTHING",
        [
            (PURGED, post_key(post_id), pk >> SEQ_BITS)
            for pk, post_id in rows
            if names_from is None or pk >> SEQ_BITS >= names_from
        ],
    )


def names_held_from(conn: sqlite3.Connection) -> int | None:
    """The second before which no purged post is named (``PURGED_UNNAMED``)."""
    (held,) = conn.execute(
        "SELECT max(erased_at) FROM forgotten WHERE kind = ?", (PURGED_UNNAMED,)
    ).fetchone()
    return None if held is None else int(held)


def let_names_go(conn: sqlite3.Connection, before: int) -> None:
    """Leave out every post published before ``before`` (seconds) from the
    writes (``PURGED_UNNAMED``) and let the names of those a purge deleted
    go: a name is kept as long as its post was (a purge passes its cutoff
    less the retention period). Inside the caller's transaction, the cutoff
    first: no write finds neither the name nor the cutoff."""
    conn.execute(
        "INSERT INTO forgotten (kind, key, erased_at) VALUES (?, '', ?) "
        "ON CONFLICT (kind, key) DO UPDATE SET erased_at = max(erased_at, excluded.erased_at)",
        (PURGED_UNNAMED, before),
    )
    conn.execute("DELETE FROM forgotten WHERE kind = ? AND erased_at < ?", (PURGED, before))


def purged_until(conn: sqlite3.Connection) -> int | None:
    """The second from which no post a retention purge deleted was
    published (see ``PostStore.purged_until``): just after the latest named,
    or the cutoff before which none is named."""
    (until,) = conn.execute(
        "SELECT max(CASE kind WHEN ? THEN erased_at + 1 ELSE erased_at END) FROM forgotten "
        "WHERE kind IN (?, ?)",
        (PURGED, PURGED, PURGED_UNNAMED),
    ).fetchone()
    return None if until is None else int(until)


def purged_among(conn: sqlite3.Connection, posts: Sequence[Post]) -> set[str]:
    """The ids of ``posts`` that a retention purge deleted (read in the
    write's transaction: ordered with the purge's deletes), or published
    before the cutoff of one made before purges named their posts."""
    (before,) = conn.execute(
        "SELECT max(erased_at) FROM forgotten WHERE kind = ?", (PURGED_UNNAMED,)
    ).fetchone()
    found = {p.id for p in posts if before is not None and p.published_at.timestamp() < before}
    keys = {post_key(p.id): p.id for p in posts if p.id not in found}
    names = list(keys)
    for i in range(0, len(names), _CHUNK):
        part = names[i : i + _CHUNK]
        marks = ",".join("?" * len(part))
        found.update(
            keys[k]
            for (k,) in conn.execute(
                f"SELECT key FROM forgotten WHERE kind = ? AND key IN ({marks})", [PURGED, *part]
            )
        )
    return found


def _purged_buckets(conn: sqlite3.Connection) -> list[int]:
    """The quarter-hours whose volume counts more than the posts held."""
    return [
        int(b)
        for (b,) in conn.execute(
            # One grouping of both (a join of the rollup with the posts
            # grouped took 2 s at 20,000 posts).
            "SELECT bucket FROM (SELECT bucket, posts AS n, engagement AS e, reach AS r "
            "FROM post_rollup WHERE dim = '' UNION ALL SELECT published_at / 900, -1, "
            "-(likes + shares + replies), -coalesce(author_followers, 0) FROM posts) "
            "GROUP BY bucket HAVING sum(n) != 0 OR sum(e) != 0 OR sum(r) != 0 ORDER BY 1"
        )
    ]


def _between(buckets: list[int], size: int) -> tuple[int, int]:
    return buckets[0] * 900 // size, buckets[-1] * 900 // size


def purged_dims(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """``(dim, quarter-hour, v1, v2, posts, engagement, reach, posts that
    gave counts, posts that gave followers)`` that ``post_rollup`` counts
    beyond the posts held, in :func:`~veille.store.purged.dims_of`'s order."""
    buckets = _purged_buckets(conn)
    if not buckets:
        return []
    wanted = set(buckets)
    lo, hi = buckets[0], buckets[-1]
    want: dict[tuple[Any, ...], list[int]] = {}
    for dim, b, v1, v2, *m in conn.execute(
        f"SELECT dim, bucket, v1, v2, {MEASURES} FROM post_rollup WHERE bucket BETWEEN ? AND ?",
        (lo, hi),
    ):
        if b in wanted:
            want[(dim, b, v1, v2)] = [int(x) for x in m]
    held = dims_of(
        (b, pf, lang, country, mood, *m)
        for b, pf, lang, country, mood, *m in conn.execute(
            "SELECT published_at / 900 AS b, platform, coalesce(lang, ''), "
            "coalesce(country, ''), coalesce(sentiment, ''), count(*), "
            "sum(likes + shares + replies), sum(coalesce(author_followers, 0)), "
            "sum(counts_given), sum(author_followers IS NOT NULL) FROM posts "
            "WHERE published_at >= ? AND published_at < ? GROUP BY 1, 2, 3, 4, 5",
            (lo * 900, (hi + 1) * 900),
        )
        if b in wanted
    )
    for dim, b, v1, v2, *m in held:
        got = want.setdefault((dim, b, v1, v2), [0] * len(m))
        for i, x in enumerate(m):
            got[i] -= x
    return sorted((*k, *v) for k, v in want.items() if any(v))


def purged_cube(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """``(quarter-hour, platform, language, country, sentiment, posts,
    engagement, reach, posts that gave counts, posts that gave followers)``
    of the purged posts, rebuilt from the rollup's dimensions and pairs
    (:func:`~veille.store.purged.cube_of`)."""
    return cube_of(purged_dims(conn))


def add_cube(conn: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Add cube rows (:func:`purged_cube`'s shape) to every dimension and
    pair of ``post_rollup`` (inside the caller's transaction)."""
    conn.executemany(
        f"INSERT INTO post_rollup (dim, bucket, v1, v2, {MEASURES}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dim, bucket, v1, v2) DO UPDATE SET "
        "posts = posts + excluded.posts, engagement = engagement + excluded.engagement, "
        "reach = reach + excluded.reach, counted = counted + excluded.counted, "
        "followed = followed + excluded.followed",
        dims_of(rows),
    )


def purged_entities(conn: sqlite3.Connection) -> list[tuple[str, int, str, int, int]]:
    """``(kind, UTC day, value, posts, engagement)`` that the hashtag and
    domain rollups count of posts no longer held, from their day rows."""
    return _purged_values(conn, 86400)


def purged_entity_quarters(conn: sqlite3.Connection) -> list[tuple[str, int, str, int, int]]:
    """``(kind, quarter-hour, value, posts, engagement)`` that the hashtag and
    domain rollups count of posts no longer held, from their quarter-hour
    rows (what a period's edge inside a purged day reads)."""
    return _purged_values(conn, 900)


def _purged_values(conn: sqlite3.Connection, size: int) -> list[tuple[str, int, str, int, int]]:
    """The entities' rows of ``size`` seconds (a day, a quarter-hour) beyond
    the posts held."""
    buckets = _purged_buckets(conn)
    if not buckets:
        return []
    keys = {b * 900 // size for b in buckets}
    lo, hi = _between(buckets, size)
    suffix = "@day" if size == 86400 else ""
    want: dict[tuple[str, int, str], list[int]] = {}
    for kind, key, value, n, e in conn.execute(
        "SELECT kind, bucket, value, posts, engagement FROM entity_rollup "
        "WHERE kind IN (?, ?) AND bucket BETWEEN ? AND ?",
        (f"hashtags{suffix}", f"domains{suffix}", lo, hi),
    ):
        if key in keys:
            want[(kind.split("@")[0], int(key), value)] = [int(n), int(e)]
    for key, tags, domains, e in conn.execute(
        f"SELECT published_at / {size}, hashtags, domains, likes + shares + replies FROM posts "
        "WHERE published_at >= ? AND published_at < ? AND (hashtags != '' OR domains != '')",
        (lo * size, (hi + 1) * size),
    ):
        if key not in keys:
            continue
        # As the rollup's triggers read them: hashtags lower-cased as
        # SQLite's lower() does (ASCII only), each value once per post.
        for kind, values in (
            ("hashtags", {v.translate(_ASCII_LOWER) for v in (tags or "").split()}),
            ("domains", set((domains or "").split())),
        ):
            for v in values:
                got = want.setdefault((kind, int(key), v), [0, 0])
                got[0] -= 1
                got[1] -= int(e)
    return sorted((*k, v[0], v[1]) for k, v in want.items() if any(v))


def add_entities(conn: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Add ``(kind, day, value, posts, engagement)`` to the entities' day
    rows (inside the caller's transaction). Their quarter-hours, which a
    period's edges inside such a day read, come apart
    (:func:`add_entity_quarters`)."""
    _add_values(conn, rows, "@day")


def add_entity_quarters(conn: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Add ``(kind, quarter-hour, value, posts, engagement)`` to the
    entities' quarter-hour rows (inside the caller's transaction)."""
    _add_values(conn, rows, "")


def _add_values(conn: sqlite3.Connection, rows: Sequence[Sequence[Any]], suffix: str) -> None:
    conn.executemany(
        "INSERT INTO entity_rollup (kind, bucket, value, posts, engagement) "
        f"VALUES (? || '{suffix}', ?, ?, ?, ?) ON CONFLICT (kind, bucket, value) DO UPDATE SET "
        "posts = posts + excluded.posts, engagement = engagement + excluded.engagement",
        [tuple(r) for r in rows if r[0] in ENTITY_KINDS],
    )


def purged_authors(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """``(UTC day, platform, handle, posts, engagement, followers, name)``
    that the authors' rollup (every post: topic 0) counts of posts no longer
    held: the days a purge keeps (its cutoff's day, and after), with the
    largest follower count and name of the day's posts, held or not."""
    buckets = _purged_buckets(conn)
    if not buckets:
        return []
    days = {b * 900 // 86400 for b in buckets}
    lo, hi = _between(buckets, 86400)
    want: dict[tuple[int, str, str], list[Any]] = {}
    for day, pf, handle, n, e, followers, name in conn.execute(
        "SELECT day, platform, handle, posts, engagement, followers, name FROM author_rollup "
        "WHERE topic_id = 0 AND day BETWEEN ? AND ?",
        (lo, hi),
    ):
        if day in days:
            want[(int(day), pf, handle)] = [int(n), int(e), int(followers), name]
    for day, pf, handle, n, e in conn.execute(
        "SELECT published_at / 86400, platform, author_handle, count(*), "
        "sum(likes + shares + replies) FROM posts WHERE published_at >= ? "
        "AND published_at < ? GROUP BY 1, 2, 3",
        (lo * 86400, (hi + 1) * 86400),
    ):
        got = want.get((int(day), pf, handle))
        if got is not None:
            got[0] -= int(n)
            got[1] -= int(e)
    return [(*k, *v) for k, v in sorted(want.items()) if v[0] or v[1]]


def add_authors(conn: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Add rows of :func:`purged_authors`'s shape to the authors' rollup of
    every post (inside the caller's transaction); their sentiment is not
    carried (a ClickHouse store keeps none per author)."""
    conn.executemany(
        "INSERT INTO author_rollup (topic_id, day, platform, handle, posts, engagement, "
        "followers, name, positive, negative, neutral) VALUES (0, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0) "
        "ON CONFLICT (topic_id, day, platform, handle) DO UPDATE SET "
        "posts = posts + excluded.posts, engagement = engagement + excluded.engagement, "
        "followers = max(followers, excluded.followers), "
        "name = coalesce(max(name, excluded.name), name, excluded.name)",
        [tuple(r) for r in rows],
    )


_MOODS = "positive = positive + excluded.positive, negative = negative + excluded.negative, "
_MOODS += "neutral = neutral + excluded.neutral"


def keep_topic_sentiment(conn: sqlite3.Connection, last_pk: int, before: int) -> None:
    """Add the positive, negative and neutral posts each saved topic files,
    of the posts keyed up to ``last_pk`` and published before ``before`` (a
    day's start), to ``topic_purged_sentiment``, per quarter-hour: what a
    retention purge deleting them keeps of the topic's sentiment (the
    author rollup that held it loses the days before ``before``). Inside
    the purge's transaction, before its delete."""
    conn.execute(
        "INSERT INTO topic_purged_sentiment (topic_id, bucket, positive, negative, neutral) "
        "SELECT f.topic_id, p.published_at / 900, sum(p.sentiment = 'positive'), "
        "sum(p.sentiment = 'negative'), sum(p.sentiment = 'neutral') "
        "FROM posts p JOIN post_topics f ON f.post_pk = p.pk WHERE p.pk <= ? "
        "AND p.published_at < ? AND p.sentiment IN ('positive', 'negative', 'neutral') "
        f"GROUP BY 1, 2 ON CONFLICT (topic_id, bucket) DO UPDATE SET {_MOODS}",
        (last_pk, before),
    )


def take_out_author_days(conn: sqlite3.Connection, last_pk: int, below: int) -> None:
    """Take the posts keyed up to ``last_pk`` out of ``author_rollup``
    (every post's row and each saved topic's), dropping the rows left with
    none: inside the purge's transaction that deletes those posts (its rows
    in ``privacy_purge`` hold the delete triggers back), after
    :func:`keep_topic_sentiment` counted their sentiment. So the author
    rollup counts the posts still held after every batch, and a topic's
    sentiment (the author rollup beside ``topic_purged_sentiment``) counts
    each post once whenever the purge is killed; it counted the batches'
    posts twice until the purge's last step deleted the days. The largest
    follower count and name of a row left with posts (the day a batch ends
    in the middle of) are read again from its posts after ``last_pk``: a
    purge killed there showed an author's followers and name of a deleted
    post until it went on. Posts published from ``below`` (the cutoff's
    day, seconds) stay counted there, as :func:`keep_topic_sentiment`
    leaves them: the cutoff day's authors keep their purged posts."""
    sums = (
        "count(*), sum(p.likes + p.shares + p.replies), sum(p.sentiment IS 'positive'), "
        "sum(p.sentiment IS 'negative'), sum(p.sentiment IS 'neutral')"
    )
    day = "p.published_at / 86400, p.platform, p.author_handle"
    groups = (
        f"SELECT 0, {day}, {sums} FROM posts p WHERE p.pk <= ? AND p.published_at < ? "
        f"GROUP BY 2, 3, 4 UNION ALL SELECT f.topic_id, {day}, {sums} FROM posts p "
        "JOIN post_topics f ON f.post_pk = p.pk WHERE p.pk <= ? AND p.published_at < ? "
        "GROUP BY 1, 2, 3, 4"
    )
    conn.execute(
        f"WITH g (topic_id, day, platform, handle, n, e, pos, neg, neu) AS ({groups}) "
        "UPDATE author_rollup SET posts = posts - g.n, engagement = engagement - g.e, "
        "positive = positive - g.pos, negative = negative - g.neg, neutral = neutral - g.neu "
        "FROM g WHERE author_rollup.topic_id = g.topic_id AND author_rollup.day = g.day "
        "AND author_rollup.platform = g.platform AND author_rollup.handle = g.handle",
        (last_pk, below, last_pk, below),
    )
    # The rows left with no post (by key: the rollup holds every author-day).
    conn.execute(
        f"WITH g (topic_id, day, platform, handle, n, e, pos, neg, neu) AS ({groups}) "
        "DELETE FROM author_rollup WHERE posts <= 0 AND (topic_id, day, platform, handle) "
        "IN (SELECT topic_id, day, platform, handle FROM g)",
        (last_pk, below, last_pk, below),
    )
    # Those left (a post of theirs after ``last_pk``): their maxima over the
    # posts that stay, found by the rollup's own day number (it truncates
    # toward zero; the range lets the author's index find them).
    held = (
        "FROM posts q WHERE q.author_handle = author_rollup.handle "
        "AND q.platform = author_rollup.platform AND q.pk > ? "
        "AND q.published_at > (author_rollup.day - 1) * 86400 "
        "AND q.published_at < (author_rollup.day + 1) * 86400 "
        "AND q.published_at / 86400 = author_rollup.day "
        "AND (author_rollup.topic_id = 0 OR EXISTS (SELECT 1 FROM post_topics t "
        "WHERE t.post_pk = q.pk AND t.topic_id = author_rollup.topic_id))"
    )
    conn.execute(
        f"WITH g (topic_id, day, platform, handle, n, e, pos, neg, neu) AS ({groups}) "
        f"UPDATE author_rollup SET followers = coalesce((SELECT "
        f"max(coalesce(q.author_followers, 0)) {held}), 0), "
        f"name = (SELECT max(q.author_name) {held}) "
        "WHERE (topic_id, day, platform, handle) IN "
        "(SELECT topic_id, day, platform, handle FROM g)",
        (last_pk, below, last_pk, below, last_pk, last_pk),
    )


def topic_sentiment(
    conn: sqlite3.Connection, topic_id: int, since: int, until: int
) -> tuple[int, int, int]:
    """``(positive, negative, neutral)`` posts of saved topic ``topic_id``
    that retention purges took out, over the quarter-hours wholly inside
    ``[since, until)`` (seconds), as the topic rollup is read there (the
    edges come from the posts held: none of them purged)."""
    row = conn.execute(
        "SELECT sum(positive), sum(negative), sum(neutral) FROM topic_purged_sentiment "
        "WHERE topic_id = ? AND bucket >= ? AND bucket < ?",
        (topic_id, -(-since // 900), until // 900),
    ).fetchone()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def topic_sentiments(conn: sqlite3.Connection) -> dict[tuple[int, int], tuple[int, int, int]]:
    """Every row of ``topic_purged_sentiment``: ``(topic id, quarter-hour)``:
    ``(positive, negative, neutral)``."""
    return {
        (int(t), int(b)): (int(p), int(n), int(u))
        for t, b, p, n, u in conn.execute(
            "SELECT topic_id, bucket, positive, negative, neutral FROM topic_purged_sentiment"
        )
    }


def add_topic_sentiment(conn: sqlite3.Connection, rows: Sequence[Sequence[int]]) -> None:
    """Add ``(topic id, quarter-hour, positive, negative, neutral)`` to
    ``topic_purged_sentiment`` (inside the caller's transaction)."""
    conn.executemany(
        "INSERT INTO topic_purged_sentiment (topic_id, bucket, positive, negative, neutral) "
        f"VALUES (?, ?, ?, ?, ?) ON CONFLICT (topic_id, bucket) DO UPDATE SET {_MOODS}",
        [tuple(r) for r in rows if any(r[2:])],
    )


def topic_moods(
    conn: sqlite3.Connection,
    topic_id: int,
    since: int,
    until: int,
    bucket: str | None,
    *,
    unscored: bool = True,
) -> list[tuple[Any, ...]]:
    """Rows ``([bucket,] sentiment, posts)`` of the posts of saved topic
    ``topic_id`` that retention purges took out, over the quarter-hours
    wholly inside ``[since, until)`` (seconds), as its volume counts them:
    positive, negative and neutral from ``topic_purged_sentiment``, and
    (``unscored``) as ``""`` the rest of what ``topic_rollup`` counts beyond
    the topic's filings held (the purged posts no sentiment was kept of:
    not scored, or purged before migration 0650). ``bucket``: SQL of the
    bucket of quarter-hour ``b`` (``None``: no bucket)."""
    from veille.store.sqlite.rows import SEQ_BITS, key_floor

    lo, hi = -(-since // 900), until // 900
    if lo >= hi:
        return []
    span = (topic_id, lo, hi)
    kept = "FROM topic_purged_sentiment WHERE topic_id = ? AND bucket >= ? AND bucket < ?"
    keys = (topic_id, key_floor(lo * 900), key_floor(hi * 900))
    held = "FROM post_topics WHERE topic_id = ? AND post_pk >= ? AND post_pk < ?"
    rolled = "FROM topic_rollup WHERE topic_id = ? AND bucket >= ? AND bucket < ?"
    if bucket is None:
        # Sums over index ranges: no row of them is grouped.
        pos, neg, neu = conn.execute(
            f"SELECT sum(positive), sum(negative), sum(neutral) {kept}", span
        ).fetchone()
        out = [("positive", pos), ("negative", neg), ("neutral", neu)]
        if unscored:
            (n,) = conn.execute(
                f"SELECT (SELECT sum(posts) {rolled}) - (SELECT count(*) {held})", (*span, *keys)
            ).fetchone()
            out.append(("", (n or 0) - sum(int(v or 0) for _k, v in out)))
        return sorted((k, int(v)) for k, v in out if v and v > 0)
    moods = " UNION ALL ".join(
        f"SELECT bucket AS b, '{m}' AS label, {m} AS n {kept}"
        for m in ("positive", "negative", "neutral")
    )
    params: list[Any] = [*span * 3]
    if unscored:
        # The rollup's posts, less those filed and held (a post's key holds
        # its second: no read of the posts), less the scored ones kept.
        moods += (
            f" UNION ALL SELECT bucket, '', posts {rolled} UNION ALL "
            f"SELECT (post_pk >> {SEQ_BITS}) / 900, '', -1 {held} UNION ALL "
            f"SELECT bucket, '', -(positive + negative + neutral) {kept}"
        )
        params += [*span, *keys, *span]
    return [
        tuple(r)
        for r in conn.execute(
            f"SELECT {bucket} AS k, label, sum(n) AS s FROM ({moods}) "
            "GROUP BY k, label HAVING s > 0 ORDER BY k, label",
            params,
        )
    ]
