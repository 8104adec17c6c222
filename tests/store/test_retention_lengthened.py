"""Retention made longer after a purge, on every layout: SQLite; posts in
chDB, served over ``veille+http``, or in a SQLite file beside PostgreSQL
state; chDB beside PostgreSQL.

A workspace kept posts 10 days and purged; the team then keeps 30 days and
imports an archive of posts 15 to 18 days old. Until 2026-12-06 the ingest
path left out every post published before the largest cutoff a purge had
ever reached: the archive was dropped as "past retention" until the new
cutoff passed the old one, 20 days later. The posts within the current
retention are now stored and counted once; a post the purge deleted (and
counted in the aggregates it kept) that comes in again is still left out,
so nothing counts twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import chdb_postgres_workspace, retention_workspace
from tests.store.test_retention_ingest_race import _layout
from tests.store.test_retention_late_posts import OLD, RECENT, _figures, _post
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.services.retention import apply_retention
from veille.workspace import Workspace

ARCHIVE = [_post("arch1", 15, 6), _post("arch2", 18, 2)]


def _keep_30_days(root: Path) -> None:
    toml = root / "veille.toml"
    text = toml.read_text(encoding="utf-8")
    assert "retention_days = 10" in text
    toml.write_text(text.replace("retention_days = 10", "retention_days = 30"), encoding="utf-8")


@contextmanager
def _workspace(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Path, Callable[[Workspace], dict[str, Any]]]]:
    if kind == "chdb+postgresql":
        from tests.conftest import keep_posts_days

        yield keep_posts_days(chdb_postgres_workspace(tmp_path / "ws", request, tmp_path)), _figures
    else:
        with _layout(kind, tmp_path, request) as found:
            yield found


def _volumes(figures: dict[str, Any]) -> tuple[int, ...]:
    return tuple(f["volume"] for f in figures.values()) if "all" in figures else (
        figures["volume"],
    )  # fmt: skip


@pytest.mark.parametrize(
    "kind", ["sqlite", "chdb", "veille+http", "sqlite+postgresql", "chdb+postgresql"]
)
def test_posts_within_a_lengthened_retention_are_stored_and_counted_once(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with _workspace(kind, tmp_path, request) as (root, figures):
        with Workspace.open(root) as ws:
            ws.store.upsert_posts([*OLD, *RECENT])  # (collected while fresh)
            add_topic(ws.store, "lumio", "lumio")
            report = apply_retention(ws)  # keeps 10 days: OLD (20, 25 days) go
            assert report is not None and report.posts == 2
            before = figures(ws)
            assert set(_volumes(before)) == {4}
        _keep_30_days(root)
        with Workspace.open(root) as ws:
            # The archive (15 and 18 days old), with the purged posts in it.
            got = build_pipeline(ws).ingest([*ARCHIVE, *OLD])
            assert sorted(p.id for p in got.new) == sorted(p.id for p in ARCHIVE)
            assert sorted(got.expired) == sorted(p.id for p in OLD)
            assert ws.posts.count_posts() == 4
            after = figures(ws)
            # Two more posts in the figures (the topic's too), not four.
            assert set(_volumes(after)) == {6}
            # A purge at the new cutoff deletes nothing and changes nothing.
            apply_retention(ws, now=datetime.now(UTC) + timedelta(hours=1))
            assert figures(ws) == after and ws.posts.count_posts() == 4
            # Collected again, the archive is unchanged, still counted once.
            again = build_pipeline(ws).ingest(ARCHIVE)
            assert not again.new and not again.expired
            assert figures(ws) == after


def _as_before_the_names(kind: str, ws: Workspace) -> None:
    """Leave ``ws``'s posts store as a purge of the release before left it:
    no post named, its schema the one before (SQLite 0700, ClickHouse 16)."""
    store = ws.posts
    if kind == "sqlite":
        with store.transaction():
            store.conn.execute("DELETE FROM forgotten WHERE kind LIKE 'purged%'")
            store.conn.execute("DELETE FROM schema_migrations WHERE number = 710")
        store.conn.execute("PRAGMA user_version = 700")
    else:
        store.client.command(
            "ALTER TABLE forgotten DELETE WHERE startsWith(kind, 'purged') "
            "SETTINGS mutations_sync = 2"
        )
        store.write_row("veille_meta", {"key": "schema", "value": "16"})


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_purges_made_before_the_names_keep_their_cutoff(kind: str, tmp_path: Path) -> None:
    """A store purged by the release before (SQLite migration 0700,
    ClickHouse schema 16), whose purges named no post, upgraded: the posts
    published before the last cutoff they reached stay left out, since
    those they deleted cannot be told from the others (nothing counts
    twice); a purge made after the upgrade names its posts, and a post
    older than its cutoff that it did not delete is stored."""
    root = retention_workspace(kind, tmp_path / "ws")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([*OLD, *RECENT])
        add_topic(ws.store, "lumio", "lumio")
        assert apply_retention(ws) is not None
        _as_before_the_names(kind, ws)
    _keep_30_days(root)
    with Workspace.open(root) as ws:  # (upgraded on open)
        before = _figures(ws)
        got = build_pipeline(ws).ingest([*ARCHIVE, *OLD])
        assert sorted(got.expired) == sorted(p.id for p in [*ARCHIVE, *OLD])
        assert not got.new and ws.posts.count_posts() == 2
        assert _figures(ws) == before
        # Posts newer than that cutoff: named by the purges from now on.
        week = [_post("mid1", 7, 3)]
        assert [p.id for p in build_pipeline(ws).ingest(week).new] == [week[0].id]
        later = datetime.now(UTC) + timedelta(days=25)
        assert apply_retention(ws, now=later) is not None  # keeps 30 days: mid1 goes
        assert ws.posts.count_posts() == 2  # (RECENT)
        again = build_pipeline(ws).ingest(week)
        assert again.expired == [week[0].id] and not again.new
