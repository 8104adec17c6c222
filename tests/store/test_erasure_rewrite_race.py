"""Writes that read stored posts and write them back, against the erasure of
their author landing between the read and the write.

``veille enrich`` reads the posts, enriches them and writes them back with
their near-duplicate signatures (a fingerprint of their text, kept in the
state); a user's sentiment correction reads the post, sets its label, and
records who reviewed it in the state. An erasure between the two left the
posts out (the posts store refuses what it forgot) but not what was
written beside them: the signatures of the erased posts, on every layout,
and the correction, where posts and state are two stores. Both are now
taken out again, as ingest does (``Pipeline.drop_forgotten``); and a
correction on ClickHouse posts beside SQLite state, which said the post
did not exist, is recorded (the same window as the purge's:
tests/store/test_retention_rewrite_race.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import chdb_postgres_workspace, init_state_workspace, posts_workspace
from tests.store.test_retention_late_posts import _post
from veille.errors import NotFound
from veille.models import Author
from veille.services.enrich import correct_sentiment, enrich_stored, list_corrections
from veille.services.privacy import erase_author
from veille.workspace import Workspace

# Long enough to be given a near-duplicate signature (a short text is not).
_WORDS = (
    " tells at length of the lamp bought last week in a shop downtown, near the old "
    "station, which she likes more each evening"
)
CLAIRE = [replace(p, text=p.text + _WORDS) for p in (_post("c1", 2, 5), _post("c2", 3, 1))]
BOB = replace(_post("b1", 2, 2), author=Author("bob", followers=3), text=f"Bob{_WORDS} too")


@contextmanager
def _layout(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Workspace]:
    """Claire's two posts and Bob's, stored in a workspace whose posts and
    state ``kind`` names: ``sqlite`` (one file), ``chdb`` (its state in
    SQLite), ``sqlite+postgresql``, ``chdb+postgresql``."""
    root = tmp_path / "ws"
    if kind in ("sqlite", "chdb"):
        root = posts_workspace(kind, root)
    elif kind == "sqlite+postgresql":
        request.getfixturevalue("postgres_url")
        root = init_state_workspace(root, "postgresql")
    else:
        root = chdb_postgres_workspace(root, request, tmp_path)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([*CLAIRE, BOB])
        yield ws


def _erase_claire(ws: Workspace) -> None:
    """Claire's erasure, run by another thread (another process's command)."""
    done: list[Any] = []
    worker = threading.Thread(target=lambda: done.append(erase_author(ws, "claire")))
    worker.start()
    worker.join()
    assert len(done) == 1 and done[0].posts == 2


def _signed(ws: Workspace) -> set[str]:
    """The posts the state keeps a near-duplicate signature of."""
    with ws.state.transaction() as tx:
        return set(tx.signed_posts([p.id for p in [*CLAIRE, BOB]]))


def _erasing_after(target: Any, name: str, ws: Workspace) -> Callable[[], None]:
    """``target.name`` runs (a generator read to its end), then Claire's
    erasure; the undo."""
    real = getattr(target, name)

    def call(*args: Any, **kwargs: Any) -> Any:
        got = real(*args, **kwargs)
        if isinstance(got, Iterator):
            got = iter(list(got))
        _erase_claire(ws)
        return got

    setattr(target, name, call)
    return lambda: delattr(target, name)


@pytest.mark.parametrize("kind", ["sqlite", "chdb", "sqlite+postgresql"])
def test_enrich_files_no_signature_of_posts_erased_after_its_read(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Until 2026-12-06 the state kept the signatures of Claire's two posts."""
    with _layout(kind, tmp_path, request) as ws:
        undo = _erasing_after(ws.posts, "iter_posts", ws)
        try:
            got = enrich_stored(ws)
        finally:
            undo()
        assert ws.posts.count_posts() == 1
        assert _signed(ws) == {BOB.id}
        assert got["enriched"] == 1
        # Run again, it finds Bob's post enriched and nothing of hers.
        assert enrich_stored(ws)["enriched"] == 0
        assert ws.posts.count_posts() == 1 and _signed(ws) == {BOB.id}


@pytest.mark.parametrize("kind", ["chdb", "sqlite+postgresql"])
def test_enrich_files_no_signature_of_posts_erased_before_its_state_commits(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two stores: the erasure lands after enrich wrote the posts back and
    before its state transaction files their signatures."""
    with _layout(kind, tmp_path, request) as ws:
        undo = _erasing_after(ws.posts, "upsert_posts", ws)
        try:
            enrich_stored(ws)
        finally:
            undo()
        assert ws.posts.count_posts() == 1
        assert _signed(ws) == {BOB.id}


@pytest.mark.parametrize("kind", ["chdb", "sqlite+postgresql", "chdb+postgresql"])
def test_a_correction_of_a_post_erased_meanwhile_records_nothing(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The erasure lands after the post's label is set, before the state
    records the correction. Until 2026-12-06 the state kept the correction
    of the erased post (its id, labels, who reviewed it, when), and the
    command said it was done."""
    with _layout(kind, tmp_path, request) as ws:
        undo = _erasing_after(ws.posts, "set_sentiment", ws)
        try:
            with pytest.raises(NotFound, match="no post with id"):
                correct_sentiment(ws.store, CLAIRE[0].id, "negative")
        finally:
            undo()
        assert ws.posts.count_posts() == 1
        assert list_corrections(ws.state) == []
        # Bob's is recorded as before.
        correct_sentiment(ws.store, BOB.id, "positive")
        assert [(c.post_id, c.new_label) for c in list_corrections(ws.state)] == [
            (BOB.id, "positive")
        ]


def test_a_chdb_correction_between_its_read_and_its_write_stores_nothing_again(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The erasure lands inside ClickHouse's ``set_sentiment``, after it read
    the row and before it writes the new version: the row is not written
    (the store refuses what it forgot), and the correction says the post
    is gone rather than that it was made."""
    with _layout("chdb", tmp_path, request) as ws:
        real = ws.posts._write  # type: ignore[attr-defined]

        def write(*args: Any, **kwargs: Any) -> Any:
            _erase_claire(ws)
            return real(*args, **kwargs)

        ws.posts._write = write  # type: ignore[attr-defined]
        try:
            with pytest.raises(NotFound, match="no post with id"):
                correct_sentiment(ws.store, CLAIRE[0].id, "negative")
        finally:
            del ws.posts._write  # type: ignore[attr-defined]
        assert ws.posts.count_posts() == 1
        assert ws.posts.get_post(CLAIRE[0].id) is None
        assert list_corrections(ws.state) == []


def test_a_correction_on_chdb_posts_beside_sqlite_state_is_recorded(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Until 2026-12-06 it set the label in ClickHouse, then said the post
    did not exist (the SQLite state looked for it in its own, empty, posts
    table) and recorded nothing."""
    with _layout("chdb", tmp_path, request) as ws:
        done = correct_sentiment(ws.store, CLAIRE[0].id, "negative", who="ana")
        assert (done.post_id, done.old_label, done.new_label) == (CLAIRE[0].id, None, "negative")
        post = ws.posts.get_post(CLAIRE[0].id)
        assert post is not None and post.sentiment is not None
        assert post.sentiment.label == "negative"
        again = correct_sentiment(ws.store, CLAIRE[0].id, "neutral", who="ana")
        assert again.old_label == "negative"
        assert [(c.new_label, c.corrected_by) for c in list_corrections(ws.state)] == [
            ("neutral", "ana"),
            ("negative", "ana"),
        ]
