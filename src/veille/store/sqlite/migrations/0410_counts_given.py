"""Each post records whether its platform gave its like, share and reply
counts (``posts.counts_given``, 1 or 0), and the rollups count the posts
that did (``post_rollup.counted``, ``topic_rollup.counted``) next to their
engagement sums: a sum over posts none of which gave counts is unknown, one
over posts that did is their true sum, 0 included. Before, a post that gave
no counts stored 0, and a platform that counts but earned nothing read as
unknown as a feed.

The column is added in place (``ALTER TABLE … ADD COLUMN`` with a default:
no rebuild of ``posts``). A post with a count above 0 gave counts; one
whose counts are all 0 is read again from its raw payload
(:func:`veille.sources.counts.gave_counts`); a payload that does not tell
is unknown, as it read before. The rollups' triggers are made again with
the new column and the rollups' ``counted`` filled from the posts.
"""

from __future__ import annotations

import json
import sqlite3

ABOUT = (
    "Each post now records whether its platform gave like, share and reply counts "
    "(a real 0 reads 0, a feed's unknown); posts without any count are read again from "
    "their raw payloads, and the rollups count the posts that gave counts."
)

# (dim, v1, v2) of post_rollup, each an expression over the row R.
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
_UPSERT = (
    "ON CONFLICT (dim, bucket, v1, v2) DO UPDATE SET posts = posts + excluded.posts, "
    "engagement = engagement + excluded.engagement, reach = reach + excluded.reach, "
    "counted = counted + excluded.counted;"
)
_TOPIC_UPSERT = (
    "ON CONFLICT (topic_id, bucket) DO UPDATE SET posts = posts + excluded.posts, "
    "engagement = engagement + excluded.engagement, reach = reach + excluded.reach, "
    "counted = counted + excluded.counted;"
)


def _rollup_rows(row: str, sign: str) -> str:
    """The post_rollup rows a post (``NEW`` or ``OLD``) adds (``sign`` '')
    or takes out ('-')."""
    values = ",\n        ".join(
        "(" + ", ".join(v.replace("R.", f"{row}.") for v in d) + ")" for d in _DIMS
    )
    return (
        "INSERT INTO post_rollup (dim, bucket, v1, v2, posts, engagement, reach, counted)\n"
        f"    SELECT d.column1, {row}.published_at / 900, d.column2, d.column3, {sign}1,\n"
        f"        {sign}({row}.likes + {row}.shares + {row}.replies), "
        f"{sign}coalesce({row}.author_followers, 0), {sign}{row}.counts_given\n"
        f"    FROM (VALUES\n        {values}\n    ) AS d WHERE true\n    {_UPSERT}\n"
    )


def _topic_rows(row: str, sign: str, when: str) -> str:
    """The topic_rollup rows of a post's (``row``'s) topics."""
    return (
        "INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach, counted)\n"
        f"    SELECT t.topic_id, {row}.published_at / 900, {sign}1, "
        f"{sign}({row}.likes + {row}.shares + {row}.replies), "
        f"{sign}coalesce({row}.author_followers, 0), {sign}{row}.counts_given\n"
        f"    FROM post_topics t WHERE t.post_pk = {when}\n    {_TOPIC_UPSERT}\n"
    )


# A retention purge deletes posts but keeps the aggregates (migration 0170):
# the delete triggers do nothing while it runs.
_KEEP = "NOT EXISTS (SELECT 1 FROM privacy_purge)"

_WATCHED = (
    "published_at", "platform", "lang", "country", "sentiment", "likes", "shares", "replies",
    "author_followers", "counts_given",
)  # fmt: skip


