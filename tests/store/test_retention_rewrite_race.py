"""Writes that read stored posts and write them back, against a retention
purge that lands between the read and the write.

``veille enrich`` reads the posts, enriches them and writes them back; a
ClickHouse store's ``set_sentiment`` (a user's correction) and
``set_clusters`` (the story of a post, ingest's and enrich's) read the
stored row and insert a new version of it. A purge that deleted the post
between the two had it stored again: held, and counted in the aggregates
the purge kept, twice. Each write now leaves out what the latest purge
deleted, read where it is ordered with that purge's deletes, as the
ingest's does (tests/store/test_retention_ingest_race.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import retention_workspace
from tests.store.test_retention_ingest_race import LATER, RECENT, WEEK_OLD, _layout
from tests.store.test_retention_late_posts import _figures
from veille.errors import NotFound
from veille.query.topics import add_topic
from veille.services.enrich import correct_sentiment, enrich_stored
from veille.services.retention import apply_retention
from veille.workspace import Workspace

# The headline's figures that count posts (an enrichment changes the others).
COUNTING = ("posts", "engagement", "reach")


def _stored(kind: str, tmp_path: Path) -> Workspace:
    ws = Workspace.open(retention_workspace(kind, tmp_path / "ws"))
    ws.store.upsert_posts([*WEEK_OLD, *RECENT])
    add_topic(ws.store, "lumio", "lumio")
    return ws


def _purge(ws: Workspace) -> None:
    """The next days' upkeep: the two week-old posts deleted."""
    report = apply_retention(ws, now=LATER)
    assert report is not None and report.posts == 2


def _purging_before_the_write(ws: Workspace) -> Any:
    """A chDB store's lock taken by its writes, which lets the purge run
    before the first write takes it (the row to write read already)."""
    lock = ws.posts.forget_lock  # type: ignore[attr-defined]
    real = lock.shared
    purged: list[bool] = []

    def shared() -> Any:
        if not purged:
            purged.append(True)
            _purge(ws)
        return real()

    lock.shared = shared
    return lock


def _counts(ws: Workspace, figures: Callable[[Workspace], Any] = _figures) -> Any:
    """The ``figures`` that count posts (an enrichment changes the others)."""

    def kept(found: Any) -> Any:
        if not isinstance(found, dict):
            return found
        return {
            k: {n: v for n, v in f.items() if n in COUNTING} if k == "headline" else kept(f)
            for k, f in found.items()
        }

    return kept(figures(ws))


def _after_the_purge(
    ws: Workspace, before: Any, figures: Callable[[Workspace], Any] = _figures
) -> None:
    """Held and counted as the purge left them, its log counting two, once."""
    assert ws.posts.count_posts() == 2
    assert _counts(ws, figures) == before  # (volume 5 or 6: counted twice)
    assert [e.posts for e in ws.state.erasures(kind="retention")] == [2]
    assert apply_retention(ws, now=LATER) is not None
    assert ws.posts.count_posts() == 2 and _counts(ws, figures) == before


@pytest.mark.parametrize("kind", ["sqlite", "chdb", "veille+http", "sqlite+postgresql"])
def test_enrich_does_not_store_again_the_posts_a_purge_deleted_after_its_read(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Until 2026-12-06: the enriched week-old posts written back, 4 held."""
    with _layout(kind, tmp_path, request) as (root, figures), Workspace.open(root) as ws:
        ws.store.upsert_posts([*WEEK_OLD, *RECENT])
        add_topic(ws.store, "lumio", "lumio")
        before = _counts(ws, figures)
        real = ws.posts.iter_posts  # (what ws.store reads them from)

        def iter_posts(*args: Any, **kwargs: Any) -> Iterator[Any]:
            yield from real(*args, **kwargs)
            _purge(ws)  # once every post is read, before the first write

        monkeypatch.setattr(ws.posts, "iter_posts", iter_posts)
        done = enrich_stored(ws, rerun=True)
        monkeypatch.undo()
        _after_the_purge(ws, before, figures)
        assert done["enriched"] == 2  # the two held
        # What enrich stored is there, on the posts it kept.
        assert all(p.sentiment is not None for p in ws.posts.iter_posts())


def test_a_sentiment_correction_does_not_store_again_a_post_a_purge_deleted(
    tmp_path: Path,
) -> None:
    """chDB: the post read, purged, then its new version written: held again."""
    with _stored("chdb", tmp_path) as ws:
        before = _counts(ws)
        lock = _purging_before_the_write(ws)
        try:
            with pytest.raises(NotFound, match=WEEK_OLD[0].id):
                correct_sentiment(ws.store, WEEK_OLD[0].id, "negative")
        finally:
            del lock.shared
        assert ws.state.list_corrections() == []
        _after_the_purge(ws, before)


def test_a_story_written_to_a_post_a_purge_deleted_does_not_store_it_again(
    tmp_path: Path,
) -> None:
    """chDB: ``set_clusters`` read the post, a purge deleted it, then the
    post's new version (its story) was inserted: held again."""
    with _stored("chdb", tmp_path) as ws:
        before = _counts(ws)
        lock = _purging_before_the_write(ws)
        try:
            ws.posts.set_clusters([(p.id, "story-lumio") for p in WEEK_OLD])
        finally:
            del lock.shared
        _after_the_purge(ws, before)
