"""An erasure racing a write on the ClickHouse PostStore (real chDB, no mocks).

A writer reads the stored version of a post, computes the new one and
inserts it; an erasure between the read and the insert used to be undone by
the insert (``ALTER TABLE … DELETE`` only rewrites the parts that exist when
it runs). The same with a batch collected before the erasure and written
after it. Each test pins the interleaving with events, so it is the same on
every run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post
from veille.models import Author, Engagement, Post

pytest.importorskip("chdb")

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    from veille.store.clickhouse.backend import ChdbBackend

    ch = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    yield ch
    ch.close()


def _posts() -> list[Post]:
    return [
        make_post("c1", "lumio panne", author=Author("Claire", followers=50), published_at=T0,
                  hashtags=("zorglub",)),
        make_post("b1", "lumio réseau", author=Author("bob", followers=10), published_at=T0),
    ]  # fmt: skip


def _traces(store: Any, needle: str) -> list[str]:
    """Rows of every table (every version, merged or not) that name ``needle``."""
    tables = [
        r[0]
        for r in store.rows(
            "SELECT name FROM system.tables WHERE database = currentDatabase() "
            "AND engine NOT LIKE '%View'"
        )
    ]
    return [
        f"{t}: {r}"
        for t in tables
        for r in store.rows(f"SELECT * FROM {t}")
        if needle in str(r).lower()
    ]


def _rollup_matches_posts(store: Any) -> None:
    kept = store.rows("SELECT count(), sum(likes + shares + replies) FROM posts FINAL")[0]
    rolled = store.rows("SELECT sum(posts), sum(engagement) FROM post_rollup")[0]
    assert [int(v or 0) for v in rolled] == [int(v or 0) for v in kept]


def _held_writer(store: Any, work: Any) -> tuple[threading.Thread, threading.Event]:
    """A thread running ``work()`` whose first write of posts waits, after its
    reads, until the returned event is set."""
    read, go = threading.Event(), threading.Event()
    real_write = store._write

    def held_write(rows: list[dict[str, Any]], olds: Any = None, *more: Any) -> Any:
        if threading.current_thread() is writer:
            read.set()
            assert go.wait(60), "the erasure never ended"
        return real_write(rows, olds, *more)

    store._write = held_write
    writer = threading.Thread(target=work)
    writer.start()
    assert read.wait(60)
    return writer, go


def test_a_write_racing_an_erasure_does_not_bring_the_post_back(store: Any) -> None:
    posts = _posts()
    store.upsert_posts(posts)
    # Seen again with more likes, by a collector: it reads her stored post,
    # then (held here) the erasure runs to its end, then it inserts.
    again = replace(posts[0], engagement=Engagement(likes=9))
    outcome: dict[str, Any] = {}
    writer, go = _held_writer(store, lambda: outcome.update(result=store.upsert_posts([again])))
    report = store.erase_author_posts("claire", None)
    go.set()
    writer.join(60)
    assert not writer.is_alive()
    del store._write

    assert report.post_ids == ["mastodon:c1"]
    assert store.get_post("mastodon:c1") is None
    assert store.author_post_ids("claire", None) == []
    assert _traces(store, "claire") == [] and _traces(store, "zorglub") == []
    # The writer is told its post was not stored (so ingest files nothing).
    result = outcome["result"]
    assert result.new == [] and result.updated == []
    assert store.count_posts() == 1
    _rollup_matches_posts(store)


def test_a_story_key_read_before_an_erasure_does_not_name_the_post_again(store: Any) -> None:
    from veille.store.protocols.privacy import story_key

    # Bob's post joined the story her post started (keyed by her post's id).
    posts = [replace(p, cluster_id="mastodon:c1") for p in _posts()]
    store.upsert_posts(posts)
    seen_again = replace(posts[1], engagement=Engagement(likes=5))
    # One writer updates Bob's post, one files a new post of his in her story,
    # each from what it read before the erasure.
    late = make_post("b2", "lumio aussi", author=Author("bob"), published_at=T0)
    store.upsert_posts([late])
    for work in (
        lambda: store.upsert_posts([seen_again]),
        lambda: store.set_clusters([(late.id, "mastodon:c1")]),
    ):
        writer, go = _held_writer(store, work)
        store.erase_author_posts("claire", None)
        go.set()
        writer.join(60)
        assert not writer.is_alive()
        del store._write
    key = story_key("mastodon:c1")
    assert [p.cluster_id for p in store.get_posts(["mastodon:b1", "mastodon:b2"])] == [key, key]
    assert _traces(store, "mastodon:c1") == []
    assert store.get_post("mastodon:b1").engagement.likes == 5
    _rollup_matches_posts(store)
    rolled = store.rows(
        "SELECT cluster_id, sum(posts) AS n FROM cluster_rollup GROUP BY cluster_id HAVING n != 0"
    )
    assert rolled == [[key, 2]]


def test_a_batch_collected_before_the_erasure_stays_out(store: Any) -> None:
    posts = _posts()
    store.upsert_posts(posts)
    store.erase_author_posts("CLAIRE", "mastodon")
    # The same batch, collected before the erasure, written after it (a
    # collector that was still running, a retried import).
    result = store.upsert_posts(posts)
    assert result.new == [] and result.updated == [] and result.unchanged == 1
    assert store.get_post("mastodon:c1") is None
    assert _traces(store, "claire") == [] and _traces(store, "zorglub") == []
    assert store.stored_content(posts) == {"mastodon:b1": posts[1].content_hash}
    _rollup_matches_posts(store)
    # Another platform was not asked for; a post she publishes after the
    # erasure is refused while her objection holds, new once it is lifted.
    later = make_post("c9", "lumio encore", author=Author("claire"), published_at=_now(+60))
    other = replace(posts[0], platform="bluesky", id="bluesky:c1")
    result = store.upsert_posts([later, other])
    assert {p.id for p in result.new} == {"bluesky:c1"} and result.refused == ["mastodon:c9"]
    from veille.store.protocols.privacy import author_key

    assert store.lift_objection([author_key("mastodon", "claire")]) != []
    assert {p.id for p in store.upsert_posts([later]).new} == {"mastodon:c9"}


def test_an_erasure_everywhere_covers_every_platform(store: Any) -> None:
    posts = _posts()
    store.erase_author_posts("claire", None)
    moved = replace(posts[0], platform="bluesky", id="bluesky:c1")
    assert store.upsert_posts([posts[0], moved, posts[1]]).new == [posts[1]]
    assert store.author_post_ids("claire", None) == []


def test_the_forgotten_list_survives_reopening(tmp_path: Path) -> None:
    from veille.store.clickhouse.backend import ChdbBackend

    url = f"chdb:///{tmp_path / 'posts.chdb'}"
    first = ChdbBackend().open(url, root=tmp_path)
    first.upsert_posts(_posts())
    first.erase_author_posts("claire", None)
    first.close()
    again = ChdbBackend().open(url, root=tmp_path)
    try:
        assert again.upsert_posts(_posts()).new == []
        assert again.get_post("mastodon:c1") is None
    finally:
        again.close()


def _now(seconds: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds)


def test_a_purge_run_again_after_it_stopped_counts_a_topic_once(store: Any) -> None:
    """A retention purge adds what it takes out of each saved topic to
    ``topic_purged`` and then deletes the filings; one that stopped between
    the two (here: its count made, its deletes not) and is run again counts
    nothing twice: a topic's figures stay those before the purge."""
    from veille.analytics.scope import Scope

    old, new = T0 - timedelta(days=40), T0
    posts = [
        make_post(
            f"p{i}", "lumio", published_at=when, likes=i, author=Author(f"u{i}", followers=10)
        )
        for i, when in enumerate([old, old, old, new, new])
    ]
    store.upsert_posts(posts)
    store.file_posts([(p.id, 7) for p in posts])
    topic = Scope().within_topic(7)
    before = store.post_totals(topic)
    assert [tuple(map(int, r)) for r in before] == [(5, 10, 50)]
    cutoff = T0 - timedelta(days=30)
    at = int(cutoff.timestamp())
    store._keep_topic_totals(at, at)  # the purge that stopped (its rows under its cutoff)
    report = store.delete_posts_before(cutoff + timedelta(hours=1))  # run again, later
    assert report.posts == 3 and store.count_posts() == 2
    assert store.post_totals(topic) == before
    assert store.delete_posts_before(cutoff + timedelta(hours=2)).posts == 0
    assert store.post_totals(topic) == before
    # Its volume chart (counts alone) too, quarter-hour by quarter-hour.
    from veille.analytics.scope import Period

    chart = store.posts_per_bucket(topic, Period(old, T0 + timedelta(days=1)), True, [])
    assert sum(n for _q, n in chart) == 5
    assert sorted(chart) == sorted((q, n) for q, n, _e, _r in store.post_totals(topic, (), True))


