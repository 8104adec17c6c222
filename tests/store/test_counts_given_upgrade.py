"""Posts stored before veille recorded whether their platform gave counts
(SQLite migration 0410, ClickHouse schema 12) get it from their raw
payloads: a Mastodon status with 0 favourites, or an imported row with
``likes`` 0, gave counts (they read 0); a feed entry, or an imported row
without the columns, did not (unknown). The rollups count them too, so the
whole workspace (read from the rollups) says what a scan says."""

from __future__ import annotations

from collections.abc import Iterator
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
    """Posts as an older veille stored them: counts 0 where none was given."""

    def post(pid: str, platform: str, raw: dict[str, Any], likes: int = 0) -> Post:
        return make_post(
            pid, f"Lumio {pid}", platform=platform, published_at=AT, author=Author("a"),
            engagement=Engagement(likes=likes), raw=raw,
        )  # fmt: skip

    return [
        post("m0", "mastodon", {"id": "m0", "favourites_count": 0, "reblogs_count": 0}),
        post("m1", "mastodon", {"id": "m1", "favourites_count": 3}, likes=3),
        post("f0", "rss", {"title": "Lumio", "link": "https://blog.example/1"}),
        post("i0", "bluesky", {"platform": "bluesky", "text": "Lumio", "likes": "0"}),
        post("i1", "x", {"platform": "x", "text": "Lumio"}),
    ]


EXPECTED = {"mastodon": 3, "rss": None, "bluesky": 0, "x": None}
GIVEN = {"mastodon:m0": True, "mastodon:m1": True, "rss:f0": False, "bluesky:i0": True,
         "x:i1": False}  # fmt: skip


def _check(store: Any) -> None:
    got = {s.key: s.engagement for s in breakdown(store, Scope(), PERIOD, "platform")}
    assert got == EXPECTED  # from the rollup (the period is on quarter-hours)
    scan = {s.key: s.engagement for s in breakdown(store, Scope(scan=True), PERIOD, "platform")}
    assert scan == EXPECTED
    posts = store.get_posts(list(GIVEN))
    assert {p.id: p.engagement.given for p in posts} == GIVEN
    # A later sighting that gives the feed entry a count moves the rollups with it.
    again = store.upsert_posts([make_post("f0", "Lumio f0", platform="rss", published_at=AT,
                                          author=Author("a"), likes=0)])  # fmt: skip
    assert again.updated == ["rss:f0"]
    got = {s.key: s.engagement for s in breakdown(store, Scope(), PERIOD, "platform")}
    assert got == {**EXPECTED, "rss": 0}


def test_sqlite_0410_reads_the_payloads_of_posts_stored_before(tmp_path: Path) -> None:
    from veille.store.sqlite import SQLiteStore
    from veille.store.sqlite.rows import POST_COLUMNS, fts_row, key_floor, post_to_row

    path = tmp_path / "old.db"
    conn = sqlite_before(path, 410)
    columns = POST_COLUMNS[:-1]  # as 0360 left posts: no counts_given
    assert "counts_given" not in {r[1] for r in conn.execute("PRAGMA table_info(posts)")}
    for i, post in enumerate(_stored()):
        pk = key_floor(int(AT.timestamp())) + i
        row = post_to_row(post, pk)[: len(columns)]
        conn.execute(
            f"INSERT INTO posts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            row,
        )
        conn.execute("INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)",
                     fts_row(pk, post.title, post.text))  # fmt: skip
    conn.close()

    store = SQLiteStore.open(path)
    try:
        _check(store)
    finally:
        store.close()


@pytest.fixture
def chdb_store(tmp_path: Path) -> Iterator[Any]:
    pytest.importorskip("chdb")
    from veille.store.clickhouse.backend import ChdbBackend

    ch = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    yield ch
    ch.close()


def test_clickhouse_schema_13_reads_the_payloads_of_posts_stored_before(chdb_store: Any) -> None:
    from veille.store.clickhouse.store import ClickHouseStore

    store = chdb_store
    store.upsert_posts(_stored())
    _as_schema_11(store)

    reopened = ClickHouseStore(store.client, store.where)
    _check(reopened)
    schema = reopened.rows("SELECT value FROM veille_meta FINAL WHERE key = 'schema'")
    assert schema == [[str(SCHEMA_VERSION)]]
    # Opened again: nothing counted twice.
    _check_once = {
        s.key: s.engagement
        for s in breakdown(ClickHouseStore(store.client, store.where), Scope(), PERIOD, "platform")
    }
    assert _check_once == {**EXPECTED, "rss": 0}


def _as_schema_11(store: Any) -> None:
    """Make a chDB store what schema 11 left: posts and filings without
    counts_given, a rollup without ``counted`` (nor schema 13's ``followed``)
    and its view without either."""
    from veille.store.clickhouse.schema import POST_ROLLUP_VIEW

    store.client.command("DROP VIEW post_rollup_view")
    store.client.command("ALTER TABLE post_rollup DROP COLUMN counted, DROP COLUMN followed")
    old_view = (
        POST_ROLLUP_VIEW.replace(", tupleElement(d, 7) AS followed", "")
        .replace(",\n                toInt64(isNotNull(author_followers))", "")
        .replace(", -prev_followed", "")
        .replace(",\n       tupleElement(d, 6) AS counted", "")
        .replace(", toInt64(counts_given != 0)", "")
        .replace(", -prev_counted", "")
    )
    assert "counted" not in old_view and "counts_given" not in old_view
    assert "followed" not in old_view
    store.client.command(old_view)
    store.client.command(
        "ALTER TABLE posts DROP COLUMN counts_given, DROP COLUMN prev_counted, "
        "DROP COLUMN prev_followed"
    )
    store.client.command("ALTER TABLE topic_filings DROP COLUMN counts_given")
    store.write_row("veille_meta", {"key": "schema", "value": "11"})


