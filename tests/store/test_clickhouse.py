"""The ClickHouse PostStore (through chDB, and over HTTP) against SQLite: every aggregation
analytics reads gives the same answer on the same posts, for plain filters, a
period, a query (one ClickHouse says exactly and one it checks in memory),
words and a saved topic; and what a column store adds: reads right before
merges, batches sent twice stored once."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import clickhouse_posts_url, make_post
from veille.analytics.scope import Period, Scope, words_scope
from veille.analytics.volume import _Buckets
from veille.models import Author, Engagement, Post, Sentiment
from veille.query import compile_query
from veille.store import PostFilter
from veille.store.clickhouse.schema import SCHEMA_VERSION
from veille.store.sqlite import SQLiteStore

pytest.importorskip("chdb")

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
WORDS = ["lumio", "vexa", "panne", "outage", "offre", "réseau", "l'ACEI", "Montréal", "fibre"]


def _corpus(n: int = 160) -> list[Post]:
    rng = random.Random(21)
    posts = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7)))
        handle = rng.choice(["alice", "Bob", "@carol", "dave@mast.fr"])
        posts.append(
            make_post(
                str(i),
                text,
                title=rng.choice([None, "Lumio", "panne réseau"]),
                platform=rng.choice(["mastodon", "bluesky", "rss"]),
                source=rng.choice([None, "feeds-a", "mastodon-b"]),
                lang=rng.choice([None, "fr", "en", "fr-CA"]),
                country=rng.choice([None, "CA", "FR"]),
                author=Author(handle, name=handle.title(), followers=rng.choice([None, 10, 500])),
                engagement=Engagement(rng.randint(0, 40), rng.randint(0, 5), rng.randint(0, 3)),
                published_at=T0 + timedelta(minutes=37 * i),
                hashtags=tuple(rng.sample(["Lumio", "panne", "cyber"], rng.randint(0, 2))),
                mentions=tuple(rng.sample(["alice", "Bob"], rng.randint(0, 1))),
                links=tuple(
                    rng.sample(["https://www.lumio.fr/a", "https://ex.com/b"], rng.randint(0, 2))
                ),
                sentiment=rng.choice(
                    [None, Sentiment("positive", 0.5), Sentiment("negative", -0.4)]
                ),
                cluster_id=rng.choice([None, None, "c1", "c2", "c3"]),
                parent_id=f"mastodon:{i - 1}" if i and rng.random() < 0.2 else None,
                repost_of=f"bluesky:{i - 2}" if i > 1 and rng.random() < 0.1 else None,
            )
        )
    return posts


def open_clickhouse(kind: str, folder: Path, request: pytest.FixtureRequest) -> Any:
    """A fresh ClickHouse store (:func:`tests.conftest.clickhouse_posts_url`)."""
    from veille.store.registry import open_store

    return open_store(clickhouse_posts_url(kind, folder, request), role="posts", root=folder)


@pytest.fixture(scope="module", params=["chdb", "clickhouse"])
def stores(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[Any, SQLiteStore]]:
    folder = tmp_path_factory.mktemp("ch")
    ch = open_clickhouse(request.param, folder, request)
    lite = SQLiteStore.open(folder / "lite.db")
    posts = _corpus()
    # Two inserts of part of the posts: rows in several parts, not merged.
    for store in (ch, lite):
        store.upsert_posts(posts[:100])
        store.upsert_posts(posts)
    # Topic 3 (SCOPES): the first posts filed as ingest files them, the rest
    # by the backlog of its query.
    ch.file_posts([(p.id, 3) for p in posts[:60] if "lumio" in p.text.lower()])
    with lite.transaction() as tx:
        tx.file_posts([(p.id, 3) for p in posts[:60] if "lumio" in p.text.lower()])
    for store in (ch, lite):
        store.file_topic_backlog(3, 1, Scope(queries=(compile_query("lumio OR fibre").ast,)))
    yield ch, lite
    ch.close()
    lite.close()


PERIOD = Period(T0 + timedelta(hours=5), T0 + timedelta(days=3, hours=7))
ALL_TIME = Period(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
SCOPES = {
    "all": Scope(),
    "period": Scope().during(PERIOD),
    "filtered": Scope(flt=PostFilter(platforms=("rss", "bluesky"), languages=("fr",))).during(
        PERIOD
    ),
    # Read from the rollups (a language filter above is not: a scan).
    "platforms": Scope(flt=PostFilter(platforms=("rss", "bluesky"))).during(PERIOD),
    "query": Scope(queries=(compile_query("(lumio OR panne) -vexa").ast,)).during(PERIOD),
    "near": Scope(queries=(compile_query("lumio NEAR/1 panne").ast,)).during(PERIOD),
    "words": words_scope("Montréal fibre").during(PERIOD),
    "topic": Scope(topics=(3,)).during(PERIOD),
    "topic, all time": Scope(topics=(3,)),
    # As the app scopes a saved topic: SQLite reads its rollups, ClickHouse
    # counts its filings where they answer.
    "saved topic": Scope().within_topic(3).during(PERIOD),
    # SQLite reads its sources of some platforms from the sources' rollup.
    "saved topic, platforms": Scope(flt=PostFilter(platforms=("rss", "bluesky")))
    .within_topic(3)
    .during(PERIOD),
}


def _ids(posts: list[Post]) -> list[str]:
    return [p.id for p in posts]


def _figures(periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``headline_figures``' answer, comparable: rows sorted, net sentiment rounded."""
    return [
        {**f, "net_sentiment": round(f["net_sentiment"], 9),
         "by": {d: sorted(rows) for d, rows in f.get("by", {}).items()}}
        for f in periods
    ]  # fmt: skip


