"""How long a retention purge remembers the posts it deleted, on SQLite,
chDB and a chDB store served over ``veille+http``.

Since 2026-12-06 a purge names each post it deletes (a hash of its id, kind
``purged``), so that one written again is not counted twice beside the
aggregates the purge kept, and so that lengthening the retention lets an
archive within it in. The names were kept for good: 55 bytes a purged post
in SQLite, 37 in chDB, about 20 GB a year for a workspace purging a million
posts a day. A name is now kept as long as its post was (the retention
period): older names go at the purge, and every post published before them
is left out as it was before names (``expired``), so nothing counts twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.store.test_retention_ingest_race import _layout
from tests.store.test_retention_late_posts import RECENT, _post
from tests.store.test_retention_lengthened import _keep_30_days, _volumes
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.services.retention import _day_start, apply_retention
from veille.store.protocols.privacy import PURGED, PURGED_UNNAMED, post_key
from veille.workspace import Workspace

NAMED = _post("named", 13, 2)  # purged within a retention period of the cutoff
UNNAMED = _post("unnamed", 26, 5)  # purged over one before it


def _names(ws: Workspace) -> tuple[set[str], int | None]:
    """The posts the store names as purged, and the moment before which it
    names none (every post published before it is left out)."""
    records = ws.posts.forgotten_records()
    names = {key for kind, key, _at in records if kind == PURGED}
    ats = [at for kind, _key, at in records if kind == PURGED_UNNAMED]
    return names, max(ats) if ats else None


@pytest.mark.parametrize("kind", ["sqlite", "chdb", "veille+http"])
def test_a_purged_posts_name_is_kept_as_long_as_the_post_was(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    now = datetime.now(UTC)
    with _layout(kind, tmp_path, request) as (root, figures), Workspace.open(root) as ws:
        ws.store.upsert_posts([NAMED, UNNAMED, *RECENT])  # (collected while fresh)
        add_topic(ws.store, "lumio", "lumio")
        report = apply_retention(ws, now=now)  # keeps 10 days
        assert report is not None and report.posts == 2
        # Named: the post 13 days old; not the one 26 days old, older
        # than the cutoff less the retention period (20 days).
        horizon = _day_start(now - timedelta(days=10)) - timedelta(days=10)
        assert _names(ws) == ({post_key(NAMED.id)}, int(horizon.timestamp()))
        # What the monitors read: no post purged was published after it.
        assert ws.posts.purged_until() == NAMED.published_at + timedelta(seconds=1)
        before = figures(ws)
        # Both come in again: neither is stored nor counted twice.
        again = build_pipeline(ws).ingest([NAMED, UNNAMED])
        assert sorted(again.expired) == sorted([NAMED.id, UNNAMED.id]) and not again.new
        # Nor written by a process that reads no retention (the store's own check).
        assert sorted(ws.posts.upsert_posts([NAMED, UNNAMED]).expired) == sorted(
            [NAMED.id, UNNAMED.id]
        )
        assert figures(ws) == before
        # A post written since (an import), published just after the names
        # begin: stored. The next day's purge, which leaves the names'
        # start where it is (it moves every few days), deletes and names it.
        late = replace(_post("late", 0, 1), published_at=horizon + timedelta(hours=12))
        assert ws.posts.upsert_posts([late]).expired == []
        assert apply_retention(ws, now=now + timedelta(days=1)) is not None
        assert _names(ws) == ({post_key(NAMED.id), post_key(late.id)}, int(horizon.timestamp()))
        assert ws.posts.upsert_posts([late]).expired == [late.id]
        # Fifteen days on: the name of the post 13 days old then (28
        # now) goes; those of the posts that purge deletes are kept.
        later = now + timedelta(days=15)
        assert apply_retention(ws, now=later) is not None
        names, since = _names(ws)
        assert names == {post_key(p.id) for p in RECENT}
        assert since == int(horizon.timestamp()) + 15 * 86400
        # It is still left out, as older than the names.
        assert ws.posts.upsert_posts([NAMED]).expired == [NAMED.id]
        assert ws.posts.count_posts() == 0


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_an_archive_older_than_the_names_is_left_out_when_retention_is_lengthened(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """What the bound costs: retention made longer than twice what it was
    lets an archive in back to the oldest name (the old cutoff less the old
    retention period), not further. The posts before stay left out, as
    before 2026-12-06: they cannot be told from the purged ones."""
    with _layout(kind, tmp_path, request) as (root, figures):
        with Workspace.open(root) as ws:
            ws.store.upsert_posts([NAMED, *RECENT])
            add_topic(ws.store, "lumio", "lumio")
            assert apply_retention(ws) is not None  # keeps 10 days: NAMED goes
            assert set(_volumes(figures(ws))) == {3}
        _keep_30_days(root)
        with Workspace.open(root) as ws:
            within, older = _post("arch15", 15, 1), _post("arch24", 24, 1)
            got = build_pipeline(ws).ingest([within, older, NAMED])
            assert [p.id for p in got.new] == [within.id]
            assert sorted(got.expired) == sorted([older.id, NAMED.id])
            after: dict[str, Any] = figures(ws)
            assert set(_volumes(after)) == {4}
