"""The rollup table stays equal to a recount of posts whatever happens to them,
and answers exactly as a scan of posts does."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import timedelta

import pytest

from tests.analytics.conftest import TZ, make_post, world
from veille.analytics.scope import Period, Scope, parse_period
from veille.analytics.volume import DIMENSIONS, breakdown, grouped, volume
from veille.models import Engagement, Post, Sentiment
from veille.store.base import PostFilter
from veille.store.sqlite import SQLiteStore, analytics_volume

CUBES = [(), *((d,) for d in DIMENSIONS), *itertools.combinations(sorted(DIMENSIONS), 2)]


def recount(store: SQLiteStore) -> list[tuple[object, ...]]:
    rows = []
    for cube in CUBES:
        vals = [f"coalesce({d}, '')" for d in cube] + ["''"] * (2 - len(cube))
        rows += store.conn.execute(
            f"SELECT '{'+'.join(cube)}', published_at / 900, {vals[0]}, {vals[1]}, count(*), "
            "sum(likes + shares + replies), sum(coalesce(author_followers, 0)), "
            "sum(counts_given), sum(author_followers IS NOT NULL) FROM posts GROUP BY 1, 2, 3, 4"
        ).fetchall()
    return sorted(rows)


def assert_exact(store: SQLiteStore) -> None:
    stored = store.conn.execute("SELECT * FROM post_rollup WHERE posts != 0").fetchall()
    assert sorted(stored) == recount(store)


def test_rollup_follows_inserts_updates_corrections_and_deletes(tmp_path, week) -> None:
    store = SQLiteStore.open(tmp_path / "r.db")
    posts = world()
    store.upsert_posts(posts[:4])
    assert_exact(store)
    # Late-arriving posts, some older than everything stored.
    store.upsert_posts(posts[4:])
    assert_exact(store)
    before = volume(store, Scope(), week, timezone=TZ).total
    # A post seen again with new counts, new followers, a sentiment and a language.
    again = dataclasses.replace(
        posts[4],
        engagement=Engagement(likes=50, shares=5, replies=1),
        author=dataclasses.replace(posts[4].author, followers=777),
        sentiment=Sentiment("positive", 0.8, 0.9),
        lang="en",
    )
    result = store.upsert_posts([again])
    assert result.updated == [again.id]
    assert_exact(store)
    # A user's sentiment correction.
    store.set_sentiment(posts[0].id, Sentiment("negative", -0.5, 1.0, "user"))
    assert_exact(store)
    senti = {s.key: s.posts for s in breakdown(store, Scope(), week, "sentiment")}
    assert senti == {"negative": 3, "neutral": 1, "positive": 1}
    plat = {s.key: s for s in breakdown(store, Scope(), week, "platform")}
    assert plat["reddit"].engagement == 56 and plat["reddit"].reach == 777
    # Deleted posts leave the rollup too.
    with store.transaction() as tx:
        tx.execute("DELETE FROM posts WHERE id = ?", (posts[1].id,))
    assert_exact(store)
    assert volume(store, Scope(), week, timezone=TZ).total == before - 1
    store.close()


FILTERS = [
    PostFilter(),
    PostFilter(platforms=("mastodon",)),
    PostFilter(languages=("fr", "en")),
    PostFilter(platforms=("mastodon", "bluesky"), languages=("fr",)),
]


@pytest.mark.parametrize("flt", FILTERS)
@pytest.mark.parametrize("dims", [(), ("platform",), ("sentiment",), ("lang", "country")])
def test_rollup_answers_like_a_scan(store, week, flt: PostFilter, dims) -> None:
    plain = Scope(flt=flt).during(week)
    # An always-true restriction makes the same question read posts.
    scan = Scope(flt=flt, scan=True).during(week)
    for by_bucket in (False, True):
        assert sorted(grouped(store, plain, dims, by_bucket=by_bucket)) == sorted(
            grouped(store, scan, dims, by_bucket=by_bucket)
        )


def _edges(posts: list[Post]) -> list[Period]:
    """Periods whose ends fall off the quarter-hours, in every way that
    matters: one second either side of a post, within a quarter-hour of
    one, to the microsecond, and one inside a single quarter-hour."""
    times = sorted(p.published_at for p in posts)
    first, last = times[0], times[-1]
    s = timedelta(seconds=1)
    return [
        Period(first, last + s),  # both ends on posts, the end just after one
        Period(first + s, last),  # both just past a post
        Period(first - timedelta(minutes=7, seconds=3), last + timedelta(minutes=14, seconds=59)),
        Period(first + timedelta(microseconds=250), last + timedelta(seconds=1, microseconds=5)),
        Period(first - timedelta(minutes=2), first + timedelta(minutes=3)),
        Period(first - timedelta(days=40, seconds=17), last),
    ]


@pytest.mark.parametrize("flt", FILTERS)
@pytest.mark.parametrize("dims", [(), ("platform",), ("sentiment",), ("lang", "country")])
def test_periods_off_the_quarter_hours_answer_like_a_scan(store, flt: PostFilter, dims) -> None:
    """A period ending "now" (every KPI's window) is read from the rollup
    between its first and last quarter-hours and from the posts around
    them: the same figures as reading every post."""
    posts = world()
    for period in _edges(posts):
        plain, scan = Scope(flt=flt).during(period), Scope(flt=flt, scan=True).during(period)
        for by_bucket in (False, True):
            assert sorted(grouped(store, plain, dims, by_bucket=by_bucket)) == sorted(
                grouped(store, scan, dims, by_bucket=by_bucket)
            ), (period, by_bucket)
    # The cut is taken where the rollup answers the quarter-hours in between
    # (not with more than two dimensions, filters included).
    period = _edges(posts)[2]
    parts = analytics_volume._split_at_quarters(Scope(flt=flt).during(period), dims)
    if analytics_volume.cube(Scope(flt=flt), dims) is None:
        assert parts is None
        return
    assert parts is not None and len(parts) == 3
    assert parts[0].flt.since.timestamp() % 900 == 0 and parts[0].flt.until.timestamp() % 900 == 0


def test_a_topic_s_periods_off_the_quarter_hours_answer_like_its_query(tmp_path) -> None:
    from veille.analytics.topics import query_scope, topic_scope
    from veille.query.topics import add_topic

    store = SQLiteStore.open(tmp_path / "t.db")
    posts = world()
    store.upsert_posts(posts)
    add_topic(store, "brand", "lumio")
    fast = topic_scope(store, "brand")
    assert fast.topic_id is not None
    slow = query_scope(store, "lumio")
    for period in _edges(posts):
        for by_bucket in (False, True):
            assert sorted(grouped(store, fast.during(period), (), by_bucket=by_bucket)) == sorted(
                grouped(store, slow.during(period), (), by_bucket=by_bucket)
            ), (period, by_bucket)
    assert analytics_volume._split_at_quarters(fast.during(_edges(posts)[2]), ()) is not None
    store.close()


def test_rollup_is_built_for_posts_stored_before_the_migration(tmp_path) -> None:
    from tests.conftest import old_database

    path = tmp_path / "old.db"
    # Posts stored with the old schema (no triggers yet), then migrated.
    old_database(path, 40, [make_post("9", "2026-03-24T10:00", likes=3), *world()])
    store = SQLiteStore.open(path)
    assert_exact(store)
    assert (
        store.conn.execute("SELECT sum(posts) FROM post_rollup WHERE dim = ''").fetchone()[0] == 9
    )
    store.close()


ENTITY_RECOUNT = """
SELECT kind, bucket, v, count(*), sum(e) FROM (
    SELECT DISTINCT 'hashtags{g}' AS kind, p.pk, p.published_at / {s} AS bucket,
           lower(j.value) AS v, p.likes + p.shares + p.replies AS e
    FROM posts p, json_each('["' || replace(p.hashtags, ' ', '","') || '"]') j
    WHERE p.hashtags != ''
    UNION ALL
    SELECT DISTINCT 'domains{g}', p.pk, p.published_at / {s}, j.value,
           p.likes + p.shares + p.replies
    FROM posts p, json_each('["' || replace(p.domains, ' ', '","') || '"]') j
    WHERE p.domains != ''
) GROUP BY 1, 2, 3
"""


def test_entity_rollup_follows_changes_and_answers_like_a_scan(tmp_path, week) -> None:
    from veille.analytics.tops import top_entities

    store = SQLiteStore.open(tmp_path / "e.db")
    posts = world()
    store.upsert_posts(posts)
    extra = make_post("t", "2026-03-25T10:00", hashtags=("Lumio", "lumio", "Fibre"), likes=2,
                      links=("https://a.example/1", "https://www.a.example/2"))  # fmt: skip
    store.upsert_posts([extra])
    # Seen again: more likes, a hashtag gone.
    store.upsert_posts([dataclasses.replace(extra, hashtags=("Fibre",),
                                            engagement=Engagement(likes=9))])  # fmt: skip
    with store.transaction() as tx:
        tx.execute("DELETE FROM posts WHERE id = ?", (posts[1].id,))
    stored = store.conn.execute(
        "SELECT * FROM entity_rollup WHERE posts != 0 ORDER BY 1, 2, 3"
    ).fetchall()
    recount = [
        row
        for g, secs in (("", 900), ("@day", 86400))
        for row in store.conn.execute(ENTITY_RECOUNT.format(g=g, s=secs)).fetchall()
    ]
    assert stored == sorted(recount)
    scan = Scope(scan=True)
    # A week (whole UTC days plus edges) and a single local day (edges only).
    for period in (week, parse_period("2026-03-24..2026-03-24", timezone=TZ)):
        for kind in ("hashtags", "domains"):
            fast = top_entities(store, Scope(), period, kind)
            assert fast == top_entities(store, scan, period, kind)
    tags = {
        e.value: (e.posts, e.engagement) for e in top_entities(store, Scope(), week, "hashtags")
    }
    assert tags == {"lumio": (1, 12), "fibre": (1, 9)}
    store.close()


TOPIC_RECOUNT = """
SELECT t.topic_id, p.published_at / 900, count(*), sum(p.likes + p.shares + p.replies),
       sum(coalesce(p.author_followers, 0)), sum(p.counts_given),
       sum(p.author_followers IS NOT NULL)
FROM post_topics t JOIN posts p ON p.pk = t.post_pk GROUP BY 1, 2 ORDER BY 1, 2
"""


def test_topic_rollup_completes_old_posts_and_follows_ingest(tmp_path, week) -> None:
    from veille.analytics.topics import query_scope, topic_scope
    from veille.pipeline import build_pipeline
    from veille.query.topics import add_topic, edit_topic
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        store = ws.store
        store.upsert_posts(world())
        add_topic(store, "brand", "lumio")
        # Saved after the posts: the first read files them.
        scope = topic_scope(store, "brand")
        assert scope.topic_id is not None
        assert volume(store, scope, week, timezone=TZ).total == 3

        def check() -> None:
            rows = store.conn.execute(
                "SELECT * FROM topic_rollup WHERE posts != 0 ORDER BY 1, 2"
            ).fetchall()
            assert rows == store.conn.execute(TOPIC_RECOUNT).fetchall()
            fast = volume(store, topic_scope(store, "brand"), week, timezone=TZ)
            slow = volume(store, query_scope(store, ws_query(store)), week, timezone=TZ)
            assert fast == slow

        def ws_query(s: SQLiteStore) -> str:
            from veille.query.topics import get_topic

            return get_topic(s, "brand").query

        check()
        # New posts come through the pipeline's match stage.
        pipeline = build_pipeline(ws)
        pipeline.ingest([make_post("n1", "2026-03-26T10:00", text="Lumio again", likes=4)])
        check()
        assert volume(store, topic_scope(store, "brand"), week, timezone=TZ).total == 4
        # Counts change, a post is deleted.
        first = store.get_post("mastodon:1")
        assert first is not None
        store.upsert_posts([dataclasses.replace(first, engagement=Engagement(likes=99))])
        with store.transaction() as tx:
            tx.execute("DELETE FROM posts WHERE id = ?", ("bluesky:2",))
        check()
        # An edited topic is completed again for its new query.
        edit_topic(store, "brand", "lumio OR vexa")
        check()
        assert (
            volume(store, topic_scope(store, "brand"), week, timezone=TZ).total == 5
        )  # 1, 3, n1 (Lumio); 4, 5 (Vexa)


def test_filings_made_before_migration_0250_keep_their_rollups_and_go_with_their_topic(
    tmp_path,
) -> None:
    """0250 makes ``post_topics`` and ``topic_sync`` again without their key
    into ``topics`` (a posts file files topics held in another store): the
    filings, marks and rollups of an older file come through, the rollup
    triggers still follow the posts, and a topic deleted here still takes
    its filings and its mark with it."""
    import sqlite3

    from tests.conftest import old_database

    def file_filings(conn: sqlite3.Connection, filings: list[tuple[int, int]]) -> None:
        """Filings as veille filed them then (its topic_rollup had no ``counted``)."""
        for pk, topic in filings:
            conn.execute("INSERT INTO post_topics (post_pk, topic_id) VALUES (?, ?)", (pk, topic))
            conn.execute(
                "INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach) "
                "SELECT ?, p.published_at / 900, 1, p.likes + p.shares + p.replies, "
                "coalesce(p.author_followers, 0) FROM posts p WHERE p.pk = ? "
                "ON CONFLICT (topic_id, bucket) DO UPDATE SET posts = posts + excluded.posts, "
                "engagement = engagement + excluded.engagement, reach = reach + excluded.reach",
                (topic, pk),
            )

    path = tmp_path / "old.db"
    old_database(path, 250, world())
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN")
    for topic in (1, 2):
        conn.execute(
            "INSERT INTO topics (id, name, created_at) VALUES (?, ?, 0)", (topic, f"t{topic}")
        )
        conn.execute("INSERT INTO topic_versions VALUES (?, 1, 'lumio', 0)", (topic,))
        conn.execute("INSERT INTO topic_sync VALUES (?, 1)", (topic,))
    pks = [pk for (pk,) in conn.execute("SELECT pk FROM posts ORDER BY pk")]
    file_filings(conn, [(pk, 1) for pk in pks[:4]] + [(pk, 2) for pk in pks[2:]])
    conn.execute("COMMIT")
    before = conn.execute("SELECT * FROM post_topics ORDER BY 1, 2").fetchall()
    conn.close()

    store = SQLiteStore.open(path)
    db = store.conn

    def rollup() -> list[tuple[object, ...]]:
        return db.execute("SELECT * FROM topic_rollup WHERE posts != 0 ORDER BY 1, 2").fetchall()

    assert db.execute("SELECT * FROM post_topics ORDER BY 1, 2").fetchall() == before
    assert db.execute("SELECT * FROM topic_sync ORDER BY 1").fetchall() == [(1, 1), (2, 1)]
    assert rollup() == db.execute(TOPIC_RECOUNT).fetchall()
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # A topic this file does not hold (the state store's topic 7).
    with store.transaction() as tx:
        tx.file_posts([(p.id, 7) for p in world()[:2]])
    assert store.topic_filed_version(7) is None
    # The rollup triggers were put back: a changed and a deleted post.
    first = store.get_post(world()[0].id)
    assert first is not None
    store.upsert_posts([dataclasses.replace(first, engagement=Engagement(likes=99))])
    with store.transaction() as tx:
        tx.execute("DELETE FROM posts WHERE pk = ?", (pks[3],))
    assert rollup() == db.execute(TOPIC_RECOUNT).fetchall()
    # Deleting topic 1 here takes its filings and its mark.
    store.delete_topic(1)
    assert {t for (t,) in db.execute("SELECT DISTINCT topic_id FROM post_topics")} == {2, 7}
    assert db.execute("SELECT topic_id FROM topic_sync").fetchall() == [(2,)]
    assert rollup() == db.execute(TOPIC_RECOUNT).fetchall()
    store.close()
