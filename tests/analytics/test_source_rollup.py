"""The dashboard's uneven-sources check (a compared topic's posts per source,
to warn when a source brought one topic's posts and none of another's) is
read from the sources' rollup (migration 0660), whole UTC days, and the
partial days at the edges of a local period from the posts: the answer a
count of the posts gives, without reading each topic's posts of the period
(73 ms of a first view's 127 at 1M posts). The rollup stays equal to a
recount whatever happens to the posts and the filings."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.analytics.conftest import TZ, make_post, world
from veille.analytics.scope import Scope
from veille.analytics.topics import topic_scope
from veille.analytics.volume import uneven_sources
from veille.query.topics import add_topic, edit_topic, remove_topic
from veille.services import analytics
from veille.services.dashboard import overview
from veille.store.sqlite import SQLiteStore
from veille.workspace import Workspace, init_workspace

WEEK = "2026-03-23..2026-03-29"  # Paris: its edges are not UTC midnights
RECOUNT = (
    "SELECT t.topic_id, p.published_at / 86400, p.platform, coalesce(p.source, ''), count(*), "
    "sum(p.likes + p.shares + p.replies) FROM post_topics t JOIN posts p ON p.pk = t.post_pk "
    "GROUP BY 1, 2, 3, 4"
)


def assert_exact(store: SQLiteStore) -> None:
    stored = store.conn.execute("SELECT * FROM source_rollup").fetchall()
    assert sorted(stored) == sorted(store.conn.execute(RECOUNT).fetchall())


def _workspace(tmp_path: Path) -> Path:
    root = init_workspace(tmp_path / "ws")
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[workspace]", f'[workspace]\ntimezone = "{TZ}"', 1))
    posts = [replace(p, source="rss-lumio" if "Lumio" in p.text else "feed") for p in world()]
    extra = [
        # The first hour of the week in Paris is the 22nd in UTC: a partial day.
        make_post("20", "2026-03-23T00:10", text="Lumio au réveil", source="lumio-only"),
        make_post("21", "2026-03-29T23:50", platform="bluesky", text="Vexa tard", source="bsky"),
        make_post("22", "2026-03-27T11:00", text="Lumio encore", likes=7, source="lumio-only"),
        make_post("23", "2026-03-26T11:00", text="Vexa aussi", shares=2, source="bsky"),
        # Outside the week, either side (in Paris).
        make_post("24", "2026-03-22T23:30", text="Lumio avant", source="lumio-only"),
        make_post("25", "2026-03-30T00:20", text="Vexa après", source="bsky"),
    ]
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts([*posts, *extra])
        add_topic(ws.state, "lumio", "lumio")
        add_topic(ws.state, "vexa", "vexa")
    return root


def _scopes(ws: Workspace) -> dict[str, Scope]:
    return {n: topic_scope(ws.store, n) for n in ("lumio", "vexa")}


def test_the_uneven_sources_are_those_a_count_of_the_posts_gives(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    with Workspace.open(root) as ws:
        per = analytics.period(ws, WEEK)
        scopes = _scopes(ws)
        scanned = {n: replace(s, scan=True) for n, s in scopes.items()}
        for n in scopes:
            for part in (per, per.previous()):
                rolled = ws.store.posts_by_source(scopes[n].during(part))
                assert rolled == ws.store.posts_by_source(scanned[n].during(part))
        found = uneven_sources(ws.store, scopes, per)
        assert found == uneven_sources(ws.store, scanned, per)
        # The Lumio-only source brought two of the week's Lumio posts (one at
        # 00:10 on Monday, Sunday in UTC) and none of Vexa's.
        lumio_only = next(u for u in found if u.source == "lumio-only")
        assert (lumio_only.covers, lumio_only.misses, lumio_only.posts) == (
            ("lumio",), ("vexa",), 2,
        )  # fmt: skip
        assert lumio_only.engagement == 7
        card = overview(ws, WEEK)
        assert any("lumio-only" in line for line in card.voice_warnings)


def test_the_uneven_sources_do_not_read_every_post_of_the_period(tmp_path: Path) -> None:
    """Each statement that counts a topic's posts by source reads a partial
    day at an edge of the period, never the whole period: before, one for
    each compared topic read every post of the week."""
    root = _workspace(tmp_path)
    with Workspace.open(root) as ws:
        _scopes(ws)  # their filings made before
        per = analytics.period(ws, WEEK)
        whole = f"p.published_at >= {int(per.since.timestamp())} AND p.published_at < "
        whole += str(int(per.until.timestamp()))
        statements: list[str] = []
        conn = ws.posts.conn  # type: ignore[attr-defined]
        conn.set_trace_callback(statements.append)
        try:
            overview(ws, WEEK)
        finally:
            conn.set_trace_callback(None)
    by_source = [s for s in statements if "FROM posts p" in s and "p.source" in s]
    assert by_source, "the check ran"
    assert [s for s in by_source if whole in s] == []


def test_the_rollup_equals_a_recount_whatever_happens(tmp_path: Path) -> None:
    """Random posts, filed and unfiled, seen again with new counts, moved to
    another day, platform or source, deleted, erased, purged; topics edited
    and removed: after each step the rollup is a fresh count of the filings."""
    from veille.analytics.topics import sync_topic
    from veille.query.topics import get_topic

    rng = random.Random(660)
    store = SQLiteStore.open(tmp_path / "r.db")
    words = ("lumio", "vexa", "orbita")
    sources = ("rss", "api", "scrape", None)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    topics = [add_topic(store, w, w) for w in words]
    add_topic(store, "two", "lumio OR vexa")
    made = 0

    def new_posts(n: int) -> list:
        nonlocal made
        out = []
        for _ in range(n):
            made += 1
            at = start + timedelta(minutes=rng.randrange(60 * 24 * 20))
            out.append(
                make_post(
                    str(made), at.strftime("%Y-%m-%dT%H:%M"),
                    platform=rng.choice(("mastodon", "bluesky")),
                    handle=rng.choice(("alice", "bob", "carol", "erin")),
                    text=" ".join(rng.sample(words, rng.randrange(1, 3))),
                    likes=rng.randrange(5), source=rng.choice(sources),
                )
            )  # fmt: skip
        return out

    def sync() -> None:
        for t in store.topics():
            sync_topic(store, get_topic(store, t.name))

    done: set[int] = set()
    for _ in range(40):
        action = rng.randrange(8)
        keys = [pk for (pk,) in store.conn.execute("SELECT pk FROM posts")]
        if len(keys) < 10:
            action = 0
        done.add(action)
        if action == 0:
            store.upsert_posts(new_posts(rng.randrange(5, 30)))
            sync()
        elif action == 1:  # seen again with new counts
            for p in store.posts_by_key(rng.sample(keys, 5)):
                counts = replace(p.engagement, likes=rng.randrange(50))
                store.upsert_posts([replace(p, engagement=counts)])
        elif action == 2:  # moved: another day, platform or source
            with store.transaction() as tx:
                for pk in rng.sample(keys, 5):
                    tx.execute(
                        "UPDATE posts SET published_at = published_at + ?, source = ?, "
                        "platform = ? WHERE pk = ?",
                        (rng.choice((0, 3600, 86400 * 2)), rng.choice(sources),
                         rng.choice(("mastodon", "bluesky", "reddit")), pk),
                    )  # fmt: skip
        elif action == 3:  # deleted
            with store.transaction() as tx:
                for pk in rng.sample(keys, 3):
                    tx.execute("DELETE FROM posts WHERE pk = ?", (pk,))
        elif action == 4:  # a topic's query edited: filings taken out and added
            t = rng.choice(topics)
            edit_topic(store, t.name, " OR ".join(rng.sample(words, rng.randrange(1, 3))))
            sync()
        elif action == 5:
            # One person's posts (their later ones refused from then on).
            store.erase_author("erin", None, subject="test")
        elif action == 6:
            cutoff = start + timedelta(days=rng.randrange(1, 6), hours=rng.randrange(24))
            store.purge_posts_before(cutoff)
        else:  # unfiled one by one
            with store.transaction() as tx:
                for pk in rng.sample(keys, 3):
                    tx.execute("DELETE FROM post_topics WHERE post_pk = ?", (pk,))
        assert_exact(store)
    assert done == set(range(8)), "every kind of change was made"
    remove_topic(store, "two")
    assert_exact(store)
    assert store.conn.execute("SELECT count(*) FROM source_rollup").fetchone()[0] > 0
    store.close()


def test_a_period_from_before_1970_is_counted_as_the_posts_give_it(tmp_path: Path) -> None:
    """SQLite's integer division files a post of 31 December 1969 under day 0
    (1 January 1970): a period from before 1970 counts the posts themselves."""
    from veille.analytics.scope import Period

    store = SQLiteStore.open(tmp_path / "old.db")
    old = [
        replace(make_post("1", "1969-12-31T12:00", text="lumio"), source="archive"),
        replace(make_post("2", "1970-01-02T12:00", text="lumio"), source="archive"),
    ]
    old = [replace(p, published_at=p.published_at.astimezone(UTC)) for p in old]
    store.upsert_posts(old)
    topic = add_topic(store, "lumio", "lumio")
    scope = topic_scope(store, "lumio")
    assert scope.topic_id == topic.id
    per = Period(datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 5, tzinfo=UTC))
    scanned = replace(scope, scan=True).during(per)
    assert store.posts_by_source(scope.during(per)) == store.posts_by_source(scanned)
    assert store.posts_by_source(scope.during(per)) == {"archive": (1, 0)}
    store.close()