@pytest.mark.parametrize("name", sorted(SCOPES))
def test_aggregations_agree_with_sqlite(stores: tuple[Any, SQLiteStore], name: str) -> None:
    ch, lite = stores
    _assert_agree(ch, lite, SCOPES[name])


def _assert_agree(ch: Any, lite: SQLiteStore, scope: Scope) -> None:
    """Every aggregation analytics reads gives the same answer on both."""
    day = _Buckets("day", __import__("zoneinfo").ZoneInfo("America/Montreal"))
    starts = day.keys(PERIOD)
    for dims in [(), ("platform",), ("lang", "sentiment"), ("country",)]:
        for buckets in (False, True, day):
            assert sorted(ch.post_totals(scope, dims, buckets)) == sorted(
                lite.post_totals(scope, dims, buckets)
            ), (dims, buckets)
    bounded = scope.during(PERIOD)
    assert sorted(ch.posts_per_bucket(bounded, PERIOD, day, starts)) == sorted(
        lite.posts_per_bucket(bounded, PERIOD, day, starts)
    )
    assert ch.sentiment_totals(scope, PERIOD) == lite.sentiment_totals(scope, PERIOD)
    for by in ("engagement", "reach"):
        for unclustered in (False, True):
            assert _ids(ch.top_posts(bounded, by=by, limit=7, unclustered=unclustered)) == _ids(
                lite.top_posts(bounded, by=by, limit=7, unclustered=unclustered)
            )
    for by in ("posts", "engagement", "followers"):
        assert ch.top_authors(scope, PERIOD, by=by, limit=3) == lite.top_authors(
            scope, PERIOD, by=by, limit=3
        )
    assert ch.author_count(scope, PERIOD) == lite.author_count(scope, PERIOD)
    for kind in ("hashtags", "domains", "links", "mentions"):
        assert ch.top_entities(bounded, kind, 5) == lite.top_entities(bounded, kind, 5), kind
    for by in ("reach", "posts", "engagement"):
        got = [(*r[:5], r[5].id) for r in ch.top_clusters(bounded, by=by, limit=5)]
        want = [(*r[:5], r[5].id) for r in lite.top_clusters(bounded, by=by, limit=5)]
        assert got == want
    assert ch.story_count(bounded) == lite.story_count(bounded)
    # Both periods and every breakdown in one call (one pass on ClickHouse).
    periods = (PERIOD, PERIOD.previous())
    dims = ("platform", "lang", "country", "sentiment")
    got = _figures(ch.headline_figures(scope, periods, dims))
    assert got == _figures(lite.headline_figures(scope, periods, dims))
    assert got[0]["posts"] == sum(r[1] for r in got[0]["by"]["platform"])
    assert got[0]["by"]["platform"] == sorted(ch.post_totals(bounded, ("platform",)))
    # A page that shows the breakdowns' posts alone (the dashboard; SQLite
    # reads a saved topic's platforms from its author rollup): the same
    # figures and the same posts by value, their engagement and reach aside.
    for store in (ch, lite):
        slim = _figures(
            store.headline_figures(scope, periods, ("platform", "lang"), posts_only=True)
        )
        for full, alone in zip(got, slim, strict=True):
            assert {k: v for k, v in alone.items() if k != "by"} == {
                k: v for k, v in full.items() if k != "by"
            }
            for d in ("platform", "lang"):
                assert [r[:2] for r in alone["by"][d]] == [r[:2] for r in full["by"][d]], d
    assert sorted(ch.author_activity(bounded), key=repr) == sorted(
        map(tuple, lite.author_activity(bounded)), key=repr
    )
    assert ch.posts_by_source(bounded) == lite.posts_by_source(bounded)
    assert sorted(ch.story_texts(bounded), key=repr) == sorted(
        map(tuple, lite.story_texts(bounded)), key=repr
    )
    # A sample of the stories: the same ones on both (CRC-32 of the key).
    sampled = sorted(ch.story_texts(bounded, sample=5000), key=repr)
    assert sampled == sorted(map(tuple, lite.story_texts(bounded, sample=5000)), key=repr)
    assert len(sampled) <= len(list(lite.story_texts(bounded)))
    assert sorted(ch.conversation_links(bounded), key=repr) == sorted(
        map(tuple, lite.conversation_links(bounded)), key=repr
    )
    # The influencers' reads in one pass: author_activity's rows, in its
    # order, and the links (a link's rows summed).
    for store in (ch, lite):
        activity, links = store.author_reads(bounded)
        assert list(map(tuple, activity)) == list(map(tuple, store.author_activity(bounded)))
        summed: dict[tuple[Any, ...], int] = {}
        for *key, n in links:
            summed[tuple(key)] = summed.get(tuple(key), 0) + n
        assert summed == {tuple(k): n for *k, n in store.conversation_links(bounded)}
        assert links
    groups = [
        [("mastodon", "alice"), ("rss", "Bob"), ("bluesky", "@carol")],
        [("rss", "Bob")],
        [],
        [("rss", "nobody"), ("mastodon", "alice")],
    ]
    for n in (1, 5):
        got, want = ch.recent_posts_by(bounded, groups, n), lite.recent_posts_by(bounded, groups, n)
        assert [_ids(g) for g in got] == [_ids(w) for w in want]
        assert len(want[0]) == n and want[2] == []
    _assert_shown_agree(ch, lite, bounded, groups)


