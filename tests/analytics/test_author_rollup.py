"""The author rollup stays equal to a recount of posts whatever happens to them
(late posts, new counts, followers going down, renamed authors, moved posts,
topics filed and unfiled, deletions), and top authors, the distinct-author
count and a topic's sentiment read from it answer as a scan of posts does."""

from __future__ import annotations

import dataclasses

from tests.analytics.conftest import TZ, make_post, world
from veille.analytics import tops
from veille.analytics.scope import Scope, parse_period
from veille.analytics.volume import overall_sentiment
from veille.models import Author, Engagement, Sentiment
from veille.store.base import PostFilter
from veille.store.sqlite import SQLiteStore

_COLUMNS = """p.published_at / 86400, p.platform, p.author_handle, count(*),
    sum(p.likes + p.shares + p.replies), max(coalesce(p.author_followers, 0)),
    max(p.author_name), sum(p.sentiment IS 'positive'), sum(p.sentiment IS 'negative'),
    sum(p.sentiment IS 'neutral')"""
RECOUNT = f"""
SELECT 0, {_COLUMNS} FROM posts p GROUP BY 2, 3, 4
UNION ALL
SELECT t.topic_id, {_COLUMNS} FROM post_topics t JOIN posts p ON p.pk = t.post_pk
GROUP BY 1, 2, 3, 4
"""


def assert_exact(store: SQLiteStore) -> None:
    stored = store.conn.execute("SELECT * FROM author_rollup").fetchall()
    assert sorted(stored) == sorted(store.conn.execute(RECOUNT).fetchall())


def file_under(store: SQLiteStore, topic_id: int, *ids: str) -> None:
    with store.transaction() as tx:
        for post_id in ids:
            tx.execute(
                "INSERT INTO post_topics (post_pk, topic_id) SELECT pk, ? FROM posts WHERE id = ?",
                (topic_id, post_id),
            )


def test_author_rollup_follows_every_change(tmp_path) -> None:
    from veille.query.topics import add_topic

    store = SQLiteStore.open(tmp_path / "a.db")
    posts = world()
    store.upsert_posts(posts[:3])
    assert_exact(store)
    topic = add_topic(store, "brand", "lumio")
    file_under(store, topic.id, posts[0].id, posts[2].id)
    # Late-arriving posts, a second post by alice the same day with more followers.
    store.upsert_posts([*posts[3:], make_post("9", "2026-03-23T09:00", followers=4000)])
    file_under(store, topic.id, "mastodon:9", posts[5].id)
    assert_exact(store)
    # Seen again: counts up, followers down on the post that held the maximum,
    # a sentiment, a name.
    nine = store.get_post("mastodon:9")
    assert nine is not None
    store.upsert_posts(
        [
            dataclasses.replace(
                nine,
                engagement=Engagement(likes=7),
                author=Author(handle="alice", followers=10),
                sentiment=Sentiment("negative", -0.4, 0.9),
            )
        ]
    )
    assert_exact(store)
    with store.transaction() as tx:
        tx.execute("UPDATE posts SET author_name = 'Alice' WHERE id = ?", (posts[0].id,))
        tx.execute("UPDATE posts SET author_name = 'Zed' WHERE id = 'mastodon:9'")
        tx.execute("UPDATE posts SET author_name = NULL WHERE id = 'mastodon:9'")
    assert_exact(store)
    # A user's sentiment correction.
    store.set_sentiment(posts[0].id, Sentiment("neutral", 0.0, 1.0, "user"))
    assert_exact(store)
    # A post moved to another day, and to another handle.
    with store.transaction() as tx:
        tx.execute(
            "UPDATE posts SET published_at = published_at + 3 * 86400 WHERE id = ?", (posts[0].id,)
        )
        tx.execute("UPDATE posts SET author_handle = 'zoe' WHERE id = ?", (posts[2].id,))
    assert_exact(store)
    # Unfiled from the topic, then deleted (the holder of a maximum first).
    with store.transaction() as tx:
        tx.execute("DELETE FROM post_topics WHERE topic_id = ? AND post_pk = 1", (topic.id,))
    assert_exact(store)
    with store.transaction() as tx:
        tx.execute("DELETE FROM posts WHERE id = ?", (posts[0].id,))
        tx.execute("DELETE FROM posts WHERE id = 'mastodon:9'")
    assert_exact(store)
    store.close()


