"""A saved topic's figures while a retention purge on ClickHouse is stopped
midway (real chDB), as its dashboard reads them, and as SQLite's agree.

A ClickHouse purge has no transaction: it counts what it takes out of each
saved topic (``topic_purged``), writes its marks, names its posts, then
deletes their filings and the posts (mutations of seconds at 1M posts). A
read from the moment the counts were written to the filings' delete counted
the posts twice, in the filings held and in the counts kept; and a purge
killed there (``veille run`` stopped, the machine restarted) left the
topic's volume of the purged days that high until the next start's upkeep
ran the purge again: a topic of 56 posts said 92 (``veille store migrate``
carried those counts beside the posts). The counts a read adds are now
those of purges whose filings are gone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import retention_workspace
from tests.store.test_workspace_purged_figures import DAY_EDGE, _entities
from tests.store.test_workspace_purged_figures import NOW as AT
from tests.store.test_workspace_purged_figures import _posts as many
from tests.test_privacy_topic_backlog import NOW, _posts
from tests.test_privacy_topic_sentiment import _read
from veille.query.topics import add_topic
from veille.services.retention import apply_retention
from veille.workspace import Workspace

pytest.importorskip("chdb")


class Killed(Exception):
    """The process stops here."""


def _after_counts(store: Any, mp: pytest.MonkeyPatch) -> None:
    """Killed once its counts are written and marked, before its deletes."""
    real = store._delete

    def delete(table: str, where: str, params: dict[str, Any]) -> int:
        if table == "topic_filings":
            raise Killed
        return int(real(table, where, params))

    mp.setattr(store, "_delete", delete)


def _after_topic_counts(store: Any, mp: pytest.MonkeyPatch) -> None:
    """Killed once a topic's counts are written, before the hashtags'."""
    from veille.store.clickhouse import privacy

    def stop(*_a: Any) -> None:
        raise Killed

    mp.setattr(privacy, "keep_entity_quarters", stop)


def _after_filings(store: Any, mp: pytest.MonkeyPatch) -> None:
    """Killed once the filings are deleted, before the posts."""
    real = store._delete

    def delete(table: str, where: str, params: dict[str, Any]) -> int:
        if table == "posts":
            raise Killed
        return int(real(table, where, params))

    mp.setattr(store, "_delete", delete)


@pytest.mark.parametrize("stop", [_after_topic_counts, _after_counts, _after_filings])
def test_a_topics_figures_while_a_purge_is_stopped_count_each_post_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: Callable[..., None]
) -> None:
    with Workspace.open(retention_workspace("sqlite", tmp_path / "lite")) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        apply_retention(ws, now=NOW)
        sqlite = _read(ws)
    with Workspace.open(retention_workspace("chdb", tmp_path / "ch")) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        before = _read(ws)  # files the topic's backlog
        assert before[0]["posts"] == 56
        with monkeypatch.context() as mp:
            stop(ws.posts, mp)
            with pytest.raises(Killed):
                apply_retention(ws, now=NOW)
        assert ws.posts.count_posts() > 20  # stopped before the posts' delete
        assert _read(ws) == before
        if stop is not _after_filings:  # still filed: a migration carries no count of them
            assert ws.posts.purged_topic_totals() == []
        # The next start's upkeep runs it again; the next day's too.
        assert apply_retention(ws, now=NOW) is not None
        assert ws.posts.count_posts() == 20
        assert _read(ws) == before == sqlite
        apply_retention(ws, now=NOW + timedelta(days=1))
        assert _read(ws) == sqlite


# Top hashtags and domains of a period from 05:00 on a purged day: its edge
# reads the posts held there and what the purge kept of those it took out
# (entity_purged, per quarter-hour). A read while the purge stood between
# those counts and the posts' delete counted the purged posts' hashtags twice
# ("lumio" held by 109 posts for 100),
# and a purge killed there left them so until the next start ran it again.


def _after_posts(store: Any, mp: pytest.MonkeyPatch) -> None:
    """Killed once the server deleted the posts (it carries a delete to its
    end), before the purge's last marks."""
    real = store._delete

    def delete(table: str, where: str, params: dict[str, Any]) -> int:
        n = int(real(table, where, params))
        if table == "posts":
            raise Killed
        return n

    mp.setattr(store, "_delete", delete)


@pytest.mark.parametrize("stop", [_after_topic_counts, _after_counts, _after_filings, _after_posts])
def test_top_hashtags_while_a_purge_is_stopped_count_each_post_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: Callable[..., None]
) -> None:
    with Workspace.open(retention_workspace("sqlite", tmp_path / "lite")) as ws:
        ws.store.upsert_posts(many())
        apply_retention(ws, now=AT)
        sqlite = _entities(ws, DAY_EDGE)
        apply_retention(ws, now=AT + timedelta(days=1))
        sqlite_next = _entities(ws, DAY_EDGE)
    with Workspace.open(retention_workspace("chdb", tmp_path / "ch")) as ws:
        ws.store.upsert_posts(many())
        before = _entities(ws, DAY_EDGE)
        assert before == sqlite
        with monkeypatch.context() as mp:
            stop(ws.posts, mp)
            with pytest.raises(Killed):
                apply_retention(ws, now=AT)
        if stop is not _after_posts:
            assert ws.posts.count_posts() == 300  # stopped before the posts' delete
            assert _entities(ws, DAY_EDGE) == before
            # Still held: a migration carries no count of them.
            assert ws.posts.purged_entity_quarters() == []
        # The next start's upkeep runs it again; the next day's too.
        assert apply_retention(ws, now=AT) is not None
        assert ws.posts.count_posts() < 300
        assert _entities(ws, DAY_EDGE) == before
        apply_retention(ws, now=AT + timedelta(days=1))
        assert _entities(ws, DAY_EDGE) == sqlite_next