def _shown(post: Post) -> tuple[Any, ...]:
    """What a list of posts (a report's) shows of a post."""
    a, e = post.author, post.engagement
    return (post.id, post.platform, post.url, a.handle, a.name, a.followers, post.title,
            post.text, post.lang, post.published_at, e.likes, e.shares, e.replies, e.given,
            post.cluster_id)  # fmt: skip


def _assert_shown_agree(
    ch: Any, lite: SQLiteStore, bounded: Scope, groups: list[list[tuple[str, str]]]
) -> None:
    """The lists as their posts' keys (ranked and cut, not read), then the
    posts of all of them read in one call: the keys of the posts each list
    reads whole, the same on both, and the posts read what a list shows of
    them."""
    from veille.store.protocols.analytics import PostKey, post_key

    for store in (ch, lite):
        keys: list[PostKey] = []
        whole: list[Post] = []
        for by in ("engagement", "reach"):
            for unclustered in (False, True):
                found = store.top_posts(bounded, by=by, limit=7, unclustered=unclustered)
                got = store.top_post_keys(bounded, by=by, limit=7, unclustered=unclustered)
                assert got == [post_key(p) for p in found], (store, by, unclustered)
                keys, whole = [*keys, *got], [*whole, *found]
        for by in ("reach", "posts", "engagement"):
            clusters = store.top_clusters(bounded, by=by, limit=5)
            got_c = store.top_cluster_keys(bounded, by=by, limit=5)
            # A cluster is ranked by its own figures: its first post's key
            # says where it is (the id and time), no more.
            assert [(*r[:5], r[5][:2]) for r in got_c] == [
                (*r[:5], post_key(r[5])[:2]) for r in clusters
            ], (store, by)
            keys, whole = [*keys, *(r[5] for r in got_c)], [*whole, *(r[5] for r in clusters)]
        newest = store.recent_posts_by(bounded, groups, 2)
        got_r = store.recent_post_keys_by(bounded, groups, 2)
        assert [[k[:2] for k in ks] for ks in got_r] == [
            [post_key(p)[:2] for p in ps] for ps in newest
        ]
        keys += [k for ks in got_r for k in ks]
        whole += [p for ps in newest for p in ps]
        assert len({k.id for k in keys}) > 5
        # One read for every list, in the order asked; a post gone is left out.
        gone = PostKey("gone", T0.timestamp())
        read = store.posts_shown([gone, *keys])
        assert [_shown(p) for p in read] == [_shown(p) for p in whole]
    assert [k.id for k in ch.top_post_keys(bounded, limit=7)] == [
        k.id for k in lite.top_post_keys(bounded, limit=7)
    ]
    assert [[k[:2] for k in ks] for ks in ch.recent_post_keys_by(bounded, groups, 1)] == [
        [k[:2] for k in ks] for ks in lite.recent_post_keys_by(bounded, groups, 1)
    ]


def test_people_and_decisions_agree(stores: tuple[Any, SQLiteStore]) -> None:
    ch, lite = stores
    flt = PostFilter(since=PERIOD.since, until=PERIOD.until)
    authors = [("mastodon", "alice"), ("rss", "Bob"), ("rss", "nobody")]
    assert ch.author_post_counts(flt, authors) == lite.author_post_counts(flt, authors)
    assert sorted(ch.interactions_of(["Alice", "@carol"]), key=repr) == sorted(
        map(tuple, lite.interactions_of(["Alice", "@carol"])), key=repr
    )
    # Over a period (a KPI's window): its posts only, the same on both.
    within = sorted(map(tuple, lite.interactions_of(["Alice", "@carol"], PERIOD)), key=repr)
    assert sorted(ch.interactions_of(["Alice", "@carol"], PERIOD), key=repr) == within
    assert all(PERIOD.since.timestamp() <= r[3] < PERIOD.until.timestamp() for r in within)
    assert 0 < len(within) < len(list(lite.interactions_of(["Alice", "@carol"])))
    assert ch.accounts_named("@CAROL") == lite.accounts_named("@CAROL")
    assert sorted(ch.accounts_on("rss")) == sorted(lite.accounts_on("rss"))
    ch.decide_author_link(("rss", "bob"), ("mastodon", "alice"), "same", "test")
    ch.decide_author_link(("mastodon", "alice"), ("rss", "bob"), "different")
    assert ch.author_link_decisions() == {(("mastodon", "alice"), ("rss", "bob")): "different"}