def test_author_rollup_is_built_for_posts_stored_before_the_migration(tmp_path) -> None:
    from tests.conftest import old_database

    path = tmp_path / "old.db"
    old_database(path, 43, world())
    store = SQLiteStore.open(path)
    assert_exact(store)
    assert store.conn.execute("SELECT sum(posts) FROM author_rollup").fetchone()[0] == 8
    store.close()


def test_top_authors_and_counts_answer_like_a_scan(tmp_path) -> None:
    from veille.analytics.topics import topic_scope
    from veille.query.topics import add_topic

    store = SQLiteStore.open(tmp_path / "a.db")
    extra = [
        make_post(str(10 + i), f"2026-03-{23 + i % 7:02d}T{(5 * i) % 24:02d}:10",
                  platform=("mastodon", "bluesky")[i % 2], handle=f"user{i % 5}",
                  text="Lumio" if i % 3 else "autre", likes=i, followers=10 * (i % 4),
                  sentiment=("positive", "negative", None)[i % 3])
        for i in range(40)
    ]  # fmt: skip
    store.upsert_posts([*world(), *extra])
    with store.transaction() as tx:
        tx.execute("UPDATE posts SET author_name = 'U' || (pk % 3) WHERE pk % 4 != 0")
    add_topic(store, "brand", "lumio")
    topic = topic_scope(store, "brand")
    # Periods in Paris time start and end off UTC midnight: whole days come
    # from the rollup, the edges from posts. Also a period under one day.
    periods = [
        parse_period("2026-03-23..2026-03-29", timezone=TZ),
        parse_period("2026-03-24T05:00..2026-03-24T18:00", timezone=TZ),
        parse_period("2026-03-16..2026-03-31", timezone="UTC"),
    ]
    scopes = [Scope(), Scope(flt=PostFilter(platforms=("bluesky",))), topic]
    used = 0
    for period in periods:
        for scope in scopes:
            # An always-true extra restriction makes the same question read posts.
            scan = dataclasses.replace(scope, scan=True, topic_id=None)
            for by in ("posts", "engagement", "followers"):
                fast = tops.top_authors(store, scope, period, by=by, limit=50)
                slow = tops.top_authors(store, scan, period, by=by, limit=50)
                assert sorted(fast, key=repr) == sorted(slow, key=repr)
                used += len(fast)
            assert tops.author_count(store, scope, period) == tops.author_count(store, scan, period)
            assert overall_sentiment(store, scope, period) == overall_sentiment(store, scan, period)
        # Each author's posts of the period, on topic or not (influencers):
        # from the rollup, as a count of the posts says.
        flt = PostFilter(since=period.since, until=period.until)
        counted: dict[tuple[str, str], int] = {}
        for post in store.iter_posts(flt):
            key = (post.platform, post.author.handle)
            counted[key] = counted.get(key, 0) + 1
        asked = [*counted, ("mastodon", "nobody")]
        assert store.author_post_counts(flt, asked) == counted and len(counted) > 3
        # A language filter, which the rollup does not keep: the posts are read.
        fr = dataclasses.replace(flt, languages=("fr",))
        in_fr: dict[tuple[str, str], int] = {}
        for post in store.iter_posts(fr):
            key = (post.platform, post.author.handle)
            in_fr[key] = in_fr.get(key, 0) + 1
        assert store.author_post_counts(fr, asked) == in_fr
    assert used > 100
    store.close()


def test_a_period_from_before_1970_counts_authors_as_the_posts_give_them(tmp_path) -> None:
    """SQLite's integer division files a post of 31 December 1969 under day 0
    (1 January 1970) in the author rollup: top authors, the author count and
    each author's posts over a period from 1970 or before are read from the
    posts themselves, as a scan counts them."""
    from datetime import UTC, datetime

    from veille.analytics.scope import Period

    store = SQLiteStore.open(tmp_path / "old.db")
    store.upsert_posts(
        [
            make_post("1", "1969-12-31T12:00", handle="before", text="lumio", likes=5),
            make_post("2", "1970-01-02T12:00", handle="after", text="lumio", likes=1),
            make_post("3", "1970-01-03T12:00", handle="before", text="lumio", likes=1),
        ]
    )
    assert_exact(store)
    period = Period(datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 5, tzinfo=UTC))
    whole = Scope()
    scan = dataclasses.replace(whole, scan=True)
    for by in ("posts", "engagement", "followers"):
        fast = tops.top_authors(store, whole, period, by=by, limit=50)
        assert fast == tops.top_authors(store, scan, period, by=by, limit=50)
    got = {(a.handle, a.posts, a.engagement) for a in tops.top_authors(store, whole, period)}
    assert got == {("before", 1, 1), ("after", 1, 1)}
    # Before 1970 only: the post of 31 December 1969, not those after.
    older = Period(datetime(1969, 12, 30, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC))
    assert tops.author_count(store, whole, older) == tops.author_count(store, scan, older) == 1
    flt = PostFilter(since=period.since, until=period.until)
    asked = [("mastodon", "before"), ("mastodon", "after")]
    assert store.author_post_counts(flt, asked) == {
        ("mastodon", "before"): 1,
        ("mastodon", "after"): 1,
    }
    store.close()