def test_a_purge_stopped_after_an_earlier_one_finished_counts_a_topic_once(store: Any) -> None:
    """As above, once a purge has finished (``entity_purged_done`` set): a
    purge counts every post older than its cutoff (one stored after the
    last purge included), so the rows of one that stopped before its
    deletes go first, and nothing counts twice."""
    from veille.analytics.scope import Scope

    older, old, new = T0 - timedelta(days=60), T0 - timedelta(days=40), T0
    posts = [
        make_post(f"p{i}", "lumio", published_at=when, likes=i, author=Author(f"u{i}"))
        for i, when in enumerate([older, old, old, new, new])
    ]
    store.upsert_posts(posts)
    store.file_posts([(p.id, 7) for p in posts])
    topic = Scope().within_topic(7)
    before = store.post_totals(topic)
    assert store.delete_posts_before(T0 - timedelta(days=50)).posts == 1  # finished
    cutoff = T0 - timedelta(days=30)
    at = int(cutoff.timestamp())
    store._keep_topic_totals(at, at)  # the purge that stopped (its rows under its cutoff)
    report = store.delete_posts_before(cutoff + timedelta(hours=1))  # run again, later
    assert report.posts == 2 and store.count_posts() == 2
    assert store.post_totals(topic) == before
    assert store.delete_posts_before(cutoff + timedelta(hours=2)).posts == 0
    assert store.post_totals(topic) == before