def test_topic_backlog_files_and_unfiles(stores: tuple[Any, SQLiteStore]) -> None:
    ch, _lite = stores
    assert ch.topic_filed_version(7) is None
    lumio = Scope(queries=(compile_query("lumio").ast,))
    changed = ch.file_topic_backlog(7, 1, lumio)
    assert changed == ch.count_matches("lumio") > 0
    assert ch.topic_filed_version(7) == 1
    narrower = Scope(queries=(compile_query("lumio panne").ast,))
    assert ch.file_topic_backlog(7, 2, narrower) == changed - ch.count_matches("lumio panne")
    assert ch.topic_filed_version(7) == 2
    filed = ch.post_totals(Scope(topics=(7,)))
    assert filed[0][-3] == ch.count_matches("lumio panne")


def test_reads_are_right_before_merges_and_a_batch_sent_twice_is_stored_once(
    stores: tuple[Any, SQLiteStore],
) -> None:
    # chDB opens one folder per process: this test writes posts of its own
    # platform into the module's store, last.
    ch, _lite = stores
    fresh = PostFilter(platforms=("fresh",))

    def post(likes: int) -> Post:
        return make_post("1", "zorglub", platform="fresh", likes=likes)

    # Merges held back: every version stays stored, as before a merge.
    ch.client.command("SYSTEM STOP MERGES posts")
    ch.upsert_posts([post(1)])
    for likes in range(2, 6):
        assert ch.upsert_posts([post(likes)]).updated == ["fresh:1"]
    got = ch.get_post("fresh:1")
    assert got is not None and got.engagement.likes == 5
    assert ch.count_posts(fresh) == 1 and ch.count_matches("zorglub") == 1
    assert ch.headline_figures(Scope(flt=fresh), (ALL_TIME,))[0]["engagement"] == 5
    # The rollup view counts the post once, with its last counts and sentiment.
    assert ch.post_totals(Scope(flt=fresh)) == [(1, 5, 100)]
    ch.set_sentiment("fresh:1", Sentiment("negative", -0.5, 1.0, "user"))
    ch.upsert_posts([make_post("1", "zorglub", platform="fresh", likes=6, sentiment=None)])
    period = Period(T0 - timedelta(days=400), T0 + timedelta(days=400))
    assert ch.sentiment_totals(Scope(flt=fresh), period) == (0, 1, 0)
    assert ch.post_totals(Scope(flt=fresh), ("sentiment",)) == [("negative", 1, 6, 100)]
    # Several versions are stored until a merge: reads see the last only.
    assert ch.rows("SELECT count() FROM posts WHERE id = 'fresh:1'")[0][0] == 7
    ch.client.command("SYSTEM START MERGES posts")
    # The same block again (a retry after a lost answer): deduplicated.
    from veille.store.clickhouse.rows import encode

    row = {"id": "fresh:2", "seq": 1, "version": 1, "text": "x", "published_at": 0}
    for _ in range(2):
        ch.client.insert("posts", [encode(row)], token="same-block")
    assert ch.rows("SELECT count() FROM posts WHERE id = 'fresh:2'")[0][0] == 1


