"""Posts stored before the rollups counted the posts that gave follower
counts (SQLite migration 0520, ClickHouse schema 13): their reach reads from
what each post says (an empty follower count is unknown, a 0 is 0), so the
whole workspace (read from the rollups) says what a scan says, and a later
sighting moves the rollups with it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post, sqlite_before
from veille.analytics.scope import Period, Scope
from veille.analytics.volume import breakdown
from veille.models import Author, Engagement, Post
from veille.store.clickhouse.schema import SCHEMA_VERSION

AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PERIOD = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 8, tzinfo=UTC))


def _stored() -> list[Post]:
    return [
        make_post("f0", "Lumio f0", platform="rss", published_at=AT, author=Author("blog"),
                  engagement=Engagement(given=False)),
        make_post("m0", "Lumio m0", platform="mastodon", published_at=AT,
                  author=Author("nouveau", followers=0), engagement=Engagement(likes=0)),
        make_post("b0", "Lumio b0", platform="bluesky", published_at=AT,
                  author=Author("lumio", followers=40), engagement=Engagement(likes=1)),
    ]  # fmt: skip


EXPECTED = {"rss": None, "mastodon": 0, "bluesky": 40}


def _reach(store: Any, scope: Scope) -> dict[str, Any]:
    return {s.key: s.reach for s in breakdown(store, scope, PERIOD, "platform")}


def _check(store: Any) -> None:
    assert _reach(store, Scope()) == EXPECTED  # the rollups (quarter-hour bounds)
    assert _reach(store, Scope(scan=True)) == EXPECTED
    # The account gains its first followers: the rollups follow.
    store.upsert_posts(
        [make_post("m0", "Lumio m0", platform="mastodon", published_at=AT,
                   author=Author("nouveau", followers=3), engagement=Engagement(likes=0))]
    )  # fmt: skip
    assert _reach(store, Scope()) == {**EXPECTED, "mastodon": 3}
    assert _reach(store, Scope(scan=True)) == {**EXPECTED, "mastodon": 3}


def test_sqlite_0520_counts_the_posts_that_gave_followers(tmp_path: Path) -> None:
    from veille.store.sqlite import SQLiteStore
    from veille.store.sqlite.rows import POST_COLUMNS, fts_row, key_floor, post_to_row

    path = tmp_path / "old.db"
    conn = sqlite_before(path, 520)
    assert "followed" not in {r[1] for r in conn.execute("PRAGMA table_info(post_rollup)")}
    for i, post in enumerate(_stored()):
        pk = key_floor(int(AT.timestamp())) + i
        conn.execute(
            f"INSERT INTO posts ({', '.join(POST_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(POST_COLUMNS))})",
            post_to_row(post, pk),
        )
        conn.execute("INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)",
                     fts_row(pk, post.title, post.text))  # fmt: skip
    conn.close()

    store = SQLiteStore.open(path)
    try:
        _check(store)
    finally:
        store.close()


def test_clickhouse_schema_13_counts_the_posts_that_gave_followers(tmp_path: Path) -> None:
    pytest.importorskip("chdb")
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.clickhouse.schema import POST_ROLLUP_VIEW
    from veille.store.clickhouse.store import ClickHouseStore

    store = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    try:
        store.upsert_posts(_stored())
        # As schema 12 left it: a rollup without ``followed``, its view without it.
        store.client.command("DROP VIEW post_rollup_view")
        store.client.command("ALTER TABLE post_rollup DROP COLUMN followed")
        old_view = (
            POST_ROLLUP_VIEW.replace(", tupleElement(d, 7) AS followed", "")
            .replace(",\n                toInt64(isNotNull(author_followers))", "")
            .replace(", -prev_followed", "")
        )
        assert "followed" not in old_view
        store.client.command(old_view)
        store.client.command("ALTER TABLE posts DROP COLUMN prev_followed")
        store.write_row("veille_meta", {"key": "schema", "value": "12"})

        reopened = ClickHouseStore(store.client, store.where)
        schema = reopened.rows("SELECT value FROM veille_meta FINAL WHERE key = 'schema'")
        assert schema == [[str(SCHEMA_VERSION)]]
        # Opened again: nothing counted twice.
        twice = ClickHouseStore(store.client, store.where)
        assert _reach(twice, Scope()) == EXPECTED
        _check(reopened)
    finally:
        store.close()
