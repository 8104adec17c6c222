"""ClickHouse stores opened at a chDB folder of their own: a saved topic's
copies through updates, and stores made by an earlier schema upgraded on
open, each checked against SQLite.

They live apart from ``test_clickhouse.py``: chDB opens one folder per
process, and that module keeps its store open for all its tests, so a test
of its own folder there fails whenever it runs between two of them in the
same process. Pytest closes a module's fixtures before the next module's
tests run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post
from tests.store.test_clickhouse import PERIOD, T0, _assert_agree, _corpus
from veille.analytics.scope import Period, Scope
from veille.models import Author, Engagement, Sentiment
from veille.query import compile_query
from veille.store.sqlite import SQLiteStore

pytest.importorskip("chdb")

PERIOD_ALL = Period(datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def test_a_saved_topic_reads_copies_that_follow_its_posts(tmp_path: Path) -> None:
    """A saved topic's aggregations read the copies of its posts its filings
    carry (schema 5): each update of a filed post (counts, followers,
    hashtags, a sentiment set, a story) writes new copies, a post taken out
    of the topic is left out, and every answer stays SQLite's, with merges
    held back (every copy and version stays stored)."""
    from veille.store.clickhouse.backend import ChdbBackend

    posts = _corpus()
    ch = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    lite = SQLiteStore.open(":memory:")
    for table in ("posts", "topic_filings"):
        ch.client.command(f"SYSTEM STOP MERGES {table}")
    try:
        ingested = [(p.id, 4) for p in posts[:80] if "lumio" in p.text.lower()]
        ch.upsert_posts(posts[:80])
        ch.file_posts(ingested)  # the copies this process just wrote
        ch.upsert_posts(posts)
        # Filed by another process: the copies read from ``posts``.
        later = [(p.id, 4) for p in posts[80:] if "fibre" in p.text.lower()]
        ch.just_written.clear()
        ch.file_posts(later)
        lite.upsert_posts(posts)
        with lite.transaction() as tx:
            tx.file_posts(ingested + later)
        lumio = Scope(queries=(compile_query("lumio OR fibre").ast,))
        for store in (ch, lite):
            store.file_topic_backlog(4, 1, lumio)
        saved = Scope().within_topic(4).during(PERIOD)
        _assert_agree(ch, lite, saved)
        # Seen again: more likes, fewer followers, other hashtags; a
        # sentiment and stories set after.
        again = [
            replace(
                p,
                engagement=Engagement(likes=p.engagement.likes + 40 * i, shares=1),
                author=replace(p.author, followers=3 + i),
                hashtags=("Renouvelé",) if i % 2 else p.hashtags,
            )
            for i, p in enumerate(posts[::3])
        ]
        moves = [(p.id, f"s{i % 2}") for i, p in enumerate(posts[1::4])]
        for store in (ch, lite):
            store.upsert_posts(again)
        ch.set_clusters(moves)
        with lite.transaction() as tx:
            tx.set_clusters(moves)
        for store in (ch, lite):
            store.set_sentiment(posts[4].id, Sentiment("negative", -0.9, 1.0, "user"))
        _assert_agree(ch, lite, saved)
        # The topic narrowed: its posts without "panne" are taken out.
        narrower = Scope(queries=(compile_query("(lumio OR fibre) panne").ast,))
        for store in (ch, lite):
            store.file_topic_backlog(4, 2, narrower)
        _assert_agree(ch, lite, saved)
        copies = ch.rows("SELECT count() FROM topic_filings WHERE filed = 1")[0][0]
        assert copies > ch.rows("SELECT count() FROM topic_filings FINAL WHERE filed = 1")[0][0]
    finally:
        ch.close()
        lite.close()


def test_a_store_made_before_the_filings_carried_copies_fills_them_on_open(
    tmp_path: Path,
) -> None:
    """Schema 4's filings named posts only: opened, they get the columns
    and the copies of the posts filed, and a saved topic reads as before."""
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.clickhouse.schema import COPY_COLUMNS
    from veille.store.clickhouse.store import ClickHouseStore

    posts = _corpus()
    ch = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    lite = SQLiteStore.open(":memory:")
    try:
        lumio = Scope(queries=(compile_query("lumio OR fibre").ast,))
        for store in (ch, lite):
            store.upsert_posts(posts)
            store.file_topic_backlog(4, 1, lumio)
        saved = Scope().within_topic(4).during(PERIOD)
        _assert_agree(ch, lite, saved)
        ch.client.command(
            "ALTER TABLE topic_filings "
            + ", ".join(f"DROP COLUMN {c}" for c in ("id", *COPY_COLUMNS))
        )
        ch.write_row("veille_meta", {"key": "schema", "value": "4"})
        reopened = ClickHouseStore(ch.client, ch.where)
        _assert_agree(reopened, lite, saved)
    finally:
        ch.close()
        lite.close()


def test_a_store_made_before_the_post_keys_fills_them_on_open(tmp_path: Path) -> None:
    """Schema 3 had no ``post_keys`` (ingest looked stored posts up in
    ``posts``): opened, the table is filled from the stored posts, so a post
    seen again, by id or by canonical URL, is an update, not a new post."""
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.clickhouse.store import ClickHouseStore

    posts = _corpus()[:40]
    posts[0] = make_post("u1", "lumio", published_at=T0, url="https://news.example/a?utm_source=x")
    ch = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    try:
        ch.upsert_posts(posts)
        ch.client.command("DROP VIEW post_keys_view")
        ch.client.command("DROP TABLE post_keys")
        ch.write_row("veille_meta", {"key": "schema", "value": "3"})
        reopened = ClickHouseStore(ch.client, ch.where)
        assert reopened.rows("SELECT sum(posts) FROM post_keys") == [[41]]  # 40 ids, 1 URL
        post = posts[0]
        assert post.canonical_url == "https://news.example/a"
        again = replace(post, engagement=Engagement(likes=post.engagement.likes + 1))
        result = reopened.upsert_posts([again])
        assert result.updated == [post.id] and result.new == []
        moved = replace(post, id=post.id + "-b", native_id=post.native_id + "-b")
        assert reopened.upsert_posts([moved]).merged == {moved.id: post.id}
        assert reopened.count_posts() == 40
    finally:
        ch.close()


def _parts(ch: Any) -> dict[str, list[int]]:
    """Each month of ``posts``: the levels of its active parts."""
    rows = ch.rows(
        "SELECT partition_id, groupArray(level) FROM system.parts WHERE active "
        "AND table = 'posts' AND database = currentDatabase() GROUP BY partition_id"
    )
    return {month: sorted(levels) for month, levels in rows}


def test_settled_months_are_merged_into_one_part_and_read_the_same(tmp_path: Path) -> None:
    """A month that ended a week ago or more, in several parts, becomes one
    merged part holding the last version of each post; a month still
    written to only while it is small; every read answers as before (and as
    SQLite); a second run has nothing to do."""
    from veille.store.clickhouse.backend import ChdbBackend

    ch = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    lite = SQLiteStore.open(":memory:")
    # Background merges leave the parts alone (OPTIMIZE does not ask them).
    ch.client.command("ALTER TABLE posts MODIFY SETTING min_parts_to_merge_at_once = 100")
    start = datetime(2026, 1, 5, tzinfo=UTC)
    posts = [
        make_post(
            f"n{i}",
            f"lumio fibre {i}",
            published_at=start + timedelta(days=i * 3),
            author=Author(f"u{i % 7}", followers=10 * i),
        )
        for i in range(30)
    ]  # January to mid-March
    try:
        for store in (ch, lite):
            for k in range(3):  # three inserts, each reaching every month: three parts
                store.upsert_posts(posts[k::3])
            # Seen again with more likes: a second version of some posts.
            store.upsert_posts(
                [replace(p, engagement=Engagement(likes=50 + j)) for j, p in enumerate(posts[::4])]
            )

        def reads(store: Any) -> tuple[Any, ...]:
            scope = Scope().during(PERIOD_ALL)
            return (
                store.count_posts(),
                sorted(store.post_totals(scope, ("platform",))),
                [p.id for p in store.top_posts(scope, limit=5)],
                [(p.id, p.engagement.likes) for p in store.get_posts([p.id for p in posts])],
            )

        before = reads(ch)
        assert before == reads(lite)
        parts = _parts(ch)
        assert all(len(parts[m]) > 1 for m in ("202601", "202602", "202603"))
        now = datetime(2026, 3, 6, tzinfo=UTC)  # February ended 5 days before: not settled
        # Months still written to are large (more than 5 rows): left alone.
        assert ch.compact_months(now, hot_rows=5) == ["202601"]
        after = _parts(ch)
        assert len(after["202601"]) == 1 and after["202601"][0] > max(parts["202601"])
        assert after["202602"] == parts["202602"] and after["202603"] == parts["202603"]
        # One row per post in the merged month: older versions are gone.
        january = ch.rows(
            "SELECT count(), uniqExact(id) FROM posts WHERE _partition_id = '202601'"
        )[0]
        assert january[0] == january[1]
        assert reads(ch) == before
        # Small, they are merged too; then there is nothing left to do.
        assert ch.compact_months(now) == ["202602", "202603"]  # April: one part already
        assert all(len(levels) == 1 for levels in _parts(ch).values())
        assert ch.compact_months(now) == []
        assert reads(ch) == before
    finally:
        ch.close()
        lite.close()