def test_a_purge_at_an_earlier_cutoff_keeps_what_later_ones_counted(store: Any) -> None:
    """Retention lengthened (10 days, then 30): a purge's cutoff is earlier
    than the last one's, and it deletes a post stored since, older still.
    The counts of the later cutoff's purge are those of finished deletes:
    a purge after it counts nothing twice and drops none of them. (The late
    posts, which no purge deleted, are filed: between s48-h16 and s50 a
    filing left out a post older than the last purge's cutoff.)"""
    from veille.analytics.scope import Scope

    def post(i: int, when: datetime) -> Post:
        return make_post(
            f"p{i}",
            "lumio #lamp",
            published_at=when,
            likes=i,
            author=Author("u"),
            hashtags=("lamp",),
        )

    topic = Scope().within_topic(7)
    held = [post(i, when) for i, when in enumerate([T0 - timedelta(days=20), T0, T0])]
    store.upsert_posts(held)
    store.file_posts([(p.id, 7) for p in held])
    assert store.delete_posts_before(T0 - timedelta(days=10)).posts == 1
    for i in (3, 4):  # late arrivals older than the new cutoff, a purge each
        late = post(i, T0 - timedelta(days=40 + i))
        store.upsert_posts([late])
        store.file_posts([(late.id, 7)])
        assert store.delete_posts_before(T0 - timedelta(days=30)).posts == 1
    assert store.count_posts() == 2
    got = store.post_totals(topic)
    # Every post counted once: 5 posts, engagement 0 + 1 + 2 + 3 + 4.
    assert [tuple(map(int, r[:2])) for r in got] == [(5, 10)]
    # And the hashtag of each of the three purged posts, per quarter-hour.
    kept = store.purged_entity_quarters()
    assert sum(n for kind, _b, v, n, _e in kept if (kind, v) == ("hashtags", "lamp")) == 3


def _keyed(store: Any, *keys: str) -> list[list[Any]]:
    """``post_keys`` rows of ``keys`` (post ids or canonical URLs) that count a post."""
    from veille.store.clickhouse.schema import key_hash

    return store.rows(
        "SELECT key_hash, day, sum(posts) AS n FROM post_keys "
        "WHERE key_hash IN {h:Array(UInt64)} GROUP BY key_hash, day HAVING n != 0",
        {"h": [key_hash(k) for k in keys]},
    )