def test_top_posts_come_whole_in_one_query_as_their_newest_versions(
    stores: tuple[Any, SQLiteStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Posts of their own platform, each written twice with merges held back
    # (both versions stored): the top list shows each post as last written,
    # whole (its new text and counts), as SQLite does, and ClickHouse reads
    # it in one query (its keys, then the posts by id, took two).
    ch, _lite = stores
    lite = SQLiteStore.open(":memory:")
    t1 = datetime(2027, 6, 7, tzinfo=UTC)

    def post(i: int, text: str, likes: int) -> Post:
        return make_post(
            str(i), text, platform="toplist", published_at=t1 + timedelta(hours=5 * i),
            engagement=Engagement(likes, 0, 0), author=Author(f"t{i % 4}", followers=10 * i),
            cluster_id="tc" if i % 3 == 0 else None,
        )  # fmt: skip

    ch.client.command("SYSTEM STOP MERGES posts")
    try:
        for store in (ch, lite):
            store.upsert_posts([post(i, f"first words {i}", i) for i in range(30)])
            store.upsert_posts([post(i, f"second words {i}", 100 - i) for i in range(0, 30, 2)])
        calls: list[str] = []
        rows = ch.rows
        monkeypatch.setattr(
            ch, "rows", lambda sql, params=None: calls.append(sql) or rows(sql, params)
        )
        toplist = Scope(flt=PostFilter(platforms=("toplist",)))
        for scope in (toplist, toplist.during(Period(t1, t1 + timedelta(days=3)))):
            for by in ("engagement", "reach"):
                for unclustered in (False, True):
                    calls.clear()
                    got = ch.top_posts(scope, by=by, limit=7, unclustered=unclustered)
                    assert got == lite.top_posts(scope, by=by, limit=7, unclustered=unclustered)
                    assert len(calls) == 1, calls
        best = ch.top_posts(toplist, limit=3)
        assert [(p.text, p.engagement.likes) for p in best] == [
            ("second words 0", 100), ("second words 2", 98), ("second words 4", 96)
        ]  # fmt: skip
    finally:
        ch.client.command("SYSTEM START MERGES posts")
        lite.close()


def test_rollups_stay_exact_through_updates_before_merges(
    stores: tuple[Any, SQLiteStore],
) -> None:
    # Posts of their own platform and year in the module's store, last; the
    # same posts and updates in SQLite. Merges held back: every version of a
    # post stays stored, so the day rollups must take each old one out.
    ch, _lite = stores
    lite = SQLiteStore.open(":memory:")
    t1 = datetime(2027, 1, 4, tzinfo=UTC)

    def post(i: int, **kw: Any) -> Post:
        kw.setdefault("author", Author(f"a{i % 3}", name=f"A{i % 3}", followers=100 * i))
        kw.setdefault("hashtags", ("Lumio",) if i % 2 else ("cyber", "CYBER"))
        kw.setdefault("links", (f"https://h{i % 4}.example/x",))
        kw.setdefault("cluster_id", f"s{i % 3}" if i % 4 else None)
        return make_post(
            str(i), "moved", platform="moved", published_at=t1 + timedelta(hours=7 * i),
            engagement=Engagement(i, 1, 0), **kw,
        )  # fmt: skip

    tables = ("posts", "post_rollup", "author_rollup", "entity_rollup", "cluster_rollup")
    for table in tables:
        ch.client.command(f"SYSTEM STOP MERGES {table}")
    try:
        # Post 1 alone in its story, then moved out of it: a story left empty.
        first = [post(i, cluster_id="solo") if i == 1 else post(i) for i in range(24)]
        # Seen again: fewer followers, other hashtags and links, another
        # story (or none), more likes.
        again = [
            post(
                i,
                author=Author(f"a{i % 3}", name=f"A{i % 3}", followers=5),
                hashtags=("Panne",),
                links=("https://moved.example/y",),
                cluster_id=None if i % 5 == 0 else f"s{(i + 1) % 3}",
            )
            for i in range(0, 24, 2)
        ]
        moves = [(first[3].id, "s9"), (first[7].id, "s9"), (first[1].id, "s9")]
        for store in (ch, lite):
            store.upsert_posts(first)
            store.upsert_posts(again)
        ch.set_clusters(moves)
        with lite.transaction() as tx:
            tx.set_clusters(moves)
        # Whole days, then a period with partial days at both edges.
        for period in (
            Period(t1, t1 + timedelta(days=7)),
            Period(t1 + timedelta(hours=5), t1 + timedelta(days=5, hours=3)),
        ):
            scope = Scope(flt=PostFilter(platforms=("moved",)))
            for by in ("posts", "engagement", "followers"):
                assert ch.top_authors(scope, period, by=by, limit=5) == lite.top_authors(
                    scope, period, by=by, limit=5
                ), by
            assert ch.author_count(scope, period) == lite.author_count(scope, period)
            # Entities: the rollup holds no platform, so the whole workspace.
            for kind in ("hashtags", "domains"):
                bounded = Scope().during(period)
                assert ch.top_entities(bounded, kind, 50) == lite.top_entities(bounded, kind, 50), (
                    kind
                )
            for by in ("reach", "posts", "engagement"):
                bounded = scope.during(period)
                got = [(*r[:5], r[5].id) for r in ch.top_clusters(bounded, by=by, limit=5)]
                want = [(*r[:5], r[5].id) for r in lite.top_clusters(bounded, by=by, limit=5)]
                assert got == want, by
            # Stories (posts outside clusters, and clusters): the rollups too.
            for bounded in (scope.during(period), Scope().during(period)):
                assert ch.story_count(bounded) == lite.story_count(bounded)
            # The headline figures of two periods, read from the rollups together.
            for whole in (scope, Scope()):
                periods = (period, period.previous())
                got = _figures(ch.headline_figures(whole, periods, ("platform", "sentiment")))
                assert got == _figures(
                    lite.headline_figures(whole, periods, ("platform", "sentiment"))
                )
        assert ch.rows("SELECT count() FROM posts WHERE platform = 'moved'")[0][0] > 24
    finally:
        for table in tables:
            ch.client.command(f"SYSTEM START MERGES {table}")
        lite.close()


def test_a_store_made_before_the_day_rollups_fills_them_on_open(
    stores: tuple[Any, SQLiteStore],
) -> None:
    from veille.store.clickhouse.store import ClickHouseStore

    ch, lite = stores
    period = Period(T0, T0 + timedelta(days=30))
    scope = Scope()

    def figures(store: Any) -> tuple[Any, ...]:
        bounded = scope.during(period)
        return (
            store.top_authors(scope, period, limit=5),
            store.author_count(scope, period),
            store.top_entities(bounded, "hashtags", 5),
            store.top_entities(bounded, "domains", 5),
            [(*r[:5], r[5].id) for r in store.top_clusters(bounded, limit=5)],
        )

    before = figures(ch)
    assert before == figures(lite)
    # As schema 1 left it: no day rollups.
    for table in ("author_rollup", "entity_rollup", "cluster_rollup"):
        ch.client.command(f"DROP VIEW {table}_view")
        ch.client.command(f"DROP TABLE {table}")
    ch.write_row("veille_meta", {"key": "schema", "value": "1"})
    reopened = ClickHouseStore(ch.client, ch.where)
    assert figures(reopened) == before
    assert reopened.rows("SELECT value FROM veille_meta FINAL WHERE key = 'schema'") == [
        [str(SCHEMA_VERSION)]
    ]


def _topic_figures(store: Any, name: str) -> tuple[Any, ...]:
    """Topic 3's volume by platform and headline figures, under the scope
    ``name`` (over :data:`PERIOD`) and over all time."""
    return tuple(
        (
            sorted(store.post_totals(scope, ("platform",))),
            store.headline_figures(scope, (PERIOD if scope.flt.since else ALL_TIME,)),
        )
        for scope in (SCOPES[name], SCOPES["topic, all time"])
    )


def _agreed_topic_figures(stores: tuple[Any, SQLiteStore], name: str) -> tuple[Any, ...]:
    """:func:`_topic_figures` of the ClickHouse store, checked to be SQLite's."""
    ch, lite = stores
    before = _topic_figures(ch, name)
    assert before == _topic_figures(lite, name)
    return before


def test_filings_of_a_store_made_before_they_carried_times_move_on_open(
    stores: tuple[Any, SQLiteStore],
) -> None:
    from veille.store.clickhouse.store import ClickHouseStore

    ch, _lite = stores
    before = _agreed_topic_figures(stores, "topic")
    assert before[0][0] != before[1][0] != []  # the period holds some of the topic, not all
    # As schema 2 left them: in post_topics, by topic and post id, no times.
    ch.client.command(
        "CREATE TABLE post_topics (topic_id Int64, post_id String, filed UInt8, version UInt64) "
        "ENGINE = ReplacingMergeTree(version) ORDER BY (topic_id, post_id)"
    )
    ch.client.command(
        "INSERT INTO post_topics SELECT topic_id, post_id, filed, version FROM topic_filings"
    )
    ch.client.command("TRUNCATE TABLE topic_filings")
    ch.write_row("veille_meta", {"key": "schema", "value": "2"})
    reopened = ClickHouseStore(ch.client, ch.where)
    assert _topic_figures(reopened, "topic") == before
    tables = reopened.rows("SELECT name FROM system.tables WHERE database = currentDatabase()")
    assert ["post_topics"] not in tables


def test_filings_of_a_store_made_before_their_two_part_versions_are_rebuilt_on_open(
    stores: tuple[Any, SQLiteStore],
) -> None:
    from veille.store.clickhouse.schema import COPY_COLUMNS, TOPIC_FILINGS
    from veille.store.clickhouse.store import ClickHouseStore

    ch, _lite = stores
    before = _agreed_topic_figures(stores, "saved topic")
    # As schema 5 left them: one UInt64 version (the filing's, or its copy's);
    # one row per filing first, so that taking the tick alone keeps each.
    ch.client.command("OPTIMIZE TABLE topic_filings FINAL")
    columns = ", ".join(("topic_id", "published_at", "post_id", "filed", *COPY_COLUMNS))
    ch.client.command(
        TOPIC_FILINGS.replace("IF NOT EXISTS topic_filings ", "old_filings ", 1).replace(
            "version UInt128", "version UInt64", 1
        )
    )
    ch.client.command(
        f"INSERT INTO old_filings ({columns}, version) SELECT {columns}, "
        "toUInt64(bitShiftRight(version, 64)) FROM topic_filings"
    )
    ch.client.command("EXCHANGE TABLES topic_filings AND old_filings")
    ch.client.command("DROP TABLE old_filings")
    ch.write_row("veille_meta", {"key": "schema", "value": "5"})
    reopened = ClickHouseStore(ch.client, ch.where)
    assert _topic_figures(reopened, "saved topic") == before
    kind = reopened.rows(
        "SELECT type FROM system.columns WHERE database = currentDatabase() "
        "AND table = 'topic_filings' AND name = 'version'"
    )
    assert kind == [["UInt128"]]


def test_a_filings_copy_keeps_the_newest_post_version_whichever_lands_last(
    stores: tuple[Any, SQLiteStore],
) -> None:
    # Two updates of one filed post whose copies land in the opposite order
    # of their versions (two writers, or two threads of one): the newer
    # one's copy stays, and the topic counts its engagement.
    from veille.store.clickhouse.rows import derived, encode_copy, post_row

    ch, _lite = stores
    at = T0 + timedelta(days=200)
    post = make_post("order", "lumio", platform="ordered", likes=1, published_at=at)
    ch.upsert_posts([post])
    ch.file_posts([(post.id, 8)])
    ch.upsert_posts([make_post("order", "lumio", platform="ordered", likes=5, published_at=at)])
    topic = Scope().within_topic(8)
    assert ch.post_totals(topic)[0][-2] == 5
    newest = int(
        ch.rows("SELECT max(version) FROM posts WHERE id = {i:String}", {"i": post.id})[0][0]
    )
    row = post_row(make_post("order", "lumio", platform="ordered", likes=3, published_at=at))
    row["seq"] = 0
    older = encode_copy(derived(row))
    with ch.filing_lock:
        ch._copy_to_filings({post.id: (int(at.timestamp()), newest - 1, older)})
    assert ch.post_totals(topic)[0][-2] == 5


def test_the_day_rollups_forget_an_erased_person(stores: tuple[Any, SQLiteStore]) -> None:
    ch, lite = stores
    period = Period(T0, T0 + timedelta(days=30))
    bounded = Scope().during(period)

    def figures(store: Any) -> tuple[Any, ...]:
        return (
            store.top_authors(Scope(), period, limit=5),
            store.author_count(Scope(), period),
            store.top_entities(bounded, "hashtags", 5),
            store.top_entities(bounded, "domains", 5),
            [(*r[:5], r[5].id) for r in store.top_clusters(bounded, limit=5)],
        )

    for store in (ch, lite):
        store.erase_author_posts("alice", "mastodon")
        store.erase_author_posts("Bob", None)
    assert figures(ch) == figures(lite)
    assert ("mastodon", "alice") not in {(r[0], r[1]) for r in figures(ch)[0]}


def test_newest_first_reads_windows_and_slices_as_sqlite_reads_everything(
    stores: tuple[Any, SQLiteStore],
) -> None:
    # Posts of their own platform in the module's store, last: a few in the
    # last day, more over the days and months before, so a page is filled
    # from one window or from several slices; some updated before a merge so
    # that an old version matches and the last does not, or the other way.
    ch, _lite = stores
    lite = SQLiteStore.open(":memory:")
    end = datetime(2028, 6, 1, tzinfo=UTC)
    hours = [2, 9, 20, *range(30, 100, 7), *range(100, 1000, 31), *range(1000, 9000, 97)]
    posts = [
        make_post(str(i), f"windowed {WORDS[i % len(WORDS)]}", platform="slices",
                  published_at=end - timedelta(hours=h, minutes=i))
        for i, h in enumerate(hours)
    ]  # fmt: skip
    changed = [
        make_post(str(i), "elsewhere", platform="slices", published_at=posts[i].published_at)
        for i in (1, 5, 17)
    ] + [make_post("0", "windowed again", platform="slices", published_at=posts[0].published_at)]
    ch.client.command("SYSTEM STOP MERGES posts")
    try:
        for store in (ch, lite):
            store.upsert_posts(posts)
            store.upsert_posts(changed)
        query = "windowed platform:slices"
        expected = [p.id for p in lite.search(query, limit=1000)]
        assert "slices:1" not in expected and "slices:0" in expected
        # Any newest time the windows count back from gives the same page:
        # the store's, one long before it, one after it; so does any rate
        # (slices read whole, or ids then rows).
        for newest in (None, end - timedelta(days=300), end + timedelta(days=3)):
            for rate in (1e-6, 1e6):
                if newest is not None:
                    ch._newest_seen = (time.monotonic(), int(newest.timestamp()), rate)
                for limit in (1, 2, 3, 7, 20, 50, 1000):
                    found = _ids(ch.search(query, limit=limit))
                    assert found == expected[:limit], (newest, rate, limit)
    finally:
        ch.client.command("SYSTEM START MERGES posts")
        ch._newest_seen = None
        lite.close()


@pytest.fixture
def two_writers(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, Any]]:
    """Two writers on one ClickHouse server, as collectors on two machines
    (two stores on its HTTP interface), the second's clock a minute behind
    the first's."""
    from veille.store.registry import open_store

    url = clickhouse_posts_url("clickhouse", tmp_path, request)
    ahead = open_store(url, role="posts", root=tmp_path)
    behind = open_store(url, role="posts", root=tmp_path)
    clock = behind.ticks

    def minute_behind(n: int) -> range:
        got = clock(n)
        return range(got.start - 60 * 10**9, got.stop - 60 * 10**9)

    monkeypatch.setattr(behind, "ticks", minute_behind)
    yield ahead, behind
    ahead.close()
    behind.close()


def test_an_update_from_a_writer_whose_clock_runs_behind_is_kept(
    two_writers: tuple[Any, Any],
) -> None:
    # The second writer's updates must still replace what the first wrote.
    ahead, behind = two_writers
    post = make_post("late", "lumio clock", likes=1)
    ahead.upsert_posts([post])
    seen = behind.upsert_posts([make_post("late", "lumio clock", likes=9)])
    assert seen.updated == [post.id]
    behind.set_sentiment(post.id, Sentiment("negative", -0.8, source="user"))
    for store in (ahead, behind):
        got = store.get_post(post.id)
        assert got is not None
        assert got.engagement.likes == 9
        assert got.sentiment is not None and got.sentiment.label == "negative"
        # Read through FINAL (a search) and from the rollups alike.
        (found,) = store.search("lumio clock")
        assert found.engagement.likes == 9
        assert store.post_totals(Scope())[0][-2] == 9


def test_a_topic_filing_carries_an_update_another_writer_made_around_it(
    two_writers: tuple[Any, Any],
) -> None:
    # A topic's aggregations read the copies its filings carry: each must
    # end with the post's last version, whichever writer filed or updated
    # it, and in whichever order their writes landed.
    ahead, behind = two_writers
    topic = Scope().within_topic(7)

    def topic_engagement() -> list[int]:
        return [int(s.post_totals(topic)[0][-2]) for s in (ahead, behind)]

    # Updated by the other writer between ingest's write and its filing:
    # the update found no filing to copy into.
    early = make_post("early", "lumio", likes=1)
    ahead.upsert_posts([early])
    behind.upsert_posts([make_post("early", "lumio", likes=9)])
    ahead.file_posts([(early.id, 7)])
    assert topic_engagement() == [9, 9]
    # Filed first, then updated by the writer whose clock runs behind: its
    # version is below the filing's, and its copy must still replace it.
    late = make_post("late", "lumio", likes=2, published_at=early.published_at)
    ahead.upsert_posts([late])
    ahead.file_posts([(late.id, 7)])
    behind.upsert_posts([make_post("late", "lumio", likes=20, published_at=early.published_at)])
    assert topic_engagement() == [29, 29]


def test_a_topic_backlog_carries_an_update_another_writer_made_while_it_read(
    two_writers: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The backlog of a topic reads the posts and files them with their copies
    # in one INSERT ... SELECT; another writer's update that lands meanwhile
    # finds no filing to copy into yet. Made to happen here: the update is
    # written right after the backlog's insert, its copy step finding nothing.
    ahead, behind = two_writers
    at = T0 + timedelta(days=300)
    post = make_post("backlog", "lumio backlog", platform="late", likes=1, published_at=at)
    ahead.upsert_posts([post])
    monkeypatch.setattr(behind, "_copy_to_filings", lambda updated: None)
    command = ahead.client.command

    def backlog_then_update(sql: str, params: Any = None) -> None:
        command(sql, params)
        if sql.startswith("INSERT INTO topic_filings") and "NOT IN" in sql:
            behind.upsert_posts(
                [make_post("backlog", "lumio backlog", platform="late", likes=9, published_at=at)]
            )

    monkeypatch.setattr(ahead.client, "command", backlog_then_update)
    ahead.file_topic_backlog(9, 1, Scope(queries=(compile_query("backlog").ast,)))
    topic = Scope().within_topic(9)
    assert [int(s.post_totals(topic)[0][-2]) for s in (ahead, behind)] == [9, 9]


@pytest.mark.parametrize("kind", ["chdb", "clickhouse"])
def test_a_kept_count_is_counted_again_after_any_write(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A count is kept until the posts change: an insert, a new version, an
    erasure or a retention purge each gives the right number at once."""
    ch = open_clickhouse(kind, tmp_path, request)
    try:
        lumio = compile_query("lumio").ast

        def post(i: int, handle: str = "ana", day: int = 0) -> Post:
            return make_post(f"k{i}", f"lumio {i}", author=Author(handle),
                             published_at=T0 + timedelta(days=day, hours=i))  # fmt: skip

        ch.upsert_posts([post(1), post(2, "bob"), post(3, day=-40)])
        counted: list[str] = []
        rows = ch.rows

        def watched(sql: str, params: Any = None) -> Any:
            counted.extend([sql] if sql.startswith("SELECT count() FROM posts") else [])
            return rows(sql, params)

        ch.rows = watched  # the real store, its count queries seen
        assert ch.count_matches(lumio) == ch.count_matches(lumio) == 3
        assert len(counted) == 1  # the second was kept
        ch.upsert_posts([post(4)])
        assert ch.count_matches(lumio) == 4
        ch.upsert_posts([replace(post(4), engagement=Engagement(likes=9))])  # a new version
        assert ch.count_matches(lumio) == 4
        ch.erase_author_posts("bob", None)
        assert ch.count_matches(lumio) == 3
        ch.delete_posts_before(T0 - timedelta(days=30))
        assert ch.count_matches(lumio) == 2
    finally:
        ch.close()
