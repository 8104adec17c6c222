"""An erasure cut by a release before erasures were recorded unfinished
(SQLite migration 0640, PostgreSQL 0130), before it staged anything, left
one trace: the posts store's record of whom it forgot (``forgotten``, kind
``author``, written as it began), beside the person's posts it had not yet
deleted. Nothing read it: ``veille privacy log`` and ``/healthz`` said
nothing, ``veille run`` left the posts, and ``veille store migrate`` carried
them to the new stores. Now ``veille run`` (once a start) and ``veille store
migrate`` read the posts by author for such a person: the erasure is
recorded unfinished (the migration then refuses, naming it) and ``veille
run`` finishes it. On SQLite and on chDB + PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.test_erasure_killed import (
    NOW,
    _chdb_figures,
    _cli,
    _split_workspace,
    _sqlite_figures,
    _workspace,
    _workspace_on,
)
from tests.test_erasure_unfinished import _finished_by_run
from veille.cli import build_app
from veille.store.protocols.privacy import author_key
from veille.workspace import Workspace


@pytest.mark.parametrize("by", ["run", "migrate"])
@pytest.mark.parametrize("backend", ["sqlite", "chdb"])
def test_an_erasure_cut_before_erasures_were_recorded_is_found_and_finished(
    backend: str, by: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        ws = _workspace(tmp_path)
        figures, elsewhere = _sqlite_figures, ["--to", "sqlite:///moved.db"]
    else:
        ws = _split_workspace(tmp_path, request)
        figures, elsewhere = _chdb_figures, ["--posts", "chdb:///moved.chdb"]
    # What the erasure of claire left when it was cut just after it began:
    # whom it forgets recorded, none of her six posts (a day old) deleted yet.
    with Workspace.open(ws) as w:
        w.posts.record_forgotten([("author", author_key(None, "claire"), int(NOW.timestamp()))])
        assert len(w.posts.author_post_ids("claire", None)) == 6
        assert w.state.unfinished_erasures() == []

    if by == "migrate":
        moved = CliRunner().invoke(
            build_app(), ["store", "migrate", *elsewhere, "--workspace", str(ws)]
        )
        assert moved.exit_code != 0
        assert "erasure of claire" in moved.stderr and "Finish it first" in moved.stderr
        assert not (ws / "moved.db").exists() and not (ws / "moved.chdb").exists()
    run_log = _finished_by_run(ws, tmp_path)
    if by == "run":
        assert "was cut before it was recorded (by a release before SQLite migration 0640" in (
            run_log
        )
    assert "claire" not in run_log

    rolled, fresh = figures(ws)
    assert rolled == fresh
    log = json.loads(_cli(ws, "privacy", "log", "--kind", "author", "--format", "json"))
    assert [(e["kind"], e["posts"]) for e in log] == [("author", 6)]
    with Workspace.open(ws) as w:
        assert w.posts.author_post_ids("claire", None) == []
        assert len(w.posts.author_post_ids("bob", None)) == 3
        assert w.state.unfinished_erasures() == []


@pytest.mark.parametrize("backend", ["sqlite", "chdb"])
def test_the_posts_are_read_by_author_once_per_store_not_at_each_start(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Finding an erasure cut before 0640/0130 reads every author's first post
    (seconds over millions of posts); once it was read without failing, an
    erasure begun since is recorded unfinished as it begins, so a later
    start of veille run (or veille store migrate) does not read it again."""
    from veille.services.privacy import record_cut_erasures

    ws = _workspace_on(backend, tmp_path, request)
    with Workspace.open(ws) as w:
        w.posts.record_forgotten([("author", author_key(None, "claire"), int(NOW.timestamp()))])
    # The first start finds the erasure cut, and it is finished.
    assert "was cut before it was recorded (by a release" in _finished_by_run(ws, tmp_path)

    def by_author(w: Workspace) -> list[str]:
        """The statements a start's look for cut erasures sends the posts store."""
        sent: list[str] = []
        store: Any = w.posts
        if backend == "sqlite":
            store.conn.set_trace_callback(sent.append)
        else:
            rows = store.rows

            def seen(sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
                sent.append(sql)
                return rows(sql, params)

            store.rows = seen
        assert record_cut_erasures(w, scan=True) is True
        if backend == "sqlite":
            store.conn.set_trace_callback(None)
        return [s for s in sent if "min(published_at)" in s and "GROUP BY" in s]

    for _start in range(2):  # each later start, its workspace opened again
        with Workspace.open(ws) as w:
            assert by_author(w) == []
            assert w.state.unfinished_erasures() == []


def test_a_store_that_never_erased_anyone_is_never_read_by_author(tmp_path: Path) -> None:
    """A store whose first start finds no one erased (made by this release,
    or never asked to erase) is marked then: an erasure made later is
    recorded as it begins, so no start reads the posts by author for it."""
    from veille.services.privacy import erase_author, record_cut_erasures

    ws = _workspace(tmp_path)
    with Workspace.open(ws) as w:
        assert record_cut_erasures(w, scan=True) is True  # the first start
        erase_author(w, "claire", None)  # erased under this release
    for _start in range(2):
        with Workspace.open(ws) as w:
            sent: list[str] = []
            store: Any = w.posts
            store.conn.set_trace_callback(sent.append)
            assert record_cut_erasures(w, scan=True) is True
            store.conn.set_trace_callback(None)
            assert [s for s in sent if "min(published_at)" in s] == []
