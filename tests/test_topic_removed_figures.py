"""A saved topic removed after a retention purge leaves nothing under its id.

A SQLite state numbers a new topic one above the highest left, so removing
the newest topic and saving another gives the new one the old one's id.
What the posts store kept under that id went on counting: the purged
days' volume and sentiment (SQLite's topic rollup and
``topic_purged_sentiment``, ClickHouse's ``topic_purged``) and, on
ClickHouse, the filings of the posts held. A new topic "toaster", which
matches no post, showed the removed topic's 36 posts on SQLite and its 56
on chDB. Removing a topic now forgets them, on both posts backends.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import retention_workspace
from tests.test_privacy_topic_backlog import NOW, PERIOD, _posts
from veille.cli import build_app
from veille.query.topics import add_topic, get_topic
from veille.services.dashboard import topic_figures
from veille.services.retention import apply_retention
from veille.workspace import Workspace


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_topic_saved_after_one_removed_counts_none_of_its_posts(
    kind: str, tmp_path: Path
) -> None:
    root = retention_workspace(kind, tmp_path / kind)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "other", "kettle")
        lumio = add_topic(ws.store, "lumio", "lumio")
        assert topic_figures(ws, "lumio", PERIOD).figures["posts"].value == 56
        report = apply_retention(ws, now=NOW)
        assert report is not None and report.posts == 37
    result = CliRunner().invoke(build_app(), ["topic", "remove", "lumio", "-w", str(root)])
    assert result.exit_code == 0, result.output
    with Workspace.open(root) as ws:
        add_topic(ws.store, "toaster", "toaster")
        assert get_topic(ws.store, "toaster").id == lumio.id  # the id is given again
        got = topic_figures(ws, "toaster", PERIOD)
        assert got.figures["posts"].value == 0
        assert [p.posts for p in got.volume.points if p.posts] == []
        assert (got.sentiment.positive, got.sentiment.negative, got.sentiment.neutral) == (0, 0, 0)
        # The topic left keeps its own.
        assert topic_figures(ws, "other", PERIOD).figures["posts"].value == 1
