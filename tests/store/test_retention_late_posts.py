"""Posts older than the retention cutoff that arrive after a purge, on
SQLite and on ClickHouse (chDB). A purge deletes the posts before its cutoff
and keeps what they counted in the aggregates (volume per day, headline,
hashtags and domains, a saved topic's figures). A post it deleted that
comes in again (a feed that still lists it, a backfill, ``veille import`` of
an old export) was stored again and counted a second time; a post older
than the cutoff seen for the first time after the purge was stored and
counted, then purged at the next one. Such a post is no longer stored: the
ingest path leaves it out, and says so (``expired``), so the aggregates
count each post once and nobody wonders where it went."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post, retention_workspace
from veille.analytics.scope import Period, Scope
from veille.analytics.topics import topic_scope
from veille.analytics.tops import headline, top_entities
from veille.analytics.volume import volume
from veille.models import Author, Engagement, Post
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.services.retention import apply_retention
from veille.workspace import Workspace

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
PERIOD = Period(NOW - timedelta(days=40), NOW + timedelta(hours=1))


def _post(native_id: str, days: int, likes: int) -> Post:
    return make_post(
        native_id,
        f"Lumio lamp {native_id} #lumio https://lumio.example/{native_id}",
        author=Author("claire", followers=50),
        engagement=Engagement(likes=likes),
        published_at=NOW - timedelta(days=days, hours=3),
        hashtags=("lumio",),
        links=(f"https://lumio.example/{native_id}",),
    )


OLD = [_post("old1", 20, 3), _post("old2", 25, 4)]  # purged by the first purge
RECENT = [_post("new1", 2, 5), _post("new2", 3, 1)]


def _figures(ws: Workspace) -> dict[str, Any]:
    """What the dashboard reads of the whole workspace and of topic lumio."""
    out: dict[str, Any] = {}
    for name, scope in (("all", Scope()), ("topic", topic_scope(ws.store, "lumio"))):
        found = headline(ws.store, scope, PERIOD)
        # (A topic's stories in a ClickHouse store count the posts held only.)
        skip = ("stories",) if name == "topic" else ()
        out[name] = {
            "headline": {k: (f.value, f.posts) for k, f in found.items() if k not in skip},
            "volume": volume(ws.store, scope, PERIOD).total,
        }
    # (A topic's top hashtags read the posts held: a purge's are not kept.)
    for kind in ("hashtags", "domains"):
        tops = top_entities(ws.store, Scope(), PERIOD, kind)
        out["all"][kind] = [(e.value, e.posts, e.engagement) for e in tops]
    return out


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_purged_post_collected_again_is_counted_once(kind: str, tmp_path: Path) -> None:
    with Workspace.open(retention_workspace(kind, tmp_path / "ws")) as ws:
        ws.store.upsert_posts([*OLD, *RECENT])  # (collected while fresh)
        add_topic(ws.store, "lumio", "lumio")
        before = _figures(ws)
        assert before["all"]["volume"] == before["topic"]["volume"] == 4
        purged = apply_retention(ws)
        assert purged is not None and purged.posts == 2
        assert _figures(ws) == before
        # The feed still lists them: collected again.
        again = build_pipeline(ws).ingest(OLD)
        assert _figures(ws) == before  # (6 posts, engagement 20: counted twice)
        assert ws.posts.count_posts() == 2
        assert sorted(again.expired) == sorted(p.id for p in OLD)
        assert not again.new and not again.updated
        # The next purge finds nothing more to delete; the figures hold.
        apply_retention(ws, now=datetime.now(UTC) + timedelta(hours=1))
        assert _figures(ws) == before


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_late_old_post_is_not_stored(kind: str, tmp_path: Path) -> None:
    """Published before the last cutoff, first seen after the purge (a
    backfill): not stored, said, and every figure, the topic's too, stays
    what the purge kept through the next purge."""
    late = _post("late", 15, 7)
    with Workspace.open(retention_workspace(kind, tmp_path / "ws")) as ws:
        ws.store.upsert_posts([*OLD, *RECENT])  # (collected while fresh)
        add_topic(ws.store, "lumio", "lumio")
        assert apply_retention(ws) is not None
        after = _figures(ws)
        got = build_pipeline(ws).ingest([late, _post("new3", 1, 2)])
        with_new = _figures(ws)
        assert with_new["topic"]["volume"] == after["topic"]["volume"] + 1
        assert ws.posts.count_posts() == 3
        # The next purge: ClickHouse's topic lost the late post it had counted.
        apply_retention(ws, now=datetime.now(UTC) + timedelta(hours=1))
        assert _figures(ws) == with_new
        assert got.expired == [late.id] and [p.id for p in got.new] == [_post("new3", 1, 2).id]


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_purged_post_is_not_stored_again_where_no_retention_is_set(
    kind: str, tmp_path: Path
) -> None:
    """A collector whose veille.toml sets no ``retention_days`` (docs/deploy.md's
    ``veille+http`` collector: a ``[store]`` section alone) over the state
    where a purge is logged, or a workspace whose retention was turned off
    after a purge: the posts that purge deleted were stored again, counted
    a second time beside the aggregates it kept. Its cutoff holds, as it
    does where the retention was made longer."""
    root = retention_workspace(kind, tmp_path / "ws")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([*OLD, *RECENT])
        add_topic(ws.store, "lumio", "lumio")
        assert apply_retention(ws) is not None
        before = _figures(ws)
    toml = root / "veille.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("retention_days = 10", "retention_days = 0"),
        encoding="utf-8",
    )
    with Workspace.open(root) as ws:
        assert not ws.settings.privacy.retention_days
        again = build_pipeline(ws).ingest([*OLD, _post("new3", 1, 2)])
        assert sorted(again.expired) == sorted(p.id for p in OLD)
        assert ws.posts.count_posts() == 3
        after = _figures(ws)
        assert after["all"]["volume"] == before["all"]["volume"] + 1  # new3 only