def test_an_erased_or_purged_post_leaves_no_key_behind(store: Any) -> None:
    """Ingest's table of post keys (hashes of ids and canonical URLs) loses
    an erased person's posts and, on a retention purge, the purged days."""
    old = make_post("o1", "lumio", published_at=T0 - timedelta(days=40), url="https://n.example/o1")
    store.upsert_posts([*_posts(), old])
    assert old.canonical_url
    assert len(_keyed(store, "mastodon:c1")) == 1
    assert len(_keyed(store, "mastodon:o1", old.canonical_url)) == 2
    store.erase_author_posts("claire", None)
    assert _keyed(store, "mastodon:c1") == []
    assert store.rows(
        "SELECT count() FROM post_keys WHERE key_hash IN {h:Array(UInt64)}",
        {"h": [int(r[0]) for r in _keyed(store, "mastodon:b1")] + [0]},
    ) == [[1]]  # merged: the erased post's rows are gone, not only summed to zero
    store.delete_posts_before(T0 - timedelta(days=30))
    assert _keyed(store, "mastodon:o1", old.canonical_url) == []
    assert len(_keyed(store, "mastodon:b1")) == 1
    # Seen again, the posts left are updates; the purged one is left out
    # (the purge named it: counted in what it kept), not new again.
    seen = [replace(p, engagement=Engagement(likes=9)) for p in (_posts()[1], old)]
    result = store.upsert_posts(seen)
    assert result.updated == ["mastodon:b1"] and not result.new
    assert result.expired == ["mastodon:o1"]


def test_a_write_pauses_the_cycle_collector_and_puts_it_back_as_it_was(store: Any) -> None:
    """A batch is written with Python's cycle collector paused (its rows
    would set off collections that walk the whole process), and the
    collector is as it was afterwards: on again, or still off if it was."""
    import gc

    seen: list[bool] = []
    insert = store._insert_versions

    def spying(pairs: Any) -> None:
        seen.append(gc.isenabled())
        insert(pairs)

    store._insert_versions = spying
    assert gc.isenabled()
    store.upsert_posts(_posts())
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        store.upsert_posts([replace(p, engagement=Engagement(likes=3)) for p in _posts()])
        assert seen == [False, False] and not gc.isenabled()
    finally:
        gc.enable()


# A process erasing claire in chunks of two posts, stopped for good (it
# sleeps until killed) as it is about to delete its second chunk: that
# chunk's posts are already taken out of the rollups.
_KILLED_MIDWAY = """
import sys, time
from pathlib import Path
from veille.store.clickhouse import privacy
from veille.store.clickhouse.backend import ChdbBackend

privacy._CHUNK = 2
folder = Path(sys.argv[1])
ch = ChdbBackend().open(f"chdb:///{folder / 'posts.chdb'}", root=folder)
real, seen = ch.client.command, []

# Stopped at the second chunk's delete of posts (the first chunk gone).
def command(sql, params=None):
    if sql.startswith("ALTER TABLE posts DELETE"):
        seen.append(sql)
        if len(seen) == 2:
            print("midway", flush=True)
            time.sleep(600)
    return real(sql, params)

ch.client.command = command
ch.erase_author_posts("claire", None)
"""


