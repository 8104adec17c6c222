"""The rollups count the posts whose author's follower count is known
(``post_rollup.followed``, ``topic_rollup.followed``) next to their reach
sums, as ``counted`` does for engagement (0410): a reach summed over posts
none of which gave a follower count is unknown, one over posts that did is
their true sum, 0 included. Before, the rollups summed a missing follower
count as 0 and a reach of 0 read unknown, so an account with 0 followers
read as unknown as a feed.

The posts already say it (``author_followers`` is NULL where no count was
given): the columns are added in place and filled from the posts, and the
rollups' triggers are made again with the new column.
"""

from __future__ import annotations

import sqlite3

ABOUT = (
    "The rollups now count the posts whose author's follower count is known, so that a "
    "reach of 0 followers reads 0 and a feed's reach unknown."
)

# (dim, v1, v2) of post_rollup, each an expression over the row R (as 0410).
_DIMS = (
    ("''", "''", "''"),
    ("'platform'", "R.platform", "''"),
    ("'lang'", "coalesce(R.lang, '')", "''"),
    ("'country'", "coalesce(R.country, '')", "''"),
    ("'sentiment'", "coalesce(R.sentiment, '')", "''"),
    ("'lang+platform'", "coalesce(R.lang, '')", "R.platform"),
    ("'country+platform'", "coalesce(R.country, '')", "R.platform"),
    ("'platform+sentiment'", "R.platform", "coalesce(R.sentiment, '')"),
    ("'country+lang'", "coalesce(R.country, '')", "coalesce(R.lang, '')"),
    ("'lang+sentiment'", "coalesce(R.lang, '')", "coalesce(R.sentiment, '')"),
    ("'country+sentiment'", "coalesce(R.country, '')", "coalesce(R.sentiment, '')"),
)
_SUMS = (
    "posts = posts + excluded.posts, engagement = engagement + excluded.engagement, "
    "reach = reach + excluded.reach, counted = counted + excluded.counted, "
    "followed = followed + excluded.followed;"
)
_UPSERT = f"ON CONFLICT (dim, bucket, v1, v2) DO UPDATE SET {_SUMS}"
_TOPIC_UPSERT = f"ON CONFLICT (topic_id, bucket) DO UPDATE SET {_SUMS}"


def _measures(row: str, sign: str) -> str:
    """A post's (``row``'s) posts, engagement, reach, counted and followed."""
    return (
        f"{sign}1, {sign}({row}.likes + {row}.shares + {row}.replies), "
        f"{sign}coalesce({row}.author_followers, 0), {sign}{row}.counts_given, "
        f"{sign}({row}.author_followers IS NOT NULL)"
    )


def _rollup_rows(row: str, sign: str) -> str:
    """The post_rollup rows a post (``NEW`` or ``OLD``) adds (``sign`` '')
    or takes out ('-')."""
    values = ",\n        ".join(
        "(" + ", ".join(v.replace("R.", f"{row}.") for v in d) + ")" for d in _DIMS
    )
    return (
        "INSERT INTO post_rollup (dim, bucket, v1, v2, posts, engagement, reach, counted, "
        "followed)\n"
        f"    SELECT d.column1, {row}.published_at / 900, d.column2, d.column3,\n"
        f"        {_measures(row, sign)}\n"
        f"    FROM (VALUES\n        {values}\n    ) AS d WHERE true\n    {_UPSERT}\n"
    )


def _topic_rows(row: str, sign: str, when: str) -> str:
    """The topic_rollup rows of a post's (``row``'s) topics."""
    return (
        "INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach, counted, "
        "followed)\n"
        f"    SELECT t.topic_id, {row}.published_at / 900, {_measures(row, sign)}\n"
        f"    FROM post_topics t WHERE t.post_pk = {when}\n    {_TOPIC_UPSERT}\n"
    )


# A retention purge deletes posts but keeps the aggregates (migration 0170):
# the delete triggers do nothing while it runs.
_KEEP = "NOT EXISTS (SELECT 1 FROM privacy_purge)"

_WATCHED = (
    "published_at", "platform", "lang", "country", "sentiment", "likes", "shares", "replies",
    "author_followers", "counts_given",
)  # fmt: skip
_TOPIC_WATCHED = (
    "published_at", "likes", "shares", "replies", "author_followers", "counts_given",
)  # fmt: skip


