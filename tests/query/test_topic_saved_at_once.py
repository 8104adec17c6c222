"""Two people saving one topic at the same moment (two web workers, two API
clients): both read version N and wrote version N + 1. The second write
failed on the versions' key, a store error (a 500 in the API and on the
page), where the one saving over a version it did not read expects a
conflict, and the one saving without a version expects its query saved.
Each is checked with the other writer's version added between the read and
the write, on both state stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import init_state_workspace
from veille.errors import Conflict
from veille.query import topics
from veille.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path, state_kind: str) -> Iterator[Workspace]:
    root = init_state_workspace(tmp_path, state_kind)
    with Workspace.open(root) as w:
        topics.add_topic(w.state, "lumio", "lumio")
        yield w


def _meanwhile(monkeypatch: pytest.MonkeyPatch, ws: Workspace, query: str) -> None:
    """A colleague's save of ``query`` lands between this save's read of the
    topic and its write (once)."""
    check = topics._check
    done: list[bool] = []

    def check_then_colleague(name: str, q: str) -> Any:
        check(name, q)
        if not done:
            done.append(True)
            topic = topics.get_topic(ws.state, name)
            ws.state.add_topic_version(topic.id, topic.version + 1, query, 1)

    monkeypatch.setattr(topics, "_check", check_then_colleague)


def test_a_save_over_the_version_read_meets_the_colleagues_as_a_conflict(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    _meanwhile(monkeypatch, ws, "lumio OR vexa")
    with pytest.raises(Conflict, match="version 2 was saved after the version 1"):
        topics.change_topic(ws.state, "lumio", "lumio lamp", based_on=1)
    kept = topics.get_topic(ws.state, "lumio")
    assert (kept.version, kept.query) == (2, "lumio OR vexa")


def test_a_save_without_a_version_goes_on_top_of_the_colleagues(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    _meanwhile(monkeypatch, ws, "lumio OR vexa")
    change = topics.change_topic(ws.state, "lumio", "lumio lamp")
    assert change.new_version and (change.topic.version, change.topic.query) == (3, "lumio lamp")
    history = [(v.version, v.query) for v in topics.versions(ws.state, "lumio")]
    assert history == [(1, "lumio"), (2, "lumio OR vexa"), (3, "lumio lamp")]
