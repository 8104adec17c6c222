"""Posts are keyed by time: a window of time is a range of keys, in the posts
table and in its full-text index alike."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import make_post, old_database
from veille.errors import StoreError
from veille.store.sqlite import SQLiteStore
from veille.store.sqlite.rows import SEQ_BITS, key_floor

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _keys(store: SQLiteStore) -> dict[str, int]:
    return dict(store.conn.execute("SELECT id, pk FROM posts"))


def _fts_rows(store: SQLiteStore) -> list[int]:
    return [r[0] for r in store.conn.execute("SELECT rowid FROM posts_fts_docsize ORDER BY 1")]


def test_keys_follow_time_and_arrival_order_within_a_second() -> None:
    store = SQLiteStore.open(":memory:")
    rng = random.Random(5)
    when = [T0 + timedelta(seconds=rng.choice([0, 1, 7, 3600, 86400 * 3])) for _ in range(40)]
    posts = [make_post(str(i), f"lumio {i}", published_at=w) for i, w in enumerate(when)]
    store.upsert_posts(posts[:25])
    store.upsert_posts(posts[25:])  # a later transaction continues each second
    keys = _keys(store)
    for p in posts:
        assert keys[p.id] >> SEQ_BITS == int(p.published_at.timestamp())
    for second in set(when):
        same = [p.id for p in posts if p.published_at == second]
        assert [keys[i] for i in same] == sorted(keys[i] for i in same)  # arrival order
    # A window is a key range, and the full-text index has the same keys.
    a, b = int((T0 + timedelta(seconds=1)).timestamp()), int((T0 + timedelta(hours=1)).timestamp())
    in_range = {
        r[0]
        for r in store.conn.execute(
            "SELECT id FROM posts WHERE pk >= ? AND pk < ?", (key_floor(a), key_floor(b))
        )
    }
    assert in_range == {p.id for p in posts if a <= p.published_at.timestamp() < b}
    assert _fts_rows(store) == sorted(keys.values())
    store.close()


def test_a_date_veille_cannot_key_is_refused_and_nothing_is_stored() -> None:
    store = SQLiteStore.open(":memory:")
    far = datetime(1, 1, 2, tzinfo=UTC)  # the earliest date a post can have
    ok = make_post("1", "kept")
    store.upsert_posts([ok])
    # Year 1 is about 2**36 seconds before 1970: still a key.
    store.upsert_posts([make_post("2", "old", published_at=far)])
    assert store.get_post("mastodon:2") is not None
    import veille.store.sqlite.store as module

    with pytest.raises(StoreError, match="cannot store") as info:
        saved = module.TIME_LIMIT
        module.TIME_LIMIT = 10  # the limit, made small enough to reach
        try:
            store.upsert_posts([make_post("3", "x"), make_post("4", "y")])
        finally:
            module.TIME_LIMIT = saved
    assert info.value.hint and "date" in info.value.hint
    assert store.get_post("mastodon:3") is None and store.count_posts() == 2
    store.close()


def test_old_databases_are_rekeyed_with_their_topics_and_index(tmp_path: Path) -> None:
    from veille.analytics.scope import Period
    from veille.analytics.topics import topic_scope
    from veille.analytics.volume import volume
    from veille.query.topics import add_topic

    rng = random.Random(9)
    posts = [
        make_post(
            str(i),
            rng.choice(["Lumio panne", "Vexa offre", "lumio fibre"]),
            published_at=T0
            + timedelta(hours=rng.randrange(24 * 20), seconds=rng.choice([0, 0, 5])),
            likes=i,
        )
        for i in range(120)
    ]  # stored in arrival order: keys are not in time order
    path = tmp_path / "old.db"
    old_database(path, 50, posts)
    # The old version had filed the posts under a topic.
    store = SQLiteStore.open(path)
    keys = _keys(store)
    assert all(k >> SEQ_BITS == int(p.published_at.timestamp()) for p, k in zip(
        posts, (keys[p.id] for p in posts), strict=True
    ))  # fmt: skip
    assert _fts_rows(store) == sorted(keys.values())
    found = {p.id for p in store.search("lumio", limit=1000)}
    assert found == {p.id for p in posts if "lumio" in p.text.lower()}
    add_topic(store, "brand", "lumio")
    period = Period(T0, T0 + timedelta(days=21))
    before = volume(store, topic_scope(store, "brand"), period)
    filed = store.conn.execute("SELECT count(*) FROM post_topics").fetchone()[0]
    store.close()
    # Re-keying a database whose topics are filed keeps them filed.
    path2 = tmp_path / "old2.db"
    old_database(path2, 50, posts)
    import sqlite3

    conn = sqlite3.connect(path2, isolation_level=None)
    conn.execute("INSERT INTO topics (id, name, created_at) VALUES (1, 'brand', 0)")
    conn.execute(
        "INSERT INTO topic_versions (topic_id, version, query, created_at) "
        "VALUES (1, 1, 'lumio', 0)"
    )
    conn.execute(
        "INSERT INTO post_topics (post_pk, topic_id) SELECT rowid, 1 FROM posts_fts "
        "WHERE posts_fts MATCH 'lumio'"
    )
    conn.execute("INSERT INTO topic_sync (topic_id, version) VALUES (1, 1)")
    conn.close()
    store = SQLiteStore.open(path2)
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert store.conn.execute("SELECT count(*) FROM post_topics").fetchone()[0] == filed
    assert volume(store, topic_scope(store, "brand"), period) == before
    store.close()


def test_deleted_posts_leave_the_index_at_the_next_write() -> None:
    store = SQLiteStore.open(":memory:")
    posts = [make_post(str(i), "lumio", published_at=T0) for i in range(3)]
    store.upsert_posts(posts)
    with store.transaction() as tx:
        tx.execute("DELETE FROM posts WHERE id = 'mastodon:2'")
    assert len(_fts_rows(store)) == 2
    # Deleted outside a store transaction: pending until the next write, and
    # the key it freed is given again without clashing in the index.
    store.conn.execute("DELETE FROM posts WHERE id = 'mastodon:1'")
    assert store.conn.execute("SELECT count(*) FROM posts_fts_pending").fetchone()[0] == 1
    store.upsert_posts([replace(make_post("9", "lumio again"), published_at=T0)])
    assert _fts_rows(store) == sorted(_keys(store).values())
    assert {p.id for p in store.search("lumio", limit=10)} == {"mastodon:0", "mastodon:9"}
    store.close()