def _triggers(keep: str) -> str:
    """The triggers made again; ``keep``: their delete triggers' condition."""
    changed = "\n  OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _WATCHED)
    topic_watched = ("published_at", "likes", "shares", "replies", "author_followers",
                     "counts_given")  # fmt: skip
    topic_changed = "\n  OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in topic_watched)
    return f"""
DROP TRIGGER post_rollup_insert;
DROP TRIGGER post_rollup_delete;
DROP TRIGGER post_rollup_update;
DROP TRIGGER topic_rollup_unfiled;
DROP TRIGGER topic_rollup_post_deleted;
DROP TRIGGER topic_rollup_post_updated;
DROP TRIGGER post_changes_update;

CREATE TRIGGER post_rollup_insert AFTER INSERT ON posts BEGIN
    {_rollup_rows("NEW", "")}END;

CREATE TRIGGER post_rollup_delete AFTER DELETE ON posts WHEN {keep} BEGIN
    {_rollup_rows("OLD", "-")}END;

CREATE TRIGGER post_rollup_update AFTER UPDATE OF {", ".join(_WATCHED)} ON posts
WHEN {changed}
BEGIN
    {_rollup_rows("OLD", "-")}    {_rollup_rows("NEW", "")}END;

CREATE TRIGGER topic_rollup_unfiled AFTER DELETE ON post_topics WHEN {keep} BEGIN
    INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach, counted)
    SELECT OLD.topic_id, p.published_at / 900, -1, -(p.likes + p.shares + p.replies),
           -coalesce(p.author_followers, 0), -p.counts_given
    FROM posts p WHERE p.pk = OLD.post_pk
    {_TOPIC_UPSERT}
END;

CREATE TRIGGER topic_rollup_post_deleted BEFORE DELETE ON posts WHEN {keep} BEGIN
    {_topic_rows("OLD", "-", "OLD.pk")}END;

CREATE TRIGGER topic_rollup_post_updated AFTER UPDATE OF {", ".join(topic_watched)} ON posts
WHEN {topic_changed}
BEGIN
    {_topic_rows("OLD", "-", "OLD.pk")}    {_topic_rows("NEW", "", "NEW.pk")}END;

CREATE TRIGGER post_changes_update AFTER UPDATE ON posts
WHEN OLD.pk IS NOT NEW.pk OR OLD.platform IS NOT NEW.platform OR OLD.lang IS NOT NEW.lang
    OR OLD.country IS NOT NEW.country OR OLD.sentiment IS NOT NEW.sentiment
    OR OLD.likes IS NOT NEW.likes OR OLD.shares IS NOT NEW.shares
    OR OLD.replies IS NOT NEW.replies OR OLD.author_followers IS NOT NEW.author_followers
    OR OLD.author_handle IS NOT NEW.author_handle OR OLD.author_name IS NOT NEW.author_name
    OR OLD.cluster_id IS NOT NEW.cluster_id OR OLD.hashtags IS NOT NEW.hashtags
    OR OLD.mentions IS NOT NEW.mentions OR OLD.links IS NOT NEW.links
    OR OLD.domains IS NOT NEW.domains OR OLD.counts_given IS NOT NEW.counts_given
BEGIN
    INSERT INTO post_changes (pk) VALUES (OLD.pk);
    INSERT INTO post_changes (pk) SELECT NEW.pk WHERE NEW.pk IS NOT OLD.pk;
END;
"""


def migrate(conn: sqlite3.Connection) -> int:
    from veille.sources.counts import gave_counts

    conn.execute("ALTER TABLE posts ADD COLUMN counts_given INTEGER NOT NULL DEFAULT 1")
    conn.execute("ALTER TABLE post_rollup ADD COLUMN counted INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE topic_rollup ADD COLUMN counted INTEGER NOT NULL DEFAULT 0")
    # Posts whose counts are all 0: their payloads tell whether those are counts.
    unknown: list[tuple[int]] = []
    reread = 0
    for pk, raw in conn.execute(
        "SELECT pk, raw FROM posts WHERE likes = 0 AND shares = 0 AND replies = 0"
    ):
        reread += 1
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        if not gave_counts(payload):
            unknown.append((pk,))
    # (No trigger watches counts_given yet: the rollups are filled below.)
    conn.executemany("UPDATE posts SET counts_given = 0 WHERE pk = ?", unknown)
    # A retention purge kept the rollups of the posts it removed (migration
    # 0170): no payload tells whether those gave counts, so, as
    # add_purged_topic_totals does, those that earned an interaction are
    # counted as having. First as if every post of a row were gone, then
    # each row that still holds posts is set from them, its purged part
    # (what the row counts beyond them) added.
    conn.execute("UPDATE post_rollup SET counted = CASE WHEN engagement > 0 THEN posts ELSE 0 END")
    for dim, v1, v2 in _DIMS:
        a, b, c = (x.replace("R.", "p.") for x in (dim, v1, v2))
        conn.execute(
            "UPDATE post_rollup SET counted = g.n + CASE WHEN post_rollup.engagement > g.e "
            "THEN post_rollup.posts - g.held ELSE 0 END "
            f"FROM (SELECT {a} AS dim, p.published_at / 900 AS bucket, {b} AS v1, {c} AS v2, "
            "sum(p.counts_given) AS n, count(*) AS held, "
            "sum(p.likes + p.shares + p.replies) AS e "
            "FROM posts p GROUP BY 2, 3, 4) AS g WHERE post_rollup.dim = g.dim "
            "AND post_rollup.bucket = g.bucket AND post_rollup.v1 = g.v1 "
            "AND post_rollup.v2 = g.v2"
        )
    # A topic's rollup the same way: what a retention purge left in it (posts
    # no longer held) counted where the row earned an interaction, as it read
    # before. One grouped read of the filings: a count per row (a subquery
    # per row, as first written, read a topic's every filing for each of its
    # quarter-hours: over 40 minutes at 1M posts, where this takes about 1 s).
    conn.execute("UPDATE topic_rollup SET counted = CASE WHEN engagement > 0 THEN posts ELSE 0 END")
    conn.execute(
        "UPDATE topic_rollup SET counted = g.n + CASE WHEN topic_rollup.engagement > 0 "
        "THEN topic_rollup.posts - g.held ELSE 0 END FROM (SELECT t.topic_id, "
        "p.published_at / 900 AS bucket, sum(p.counts_given) AS n, count(*) AS held "
        "FROM post_topics t JOIN posts p ON p.pk = t.post_pk GROUP BY 1, 2) AS g "
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
    return reread