def test_top_hashtags_of_a_period_from_before_1970_are_counted_on_the_posts(tmp_path) -> None:
    """The entities' rollup files a post of 31 December 1969 23:50 UTC under
    the quarter-hour and the day that begin 1 January 1970 (SQLite's integer
    division truncates toward zero): top hashtags and domains over a period
    from 1970 or before are read from the posts, as a scan counts them."""
    from datetime import UTC, datetime

    from veille.analytics.scope import Period
    from veille.models import Post

    def at(native: str, when: datetime, tag: str) -> Post:
        return dataclasses.replace(
            make_post(native, "2026-03-23T08:00", hashtags=(tag,), links=(f"https://{tag}.io/",)),
            published_at=when,
        )

    store = SQLiteStore.open(tmp_path / "old.db")
    store.upsert_posts(
        [
            at("1", datetime(1969, 12, 31, 23, 50, tzinfo=UTC), "avant"),
            at("2", datetime(1970, 1, 1, 0, 5, tzinfo=UTC), "apres"),
            at("3", datetime(1970, 1, 2, 12, 0, tzinfo=UTC), "apres"),
        ]
    )
    scan = Scope(scan=True)
    for since, until in (
        (datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 4, tzinfo=UTC)),
        (datetime(1969, 12, 30, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC)),
    ):
        period = Period(since, until)
        for kind in ("hashtags", "domains"):
            got = tops.top_entities(store, Scope(), period, kind)
            assert got == tops.top_entities(store, scan, period, kind), (kind, period)
    first_days = Period(datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 4, tzinfo=UTC))
    assert [
        (e.value, e.posts) for e in tops.top_entities(store, Scope(), first_days, "hashtags")
    ] == [("apres", 2)]
    store.close()


def test_volume_of_a_period_from_before_1970_is_counted_on_the_posts(tmp_path) -> None:
    """The volume rollups file a post of 31 December 1969 23:50 UTC under the
    quarter-hour that begins 1970: the posts of a period from 1970 (or of one
    ending then), the whole workspace's and a topic's, are counted on the
    posts, as a scan counts them."""
    from datetime import UTC, datetime

    from veille.analytics.scope import Period
    from veille.analytics.topics import topic_scope
    from veille.analytics.volume import grouped
    from veille.query.topics import add_topic

    store = SQLiteStore.open(tmp_path / "old.db")
    store.upsert_posts(
        [
            dataclasses.replace(make_post(str(i), "2026-03-23T08:00", text="lumio"), published_at=t)
            for i, t in enumerate(
                [
                    datetime(1969, 12, 31, 23, 50, tzinfo=UTC),
                    datetime(1970, 1, 1, 0, 5, tzinfo=UTC),
                    datetime(1970, 1, 2, 12, 0, tzinfo=UTC),
                ]
            )
        ]
    )
    add_topic(store, "lumio", "lumio")
    topic = topic_scope(store, "lumio")
    since_1970 = Period(datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 4, tzinfo=UTC))
    until_1970 = Period(datetime(1969, 12, 30, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC))
    for scope in (Scope(), topic):
        scan = dataclasses.replace(scope, scan=True, topic_id=None)
        for period, posts in ((since_1970, 2), (until_1970, 1)):
            got = grouped(store, scope.during(period), ("platform",))
            assert got == grouped(store, scan.during(period), ("platform",)), (scope, period)
            assert sum(r[1] for r in got) == posts
            assert grouped(store, scope.during(period))[0][0] == posts
    store.close()