def _triggers(keep: str) -> str:
    """The rollups' triggers made again; ``keep``: their delete triggers'
    condition. (``post_changes_update``, made by 0410, is left as it is.)"""
    changed = "\n  OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _WATCHED)
    topic_changed = "\n  OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _TOPIC_WATCHED)
    return f"""
DROP TRIGGER post_rollup_insert;
DROP TRIGGER post_rollup_delete;
DROP TRIGGER post_rollup_update;
DROP TRIGGER topic_rollup_unfiled;
DROP TRIGGER topic_rollup_post_deleted;
DROP TRIGGER topic_rollup_post_updated;

CREATE TRIGGER post_rollup_insert AFTER INSERT ON posts BEGIN
    {_rollup_rows("NEW", "")}END;

CREATE TRIGGER post_rollup_delete AFTER DELETE ON posts WHEN {keep} BEGIN
    {_rollup_rows("OLD", "-")}END;

CREATE TRIGGER post_rollup_update AFTER UPDATE OF {", ".join(_WATCHED)} ON posts
WHEN {changed}
BEGIN
    {_rollup_rows("OLD", "-")}    {_rollup_rows("NEW", "")}END;

CREATE TRIGGER topic_rollup_unfiled AFTER DELETE ON post_topics WHEN {keep} BEGIN
    INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach, counted, followed)
    SELECT OLD.topic_id, p.published_at / 900, {_measures("p", "-")}
    FROM posts p WHERE p.pk = OLD.post_pk
    {_TOPIC_UPSERT}
END;

CREATE TRIGGER topic_rollup_post_deleted BEFORE DELETE ON posts WHEN {keep} BEGIN
    {_topic_rows("OLD", "-", "OLD.pk")}END;

CREATE TRIGGER topic_rollup_post_updated AFTER UPDATE OF {", ".join(_TOPIC_WATCHED)} ON posts
WHEN {topic_changed}
BEGIN
    {_topic_rows("OLD", "-", "OLD.pk")}    {_topic_rows("NEW", "", "NEW.pk")}END;
"""


def migrate(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE post_rollup ADD COLUMN followed INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE topic_rollup ADD COLUMN followed INTEGER NOT NULL DEFAULT 0")
    known = "sum(p.author_followers IS NOT NULL)"
    for dim, v1, v2 in _DIMS:
        a, b, c = (x.replace("R.", "p.") for x in (dim, v1, v2))
        conn.execute(
            f"UPDATE post_rollup SET followed = g.n FROM (SELECT {a} AS dim, "
            f"p.published_at / 900 AS bucket, {b} AS v1, {c} AS v2, {known} AS n "
            "FROM posts p GROUP BY 2, 3, 4) AS g WHERE post_rollup.dim = g.dim "
            "AND post_rollup.bucket = g.bucket AND post_rollup.v1 = g.v1 "
            "AND post_rollup.v2 = g.v2"
        )
    # What a retention purge left in a topic's rollup (posts no longer held):
    # followed where its reach is above 0, as it read before; one grouped
    # read of the filings (see migration 0410: a subquery per row took over
    # 40 minutes at 1M posts).
    conn.execute("UPDATE topic_rollup SET followed = CASE WHEN reach > 0 THEN posts ELSE 0 END")
    conn.execute(
        "UPDATE topic_rollup SET followed = g.n + CASE WHEN topic_rollup.reach > 0 "
        "THEN topic_rollup.posts - g.held ELSE 0 END FROM (SELECT t.topic_id, "
        f"p.published_at / 900 AS bucket, {known} AS n, count(*) AS held FROM post_topics t "
        "JOIN posts p ON p.pk = t.post_pk GROUP BY 1, 2) AS g "
        "WHERE topic_rollup.topic_id = g.topic_id AND topic_rollup.bucket = g.bucket"
    )
    # One statement at a time: executescript would commit the runner's transaction.
    # (0170 made privacy_purge; a database without it never had the guard.)
    purges = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'privacy_purge'"
    ).fetchone()
    statement = ""
    for line in _triggers(_KEEP if purges else "true").splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    assert not statement.strip(), statement