def test_an_erasure_killed_midway_and_run_again_leaves_nothing_and_counts_right(
    tmp_path: Path,
) -> None:
    """An erasure runs by chunks (a collector writes between two), so it
    can be killed between them: run again, it leaves nothing of the person,
    and the figures kept from posts are those of the posts left (the chunk
    the killed run took out of the rollups is not taken out twice)."""
    import os
    import signal
    import subprocess
    import sys

    import veille
    from veille.store.clickhouse.backend import ChdbBackend

    url = f"chdb:///{tmp_path / 'posts.chdb'}"
    ch = ChdbBackend().open(url, root=tmp_path)
    claire = [
        make_post(f"c{i}", f"lumio panne {i}", author=Author("Claire", followers=50),
                  published_at=T0 + timedelta(minutes=i), hashtags=("zorglub",), likes=i)
        for i in range(5)
    ]  # fmt: skip
    bob = make_post("b1", "lumio réseau", author=Author("bob", followers=10), published_at=T0)
    ch.upsert_posts([*claire, bob])
    ch.close()

    env = {**os.environ, "PYTHONPATH": str(Path(veille.__file__).parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_MIDWAY, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "midway"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(60)

    ch = ChdbBackend().open(url, root=tmp_path)
    try:
        left = ch.author_post_ids("claire", None)
        assert 0 < len(left) < 5  # the first chunk went, the rest stayed
        report = ch.erase_author_posts("claire", None)
        assert sorted(report.post_ids) == sorted(left)
        assert ch.author_post_ids("claire", None) == []
        assert _traces(ch, "claire") == [] and _traces(ch, "zorglub") == []
        assert ch.count_posts() == 1
        _rollup_matches_posts(ch)
    finally:
        ch.close()


def test_an_erasure_made_before_objections_objects_once_upgraded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An erasure made by the release before objections recorded whom it
    forgot but no objection: the person's next posts were stored. Opened by
    this release, the store gives that erasure its objection (once) and says
    what it cannot derive."""
    from veille.store.clickhouse.backend import ChdbBackend

    url = f"chdb:///{tmp_path / 'posts.chdb'}"
    first = ChdbBackend().open(url, root=tmp_path)
    first.upsert_posts(_posts())
    first.erase_author_posts("claire", "mastodon")
    # As that release left it: her record, no objection (and no mark of
    # this upgrade, which it did not know).
    sync = " SETTINGS mutations_sync = 2"
    first.client.command(f"ALTER TABLE forgotten DELETE WHERE kind = 'objection'{sync}")
    first.client.command(f"ALTER TABLE veille_meta DELETE WHERE key = 'objections_derived'{sync}")
    first.close()
    with caplog.at_level("WARNING"):
        again = ChdbBackend().open(url, root=tmp_path)
    try:
        later = make_post("c9", "lumio encore", author=Author("claire"), published_at=_now(+60))
        assert again.upsert_posts([later]).refused == ["mastodon:c9"]
        said = " ".join(caplog.text.split())
        assert "objection to further processing of 1 person erased before" in said
        assert "no objection can be derived" in said
        from veille.store.protocols.privacy import author_key

        assert again.objections([author_key("mastodon", "claire")]) != []
    finally:
        again.close()
    caplog.clear()
    with caplog.at_level("WARNING"):
        ChdbBackend().open(url, root=tmp_path).close()
    assert "objection" not in caplog.text  # once


def test_one_batch_after_an_erasure_and_a_purge_is_answered_for_each_post(store: Any) -> None:
    """A write reads whom an erasure forgot, the stories keyed by an erased
    post and the posts a purge deleted together (refused.py): in one batch,
    the erased person's post is refused, the purged one expired, a post in
    her story filed under the story's new key, and the others stored."""
    from veille.store.protocols.privacy import story_key

    old = make_post("o1", "lumio", published_at=T0 - timedelta(days=40))
    posts = [replace(p, cluster_id="mastodon:c1") for p in _posts()]
    store.upsert_posts([*posts, old])
    store.erase_author_posts("claire", "mastodon")
    store.delete_posts_before(T0 - timedelta(days=30))
    fresh = make_post("n1", "lumio neuf", author=Author("dan"), published_at=T0)
    joined = replace(make_post("b3", "lumio suite", author=Author("bob"), published_at=T0),
                     cluster_id="mastodon:c1")  # fmt: skip
    seen = [replace(p, engagement=Engagement(likes=7)) for p in (*posts, old)]
    # (The purge kept its posts counted in the rollup: the figures a user saw.)
    rolled = "SELECT sum(posts) FROM post_rollup"
    before = int(store.rows(rolled)[0][0])
    result = store.upsert_posts([*seen, fresh, joined])
    assert result.refused == ["mastodon:c1"] and result.expired == ["mastodon:o1"]
    assert sorted(p.id for p in result.new) == ["mastodon:b3", "mastodon:n1"]
    assert result.updated == ["mastodon:b1"]
    key = story_key("mastodon:c1")
    got = store.get_posts(["mastodon:b1", "mastodon:b3", "mastodon:c1", "mastodon:o1"])
    assert [(p.id, p.cluster_id) for p in got] == [("mastodon:b1", key), ("mastodon:b3", key)]
    assert _traces(store, "claire") == []
    assert int(store.rows(rolled)[0][0]) == before + 2
