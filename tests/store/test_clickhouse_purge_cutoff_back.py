"""A retention purge on ClickHouse at an earlier cutoff than the last one
(retention lengthened), stopped at each of its steps (real chDB), read as
SQLite reads the same store: each post counted once.

A purge counts what it takes out (``topic_purged``, ``entity_purged``, each
row under its cutoff), then deletes the filings and the posts; a read adds
the rows up to the marks of the purges whose deletes finished. Those marks
only move up: after a purge at day -35, one at day -50 (retention made 50
days, a late post 55 days old held) wrote its rows under day -50, below the
marks. A read counted its posts twice from its counts to its deletes (a
saved topic of 8 posts said 9), and a purge killed while it counted left
its rows to be counted again. Each purge's rows and marks now go above
every earlier purge's mark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post
from veille.analytics.scope import Scope
from veille.models import Author, Post

pytest.importorskip("chdb")

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOPIC = Scope().within_topic(7)


class Killed(Exception):
    """The process stops here."""


def _post(i: int, days: float) -> Post:
    return make_post(
        f"p{i}", "lumio #lamp", published_at=T0 - timedelta(days=days), likes=i,
        author=Author(f"u{i}"), hashtags=("lamp",),
    )  # fmt: skip


FIRST = [_post(0, 60), _post(1, 40), _post(2, 40), _post(3, 29.75), _post(4, 0), _post(5, 0)]
# Collected after the first purge (an archive): older than its cutoff, never purged.
LATE = [_post(6, 45), _post(7, 55)]


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.sqlite.backend import SQLiteBackend

    ch = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    lite = SQLiteBackend().open(f"sqlite:///{tmp_path / 'posts.db'}", root=tmp_path)
    yield ch, lite
    ch.close()
    lite.close()


def _figures(store: Any) -> tuple[list[tuple[int, int]], int]:
    """The topic's posts and engagement, and the purged #lamp posts a
    period's edge inside a purged day adds to those held."""
    totals = [(int(r[0]), int(r[1])) for r in store.post_totals(TOPIC)]
    lamps = sum(n for _k, _b, v, n, _e in store.purged_entity_quarters() if v == "lamp")
    return totals, lamps


def _write(store: Any, posts: list[Post]) -> None:
    """Store ``posts`` and file them under topic 7, as a collector does."""
    if hasattr(store, "file_posts"):  # ClickHouse
        assert not store.upsert_posts(posts).expired
        store.file_posts([(p.id, 7) for p in posts])
        return
    with store.transaction() as tx:
        assert not tx.upsert_posts(posts).expired
        tx.file_posts([(p.id, 7) for p in posts])


def _stop_in_topic_counts(store: Any, mp: pytest.MonkeyPatch) -> None:
    """Killed once a topic's counts are written, before the hashtags'."""
    from veille.store.clickhouse import privacy

    def stop(*_a: Any) -> None:
        raise Killed

    mp.setattr(privacy, "keep_entity_quarters", stop)


def _stop_before(table: str) -> Callable[[Any, pytest.MonkeyPatch], None]:
    def stop(store: Any, mp: pytest.MonkeyPatch) -> None:
        real = store._delete

        def delete(name: str, where: str, params: dict[str, Any]) -> int:
            if name == table:
                raise Killed
            return int(real(name, where, params))

        mp.setattr(store, "_delete", delete)

    stop.__name__ = f"before_{table}"
    return stop


def _stop_at(mark: str) -> Callable[[Any, pytest.MonkeyPatch], None]:
    """Killed once a delete went through, as the purge marks it
    (``show_counts``, ``mark_done``): the server carries a delete to its
    end when the process that asked is killed."""

    def stop(store: Any, mp: pytest.MonkeyPatch) -> None:
        from veille.store.clickhouse import privacy

        def killed(*_a: Any) -> None:
            raise Killed

        mp.setattr(privacy, mark, killed)

    stop.__name__ = f"at_{mark}"
    return stop


# Killed before a delete: a read then counts each post once.
BEFORE = [_stop_in_topic_counts, _stop_before("topic_filings"), _stop_before("posts")]
# Killed once a delete went through, before its mark: a read leaves the
# purge's counts out (too low) until the next purge (each start of ``veille
# run``, each hour's upkeep) finishes it.
AFTER = [_stop_at("show_counts"), _stop_at("mark_done")]


@pytest.mark.parametrize("stop", BEFORE + AFTER, ids=lambda s: s.__name__)
def test_a_purge_at_an_earlier_cutoff_counts_each_post_once_at_every_step(
    stores: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch, stop: Any
) -> None:
    ch, lite = stores
    first, back = T0 - timedelta(days=35), T0 - timedelta(days=50)
    # SQLite: the figures after each step (each purge one transaction).
    _write(lite, FIRST)
    lite.delete_posts_before(first)
    _write(lite, LATE)
    held = _figures(lite)
    assert held == ([(8, 28)], 3)
    assert lite.delete_posts_before(back).posts == 1
    after = _figures(lite)
    assert after == ([(8, 28)], 4)
    # ClickHouse, the purge at the earlier cutoff stopped at a step.
    _write(ch, FIRST)
    assert ch.delete_posts_before(first).posts == 3
    _write(ch, LATE)
    assert _figures(ch) == held
    with monkeypatch.context() as mp:
        stop(ch, mp)
        with pytest.raises(Killed):
            ch.delete_posts_before(back)
    assert ch.count_posts() == (4 if stop is AFTER[1] else 5)
    if stop in BEFORE:
        assert _figures(ch) == (held if ch.count_posts() == 5 else after)
    # Run again: finished, each post counted once; and the next day's.
    ch.delete_posts_before(back)
    assert ch.count_posts() == 4
    assert _figures(ch) == after
    ch.delete_posts_before(back + timedelta(days=1))
    lite.delete_posts_before(back + timedelta(days=1))
    assert _figures(ch) == _figures(lite) == after


@pytest.mark.parametrize("stop", BEFORE[1:] + AFTER, ids=lambda s: s.__name__)
def test_a_stopped_purge_is_finished_by_one_at_an_earlier_cutoff(
    stores: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch, stop: Any
) -> None:
    """Stopped after its counts, then retention lengthened: the next purge,
    at an earlier cutoff, deleted only the posts before its own and left
    the stopped one's counts out of the reads (its cutoff above the new
    marks), while it had counted (and named) posts still held: a topic of 6
    posts said 5 (3 where it was killed once its filings' delete went
    through), until a cutoff passed the stopped one's. It finishes the
    stopped purge first, as SQLite's one transaction would have."""
    ch, lite = stores
    first, back = T0 - timedelta(days=35), T0 - timedelta(days=50)
    _write(lite, FIRST)
    held = _figures(lite)
    lite.delete_posts_before(first)
    lite.delete_posts_before(back)
    after = _figures(lite)
    assert held == ([(6, 15)], 0) and after == ([(6, 15)], 3)
    _write(ch, FIRST)
    assert _figures(ch) == held
    with monkeypatch.context() as mp:
        stop(ch, mp)
        with pytest.raises(Killed):
            ch.delete_posts_before(first)
    if stop in BEFORE:
        assert _figures(ch) == ([(6, 15)], 0 if ch.count_posts() == 6 else 3)
    ch.delete_posts_before(back)
    assert _figures(ch) == after
    assert ch.count_posts() == 3
    ch.delete_posts_before(back + timedelta(days=1))
    assert _figures(ch) == after
