"""A retention purge on ClickHouse stopped after its deletes (real chDB).

A purge counts what it takes out of each saved topic (``topic_purged``) and
of the hashtags and domains (``entity_purged``), deletes the filings, then
the posts (two mutations, seconds each at 1M posts, which a server carries
to their end even when the process that asked is killed), then marks its
cutoff done (``veille_meta``). The next purge took every count above the
last mark for one of a purge that stopped before its deletes, and counted
again from the posts held. Stopped after a delete, the posts (or their
filings) were gone: the topic's figures lost the day's purged posts for
good (a topic of 5 posts said 2), and the purged hashtags with them.
"""

from __future__ import annotations

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


class Killed(Exception):
    """The process stops here."""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    from veille.store.clickhouse.backend import ChdbBackend

    ch = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    yield ch
    ch.close()


def _post(i: int, when: datetime) -> Post:
    return make_post(
        f"p{i}", "lumio #lamp", published_at=when, likes=i, author=Author(f"u{i}"),
        hashtags=("lamp",),
    )  # fmt: skip


def _lamps(store: Any) -> int:
    """The purged posts with #lamp, as a period's edge in a purged day reads them."""
    return sum(n for kind, _b, v, n, _e in store.purged_entity_quarters() if v == "lamp")


def _stop_at_mark(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the next purge after its deletes, as it marks its cutoff done."""
    from veille.store.clickhouse.purged import ENTITY_PURGED_DONE

    real = store.write_row

    def write_row(table: str, row: dict[str, Any], version: str = "version") -> None:
        if row.get("key") == ENTITY_PURGED_DONE:
            raise Killed
        real(table, row, version)

    monkeypatch.setattr(store, "write_row", write_row)


def _stop_before_posts(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the next purge after it deleted the filings, before the posts."""
    real = store._delete

    def delete(table: str, where: str, params: dict[str, Any]) -> int:
        if table == "posts":
            raise Killed
        return int(real(table, where, params))

    monkeypatch.setattr(store, "_delete", delete)


@pytest.mark.parametrize("stop", [_stop_at_mark, _stop_before_posts])
def test_a_purge_stopped_after_its_deletes_leaves_a_topic_its_figures(
    store: Any, monkeypatch: pytest.MonkeyPatch, stop: Any
) -> None:
    from veille.analytics.scope import Scope

    when = [T0 - timedelta(days=60), T0 - timedelta(days=40), T0 - timedelta(days=40),
            T0 - timedelta(days=30, hours=-6), T0, T0]  # fmt: skip
    posts = [_post(i, w) for i, w in enumerate(when)]
    store.upsert_posts(posts)
    store.file_posts([(p.id, 7) for p in posts])
    topic = Scope().within_topic(7)
    before = [tuple(map(int, r[:2])) for r in store.post_totals(topic)]
    assert before == [(6, 15)]
    # A purge that finished (its cutoff marked done).
    assert store.delete_posts_before(T0 - timedelta(days=50)).posts == 1
    # The next one stops after a delete: the process is killed there.
    stop(store, monkeypatch)
    with pytest.raises(Killed):
        store.delete_posts_before(T0 - timedelta(days=31))
    monkeypatch.undo()
    # Run again, and the next day's: every post counted once.
    store.delete_posts_before(T0 - timedelta(days=31))
    store.delete_posts_before(T0 - timedelta(days=29))
    assert store.count_posts() == 2
    assert [tuple(map(int, r[:2])) for r in store.post_totals(topic)] == before
    assert _lamps(store) == 4


def _stop_after_names(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the next purge once it named its posts, before its deletes."""
    real = store._delete

    def delete(table: str, where: str, params: dict[str, Any]) -> int:
        if table == "topic_filings":
            raise Killed
        return int(real(table, where, params))

    monkeypatch.setattr(store, "_delete", delete)


def test_a_purge_stopped_after_naming_its_posts_counts_and_names_each_once(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed once it wrote its counts and named its posts, before its
    deletes: the posts are held, named. Meanwhile one of them collected
    again is left out (it is counted in what the purge kept); run again,
    the purge deletes them, counts each once, and names each once (the
    rerun named them all a second time: rows the table keeps)."""
    from veille.analytics.scope import Scope
    from veille.store.protocols.privacy import PURGED

    old = [_post(i, T0 - timedelta(days=40, hours=i)) for i in range(4)]
    posts = [*old, _post(8, T0), _post(9, T0)]
    store.upsert_posts(posts)
    store.file_posts([(p.id, 7) for p in posts])
    topic = Scope().within_topic(7)
    before = [tuple(map(int, r[:2])) for r in store.post_totals(topic)]
    assert before == [(6, 23)]
    cutoff, names_from = T0 - timedelta(days=30), T0 - timedelta(days=60)
    _stop_after_names(store, monkeypatch)
    with pytest.raises(Killed):
        store.delete_posts_before(cutoff, names_from=names_from)
    monkeypatch.undo()
    assert store.count_posts() == 6
    # Collected again meanwhile with a like more: left out, as purged.
    more = replace(old[0], engagement=Engagement(likes=1))
    assert store.upsert_posts([more]).expired == [old[0].id]
    report = store.delete_posts_before(cutoff, names_from=names_from)
    assert report.posts == 4 and store.count_posts() == 2
    assert [tuple(map(int, r[:2])) for r in store.post_totals(topic)] == before
    assert _lamps(store) == 4
    rows = store.rows(
        "SELECT count(), uniqExact(key) FROM forgotten WHERE kind = {k:String}", {"k": PURGED}
    )
    assert [tuple(map(int, r)) for r in rows] == [(4, 4)]
    # And collected again after: left out, counted once.
    assert sorted(store.upsert_posts(old).expired) == sorted(p.id for p in old)
    assert [tuple(map(int, r[:2])) for r in store.post_totals(topic)] == before