def test_the_payload_rule() -> None:
    from veille.sources.counts import gave_counts

    assert gave_counts({"favourites_count": 0})
    assert gave_counts({"kind": "t3", "data": {"ups": 0, "num_comments": 0}})  # Reddit
    assert gave_counts({"likes": 0}) and gave_counts({"likes": "0"})
    assert not gave_counts({"likes": ""}) and not gave_counts({"likes": None})
    assert not gave_counts({"title": "a feed entry", "link": "https://x.example/"})
    assert not gave_counts({}) and not gave_counts(None) and not gave_counts("text")


def test_store_migrate_carries_whether_counts_were_given(tmp_path: Path) -> None:
    """``veille store migrate`` SQLite -> chDB -> SQLite: a feed's post stays
    unknown and a post that gave 0 stays 0 on each side."""
    pytest.importorskip("chdb")
    from veille.services.migrate import migrate_workspace
    from veille.workspace import Workspace, init_workspace

    posts = [
        make_post("f0", "Lumio", platform="rss", published_at=AT,
                  engagement=Engagement(given=False)),
        make_post("q0", "Lumio", platform="bluesky", published_at=AT, likes=0),
        make_post("m0", "Lumio", platform="mastodon", published_at=AT, likes=4),
    ]  # fmt: skip
    want = {"rss": None, "bluesky": 0, "mastodon": 4}
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(posts)
        url = f"chdb:///{tmp_path / 'posts.chdb'}"
        assert migrate_workspace(ws, posts_url=url, state_url=None).ok
    (root / "veille.toml").write_text(
        f'[store]\nposts = "{url}"\nstate = "sqlite:///veille.db"\n', encoding="utf-8"
    )
    with Workspace.open(root) as moved:
        got = {s.key: s.engagement for s in breakdown(moved.store, Scope(), PERIOD, "platform")}
        assert got == want
        back = f"sqlite:///{tmp_path / 'back.db'}"
        assert migrate_workspace(moved, posts_url=back, state_url=None).ok
    (root / "veille.toml").write_text(
        f'[store]\nposts = "{back}"\nstate = "sqlite:///veille.db"\n', encoding="utf-8"
    )
    with Workspace.open(root) as again:
        got = {s.key: s.engagement for s in breakdown(again.store, Scope(), PERIOD, "platform")}
        assert got == want


def test_sqlite_0410_keeps_the_engagement_of_posts_a_retention_purge_removed(
    tmp_path: Path,
) -> None:
    """A retention purge keeps the rollups of the posts it removes, so the
    charts of a period before the cutoff still show its figures. Those
    posts are not there for 0410 to read: their engagement must not turn
    into 'unknown' when veille is upgraded (it read 6 before)."""
    from veille.store.sqlite import SQLiteStore
    from veille.store.sqlite.rows import POST_COLUMNS, fts_row, key_floor, post_to_row

    path = tmp_path / "old.db"
    conn = sqlite_before(path, 410)
    columns = POST_COLUMNS[:-1]
    old = [
        make_post(f"m{i}", f"Lumio {i}", platform="mastodon", published_at=AT,
                  author=Author("a"), engagement=Engagement(likes=likes), raw={"id": f"m{i}"})
        for i, likes in enumerate((2, 4, 0))
    ]  # fmt: skip
    for i, post in enumerate(old):
        pk = key_floor(int(AT.timestamp())) + i
        conn.execute(
            f"INSERT INTO posts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            post_to_row(post, pk)[: len(columns)],
        )
        conn.execute("INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)",
                     fts_row(pk, post.title, post.text))  # fmt: skip
    # The retention purge of an older veille: the posts go, their rollups stay.
    conn.execute("INSERT INTO privacy_purge (id) VALUES (1)")
    conn.execute("DELETE FROM posts")
    conn.execute("DELETE FROM privacy_purge")
    conn.close()

    store = SQLiteStore.open(path)
    try:
        got = {
            s.key: (s.posts, s.engagement) for s in breakdown(store, Scope(), PERIOD, "platform")
        }
        assert got == {"mastodon": (3, 6)}
    finally:
        store.close()


def test_clickhouse_schema_12_keeps_the_engagement_of_posts_a_retention_purge_removed(
    chdb_store: Any,
) -> None:
    """As on SQLite: the rollup of posts a retention purge removed keeps
    its engagement through the upgrade (it read 6 before), and a second
    opening counts nothing twice."""
    from veille.store.clickhouse.store import ClickHouseStore

    store = chdb_store
    store.upsert_posts([
        make_post(f"m{i}", f"Lumio {i}", platform="mastodon", published_at=AT,
                  author=Author("a"), engagement=Engagement(likes=likes), raw={"id": f"m{i}"})
        for i, likes in enumerate((2, 4, 0))
    ])  # fmt: skip
    store.delete_posts_before(datetime(2026, 3, 3, tzinfo=UTC))  # a retention purge
    _as_schema_11(store)

    for _ in range(2):
        reopened = ClickHouseStore(store.client, store.where)
        got = {
            s.key: (s.posts, s.engagement) for s in breakdown(reopened, Scope(), PERIOD, "platform")
        }
        assert got == {"mastodon": (3, 6)}
