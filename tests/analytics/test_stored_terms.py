"""Trending terms are extracted once per post, when it is stored, and only
gathered at read time: the first view of ``/trends`` or of a report over a
large workspace extracted every post of the period and its baseline again
(about 12 s at 1M posts). The ranking is the one extraction gives, on
SQLite and on ClickHouse (chDB), for posts stored today, posts stored
before (SQLite migration 0300, ClickHouse schema 10) and posts edited."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post, old_database
from veille.analytics import trends as trends_module
from veille.analytics.scope import Period, Scope, words_scope
from veille.analytics.trends import trending_terms
from veille.models import Post
from veille.sim.generate import SimConfig, generate_posts
from veille.store.sqlite import SQLiteStore

END = datetime(2026, 3, 30, tzinfo=UTC)
WEEK = Period(END - timedelta(days=7), END)
DAYS = Period(END - timedelta(days=3), END)


def _corpus(n: int = 1500) -> list[Post]:
    """The simulator's bilingual posts over five weeks (names, links,
    mentions, accents), some of them copies of one story, some with the
    language a platform gave (a German post among them)."""
    cfg = SimConfig(seed=7, days=35, posts_per_day=n // 35 + 1, spike_posts=0, end=END)
    posts = list(itertools.islice(generate_posts(cfg), n))
    for i in range(0, len(posts), 11):
        posts[i] = replace(posts[i], cluster_id=f"story-{i % 4}")
    posts.append(make_post("de-1", "Es war gut, die Fibre war schnell", lang="de",
                           published_at=END - timedelta(days=1)))  # fmt: skip
    return posts


def _views(store: Any, extract: bool = False) -> list[list[Any]]:
    """The rankings a user reads: a week and three days, every post or
    those holding a word, with and without phrases, whole or sampled
    (``extract``: from the posts' text, as before terms were kept)."""
    out = []
    for scope in (Scope(), words_scope("lumio")):
        for period in (WEEK, DAYS):
            for kw in ({}, {"phrases": False}, {"max_posts": 300}, {"min_stories": 1}):
                ranked = trending_terms(store, scope, period, limit=40, extract=extract, **kw)  # type: ignore[arg-type]
                out.append(ranked)
    return out


def _extracted(store: Any) -> list[list[Any]]:
    return _views(store, extract=True)


@pytest.fixture
def store(empty_posts_store: Any) -> Any:
    return empty_posts_store


def test_trends_gather_the_terms_kept_at_ingest_and_rank_as_extracted(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.upsert_posts(_corpus())
    expected = _extracted(store)
    assert expected[0] and any(" " in t.key for t in expected[0])  # phrases are ranked
    assert any(len(t.forms) > 1 for view in expected for t in view)  # and forms ordered
    with monkeypatch.context() as m:
        m.setattr(trends_module, "extract_terms", _refused)
        assert _views(store) == expected


def _refused(*_args: Any, **_kw: Any) -> dict[str, str]:
    raise AssertionError("a post's terms were extracted at read time")


def test_an_edited_post_is_ranked_by_its_new_words(store: Any) -> None:
    at = END - timedelta(days=1)
    posts = [make_post(str(i), "la fibre est rapide", published_at=at) for i in range(4)]
    store.upsert_posts(posts)
    edited = [make_post(str(i), "panne générale du réseau", published_at=at) for i in range(4)]
    store.upsert_posts(edited)
    # A platform's language given later for the same text: terms in that language.
    store.upsert_posts([make_post("0", "panne générale du réseau", published_at=at, lang="fr")])
    keys = {t.key for t in trending_terms(store, Scope(), WEEK, min_stories=2)}
    assert "panne" in keys and "fibre" not in keys
    assert trending_terms(store, Scope(), WEEK, min_stories=2) == trending_terms(
        store, Scope(), WEEK, min_stories=2, extract=True
    )


def test_posts_stored_before_get_their_terms_when_the_workspace_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "veille.db"
    old_database(path, 300, _corpus(600))
    store = SQLiteStore.open(path)  # migration 0300 runs here
    try:
        kept = store.conn.execute("SELECT count(*) FROM posts WHERE term_keys IS NULL")
        assert kept.fetchone() == (0,)
        expected = _extracted(store)
        with monkeypatch.context() as m:
            m.setattr(trends_module, "extract_terms", _refused)
            assert _views(store) == expected
    finally:
        store.close()


def test_a_row_written_without_terms_has_them_extracted(tmp_path: Path) -> None:
    """A row another program wrote (the columns NULL) still counts."""
    store = SQLiteStore.open(tmp_path / "veille.db")
    try:
        store.upsert_posts(_corpus(300))
        store.conn.execute("UPDATE posts SET term_keys = NULL, term_forms = NULL WHERE pk % 2 = 0")
        assert _views(store) == _extracted(store)
    finally:
        store.close()


def test_an_older_clickhouse_store_gets_the_terms_of_its_posts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("chdb")
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.clickhouse.store import ClickHouseStore

    chdb = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    try:
        chdb.upsert_posts(_corpus(600))
        expected = _extracted(chdb)
        before = chdb.rows("SELECT id, content_hash, likes FROM posts FINAL ORDER BY id")
        none = chdb.rows("SELECT count() FROM posts FINAL WHERE empty(term_keys)")
        stored = chdb.rows("SELECT count() FROM posts")
        # The store as schema 9 left it: no terms kept; a run stopped midway.
        chdb.client.command(
            "ALTER TABLE posts UPDATE term_keys = [], term_forms = [] WHERE 1 "
            "SETTINGS mutations_sync = 2"
        )
        chdb.write_row("veille_meta", {"key": "schema", "value": "9"})
        # A run stopped midway goes on from the last post it did (day, then id).
        order = "ORDER BY intDiv(published_at, 86400), id"
        keys = chdb.rows(f"SELECT intDiv(published_at, 86400), id FROM posts FINAL {order}")
        day, post_id = keys[99]
        chdb.write_row("veille_meta", {"key": "terms_done_upto", "value": f"{day} {post_id}"})
        ClickHouseStore(chdb.client, chdb.where)
        left = chdb.rows(f"SELECT id FROM posts FINAL WHERE empty(term_keys) {order}")
        assert [r[0] for r in left[:100]] == [k[1] for k in keys[:100]]
        # From the start, then.
        chdb.write_row("veille_meta", {"key": "terms_done_upto", "value": f"{-(2**62)} "})
        chdb.write_row("veille_meta", {"key": "schema", "value": "9"})
        reopened = ClickHouseStore(chdb.client, chdb.where)
        assert reopened.rows("SELECT count() FROM posts FINAL WHERE empty(term_keys)") == none
        # Only the two columns written: no new version of any post (writing
        # each again whole took three times the CPU, and left two rows a
        # post until merges).
        assert reopened.rows("SELECT count() FROM posts") == stored
        assert reopened.rows("SELECT id, content_hash, likes FROM posts FINAL ORDER BY id") == (
            before
        )
        with monkeypatch.context() as m:
            m.setattr(trends_module, "extract_terms", _refused)
            assert _views(reopened) == expected
    finally:
        chdb.close()


def test_a_post_seen_again_with_new_counts_keeps_its_terms_unextracted(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Collectors read their posts again all day for the likes: each new
    version of a post kept its terms without extracting them again (on
    ClickHouse it extracted them on every version, the cost of ingest)."""
    posts = _corpus(400)
    store.upsert_posts(posts)
    expected = _extracted(store)
    again = [
        replace(p, engagement=replace(p.engagement, likes=p.engagement.likes + 7)) for p in posts
    ]
    with monkeypatch.context() as m:
        m.setattr(trends_module, "extract_terms", _refused)
        result = store.upsert_posts(again)
        assert len(result.updated) == len(again)  # (a new version of each)
        assert _views(store) == expected
    # Its text edited: its terms are those of its new words.
    store.upsert_posts([replace(p, text="panne générale du réseau") for p in again[:5]])
    assert _views(store) == _extracted(store)


def _stale(store: Any) -> None:
    """Every post's kept terms as an older extraction made them: another
    key for each ('x' added), recorded as version 0."""
    if isinstance(store, SQLiteStore):
        store.conn.execute(
            "UPDATE posts SET term_keys = replace(term_keys, char(10), 'x' || char(10)) || 'x'"
        )
        store.conn.execute("UPDATE kept_terms SET version = '0.old'")
    else:
        store.client.command(
            "ALTER TABLE posts UPDATE term_keys = arrayMap(k -> concat(k, 'x'), term_keys) "
            "WHERE 1 SETTINGS mutations_sync = 2"
        )
        store.write_row("veille_meta", {"key": "terms_version", "value": "0.old"})


def _reopened(store: Any, tmp_path: Path) -> Any:
    if isinstance(store, SQLiteStore):
        return SQLiteStore.open(store.path)
    from veille.store.clickhouse.store import ClickHouseStore

    return ClickHouseStore(store.client, store.where)


def test_terms_kept_by_another_extraction_are_made_again_when_the_store_opens(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A veille whose term extraction changed (its TERMS_VERSION raised, or
    a new simplemma) opened a workspace whose posts kept the old terms:
    trends went on ranking them, and nothing noticed. The store records the
    version that made them; another one makes them all again on opening."""
    store.upsert_posts(_corpus(400))
    expected = _extracted(store)
    _stale(store)
    assert _views(store) != expected  # (what a user read: the old terms)
    reopened = _reopened(store, tmp_path)
    try:
        with monkeypatch.context() as m:
            m.setattr(trends_module, "extract_terms", _refused)
            assert _views(reopened) == expected
            # Recorded: the next opening extracts nothing.
            again = _reopened(store, tmp_path)
            assert _views(again) == expected
            if isinstance(again, SQLiteStore):
                again.close()
    finally:
        if isinstance(reopened, SQLiteStore):
            reopened.close()


def test_clickhouse_terms_made_again_go_on_where_an_interrupted_run_stopped(
    tmp_path: Path,
) -> None:
    """Over millions of posts it takes minutes: a run stopped midway goes on
    from its last batch (for the version it was making, not another's)."""
    pytest.importorskip("chdb")
    from veille.analytics.trends import terms_version
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.clickhouse.store import ClickHouseStore

    chdb = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    try:
        chdb.upsert_posts(_corpus(300))
        expected = _extracted(chdb)
        _stale(chdb)
        order = "ORDER BY intDiv(published_at, 86400), id"
        keys = chdb.rows(f"SELECT intDiv(published_at, 86400), id FROM posts FINAL {order}")
        day, post_id = keys[99]
        # Stopped after the first 100 posts: those are not made again.
        chdb.write_row(
            "veille_meta",
            {"key": "terms_again_upto", "value": f"{terms_version()} {day} {post_id}"},
        )
        stale = (
            "SELECT id FROM posts FINAL WHERE notEmpty(term_keys) "
            "AND arrayAll(k -> endsWith(k, 'x'), term_keys)"
        )
        held = {r[0] for r in chdb.rows(stale)}
        ClickHouseStore(chdb.client, chdb.where)
        assert {r[0] for r in chdb.rows(stale)} == held & {k[1] for k in keys[:100]}
        # A run of another version stopped midway: this one starts from the first post.
        _stale(chdb)
        chdb.write_row(
            "veille_meta", {"key": "terms_again_upto", "value": f"0.other {day} {post_id}"}
        )
        reopened = ClickHouseStore(chdb.client, chdb.where)
        assert _views(reopened) == expected
    finally:
        chdb.close()


def _set_clusters(store: Any, moves: list[tuple[str, str]]) -> None:
    if isinstance(store, SQLiteStore):
        with store.transaction() as tx:
            tx.set_clusters(moves)
    else:
        store.set_clusters(moves)


def test_the_sample_follows_the_stories_as_they_change(store: Any) -> None:
    """A post's story decides whether it is in the sample of a large
    period: the ranking stays the one extraction gives as stories are
    clustered again, as a story keyed by an erased person's post gets its
    new key, and as retention purges the oldest posts."""
    posts = _corpus()
    first = posts[5]
    posts = [replace(p, cluster_id=first.id) if i % 13 == 0 else p for i, p in enumerate(posts)]
    store.upsert_posts(posts)
    assert _views(store) == _extracted(store)
    _set_clusters(store, [(p.id, f"later-{i % 3}") for i, p in enumerate(posts[1::17])])
    _set_clusters(store, [(posts[2].id, posts[2].id)])
    assert _views(store) == _extracted(store)
    store.erase_author_posts(first.author.handle, first.platform)
    assert _views(store) == _extracted(store)
    store.delete_posts_before(END - timedelta(days=6))
    assert _views(store) == _extracted(store)


def _plans(store: SQLiteStore, run: Any) -> list[str]:
    """The query plans of the statements ``run()`` sends that read posts'
    kept terms."""
    sent: list[str] = []
    store.conn.set_trace_callback(sent.append)
    try:
        run()
    finally:
        store.conn.set_trace_callback(None)
    plans = []
    for sql in sent:
        if "term_keys" in sql:
            rows = store.conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            plans.append(" / ".join(r[3] for r in rows))
    return plans


def test_a_large_period_reads_only_its_sample_from_one_index(tmp_path: Path) -> None:
    """The first view of ``/trends`` over a million posts read every post of
    the period and its baseline from the posts table (about 400,000 rows)
    to count a sample of a quarter of them: it reads the posts of the
    sample alone, and from the index that holds their terms, with or
    without a topic or words (a query, which needs the text, reads the
    posts)."""
    store = SQLiteStore.open(tmp_path / "veille.db")
    try:
        store.upsert_posts(_corpus())
        for scope in (Scope(), words_scope("lumio")):
            for kw in ({"max_posts": 300}, {}):
                plans = _plans(
                    store,
                    lambda s=scope, k=kw: trending_terms(store, s, WEEK, **k),  # type: ignore[misc]
                )
                assert plans, "trends read no kept terms"
                for plan in plans:
                    assert "COVERING INDEX posts_story_terms" in plan, plan
                    assert "posts_published" not in plan, plan
    finally:
        store.close()


def test_rows_written_by_other_means_keep_their_place_in_the_sample(tmp_path: Path) -> None:
    """A row written without its sample part (NULL), or whose story another
    program changed without it, is still counted in the sample of its
    story, and only there (and one without kept terms by its text's)."""
    store = SQLiteStore.open(tmp_path / "veille.db")
    try:
        store.upsert_posts(_corpus())
        conn = store.conn
        conn.execute("UPDATE posts SET story_bucket = NULL WHERE pk % 3 = 0")
        conn.execute("UPDATE posts SET term_keys = NULL, term_forms = NULL WHERE pk % 4 = 0")
        conn.execute("UPDATE posts SET cluster_id = 'elsewhere-' || (pk % 5) WHERE pk % 7 = 0")
        moved = conn.execute("SELECT count(*) FROM posts WHERE story_bucket IS NULL").fetchone()
        assert moved[0] > len(_corpus()) // 3  # the trigger forgot the part of the moved ones
        assert _views(store) == _extracted(store)
    finally:
        store.close()


def test_posts_stored_before_get_their_place_in_the_sample(tmp_path: Path) -> None:
    """Migration 0400 gives each stored post its story's sample part (the
    database here is older than the kept terms too: 0300 runs first)."""
    path = tmp_path / "veille.db"
    old_database(path, 300, _corpus(600))
    store = SQLiteStore.open(path)
    try:
        left = store.conn.execute("SELECT count(*) FROM posts WHERE story_bucket IS NULL")
        assert left.fetchone() == (0,)
        assert _views(store) == _extracted(store)
    finally:
        store.close()


def test_a_query_a_platform_or_a_topic_rank_as_extracted(store: Any) -> None:
    """A scope the index of sample parts cannot answer alone (a query needs
    the text; platforms and languages are not in it) reads its posts, the
    sample taken in SQL; a topic's filings are looked up for the posts the
    index gives: the same ranking."""
    from veille.query import compile_query
    from veille.store.base import PostFilter

    store.upsert_posts(_corpus())
    query = Scope(queries=(compile_query("lumio OR fibre").ast,))
    store.file_topic_backlog(3, 1, query)
    for scope in (
        query,
        Scope(flt=PostFilter(platforms=("bluesky", "mastodon"))),
        Scope(topics=(3,)),
    ):
        for kw in ({"max_posts": 300}, {}):
            ranked = trending_terms(store, scope, WEEK, limit=40, **kw)  # type: ignore[arg-type]
            assert ranked == trending_terms(store, scope, WEEK, limit=40, extract=True, **kw)  # type: ignore[arg-type]
            assert ranked


def test_a_topic_ranks_as_extracted_read_from_its_filings_or_from_the_sample(
    tmp_path: Path,
) -> None:
    """A topic's trends over a large workspace were slow to come (at 1M
    posts, 0.68 s CPU for a topic of 88,000 posts, against 0.37 for the
    whole workspace): each post of the sample was looked up in the topic's
    filings. A topic filed with fewer posts than half the sample's is read
    from its filings of the period, once; a larger one still looks its
    filings up. Both give the ranking extraction gives, for posts whose
    sample part or terms were written by other means too."""
    from veille.query import compile_query

    store = SQLiteStore.open(tmp_path / "veille.db")
    try:
        store.upsert_posts(_corpus())
        conn = store.conn
        conn.execute("UPDATE posts SET story_bucket = NULL WHERE pk % 5 = 0")
        conn.execute("UPDATE posts SET term_keys = NULL, term_forms = NULL WHERE pk % 6 = 0")
        few = Scope(queries=(compile_query("lumio").ast,))
        store.file_topic_backlog(3, 1, few)
        store.file_topic_backlog(4, 1, Scope(scan=True))  # every post
        filed = dict(conn.execute("SELECT topic_id, count(*) FROM post_topics GROUP BY 1"))
        assert 0 < 2 * filed[3] < filed[4]
        read = {}
        for topic in (3, 4):
            scope = Scope(topics=(topic,))
            for kw in ({}, {"max_posts": 300}, {"phrases": False}, {"min_stories": 1}):
                got: list[list[Any]] = []
                plans = _plans(
                    store,
                    lambda s=scope, k=kw, g=got: g.append(  # type: ignore[misc]
                        trending_terms(store, s, WEEK, limit=40, **k)
                    ),
                )
                ranked = got[0]
                assert ranked == trending_terms(store, scope, WEEK, limit=40, extract=True, **kw)
                assert ranked
                read[topic, tuple(kw)] = plans
        # The small topic, whole, is read from its filings; the large one,
        # and any topic's small sample, from the index of the sample's parts
        # (as are the few first posts of stories looked up by their key).
        bulk = [p for p in read[3, ()] if "json_each" not in p]
        assert bulk and all("post_topics_topic" in p for p in bulk), read[3, ()]
        assert all("posts_story_terms" in p for p in read[4, ()]), read[4, ()]
        assert all("posts_story_terms" in p for p in read[3, ("max_posts",)])
    finally:
        store.close()


PLATFORMS = ("bluesky", "mastodon", "reddit")


def _same_counts(store: Any, scope: Scope, **kw: Any) -> None:
    """The terms ranked from the kept terms are those extracted, with
    their counts (two forms written as often may come in another order
    from texts read in no order, as before)."""
    ranked = trending_terms(store, scope, WEEK, limit=40, **kw)
    extracted = trending_terms(store, scope, WEEK, limit=40, extract=True, **kw)
    assert ranked
    assert [(t.key, t.stories, t.baseline) for t in ranked] == [
        (t.key, t.stories, t.baseline) for t in extracted
    ]


class _RowsRead:
    """``store.conn`` as it is, counting the rows its statements hand back
    to Python (each a Python object made, the cost of a first view)."""

    def __init__(self, conn: Any) -> None:
        self.conn, self.rows = conn, 0

    def execute(self, sql: str, params: Any = ()) -> Any:
        return _CountedCursor(self, self.conn.execute(sql, params))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


class _CountedCursor:
    def __init__(self, owner: _RowsRead, cursor: Any) -> None:
        self.owner, self.cursor = owner, cursor

    def fetchall(self) -> list[Any]:
        rows = self.cursor.fetchall()
        self.owner.rows += len(rows)
        return list(rows)

    def fetchone(self) -> Any:
        row = self.cursor.fetchone()
        self.owner.rows += row is not None
        return row

    def __iter__(self) -> Any:
        for row in self.cursor:
            self.owner.rows += 1
            yield row

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


def test_the_baseline_is_counted_without_a_row_per_post(tmp_path: Path) -> None:
    """The first view of ``/trends`` at 1M posts spent a fifth of its time
    handing each post of the baseline (about 80,000 of the sample's over 30
    days) to Python as a row, then joining their terms again: most come as
    one string now, and the ranking stays the one extraction gives, with
    stories of several posts (their first post, keyed by its own key, in
    the baseline or the period), rows without kept terms or sample part,
    whole or sampled, a topic and platforms too."""
    from veille.query import compile_query
    from veille.store.base import PostFilter

    store = SQLiteStore.open(tmp_path / "veille.db")
    try:
        posts = _corpus()
        # Stories keyed by their first post: one in the baseline on a
        # platform read and holding a topic's word, one in the period.
        first = next(
            p
            for p in posts
            if p.published_at < WEEK.since - timedelta(days=14)
            and p.platform in PLATFORMS
            and "lumio" in p.text.lower()
        )
        later = next(
            p
            for p in reversed(posts)
            if p.published_at >= WEEK.since + timedelta(days=2)
            and p.platform in PLATFORMS
            and "lumio" in p.text.lower()
        )
        posts = [
            replace(p, cluster_id=first.id if i % 13 == 0 else later.id) if i % 13 in (0, 1) else p
            for i, p in enumerate(posts)
        ]
        store.upsert_posts(posts)
        baseline = Period(WEEK.since - timedelta(days=28), WEEK.since)
        before = store.conn.execute(
            "SELECT count(*) FROM posts WHERE published_at >= ? AND published_at < ?",
            (int(baseline.since.timestamp()), int(baseline.until.timestamp())),
        ).fetchone()[0]
        assert before > 1000
        counting = _RowsRead(store.conn)
        store.conn = counting
        try:
            trending_terms(store, Scope(), WEEK, limit=40)
        finally:
            store.conn = counting.conn
        assert counting.rows < before // 2, (counting.rows, before)
        assert _views(store) == _extracted(store)
        conn = store.conn
        conn.execute("UPDATE posts SET story_bucket = NULL WHERE pk % 5 = 0")
        conn.execute("UPDATE posts SET term_keys = NULL, term_forms = NULL WHERE pk % 6 = 0")
        assert _views(store) == _extracted(store)
        store.file_topic_backlog(3, 1, Scope(queries=(compile_query("lumio").ast,)))  # a few
        store.file_topic_backlog(4, 1, Scope(scan=True))  # every post
        for scope in (
            Scope(topics=(3,)),  # read from its filings
            Scope(topics=(4,)),  # from the index, its filings looked up
            Scope(flt=PostFilter(platforms=PLATFORMS)),
        ):
            for kw in ({}, {"max_posts": 300}):
                _same_counts(store, scope, **kw)
    finally:
        store.close()
