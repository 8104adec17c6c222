"""Two retention purges of the same day, with a post published before the
cutoff stored between them (a feed added that day brought items months old,
an import of an archive; since posts older than the cutoff are left out at
ingest, only a veille of before that change, or one whose retention was
set after the post came, stores such a post): the second purge deletes it. On SQLite the topic
kept counting it (its rollup keeps what a purge deletes); on chDB the
topic's purged figures were taken only from where the last purge stopped,
so the post left the topic's volume, sentiment, engagement and reach
(though not the workspace's figures), and the two backends disagreed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post, retention_workspace
from tests.test_privacy_topic_backlog import NOW, PERIOD, _card, _posts
from veille.analytics.scope import Scope
from veille.analytics.tops import headline
from veille.models import Author, Engagement, Sentiment
from veille.pipeline import build_pipeline
from veille.query.topics import add_topic
from veille.services.retention import apply_retention
from veille.workspace import Workspace


def _late_post() -> Any:
    post = make_post(
        "late",
        "Lumio lamp, from an old feed",
        author=Author("fan9", followers=70),
        engagement=Engagement(likes=5),
        published_at=NOW - timedelta(days=13, hours=2),
    )
    return replace(post, sentiment=Sentiment("negative", 0.5, 0.9))


def _after_two_purges(kind: str, root: Path) -> tuple[dict[str, Any], dict[str, Any], int]:
    with Workspace.open(retention_workspace(kind, root)) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        _card(ws)
        assert apply_retention(ws, now=NOW) is not None
        # Stored by an ingest that did not leave it out (a release before
        # posts older than the cutoff were refused at ingest).
        pipeline = build_pipeline(ws, skip=("enrich",))
        pipeline.retention = None
        # (No purge deleted it: its posts store and ClickHouse's filing take
        # it, as they did before s48-h2 and s48-h16 and do again since s50.)
        pipeline.ingest([_late_post()])
        seen = _card(ws)
        assert seen["figures"]["posts"][0] == 57
        # The hourly upkeep, an hour later: the same day's cutoff.
        report = apply_retention(ws, now=NOW + timedelta(hours=1))
        assert report is not None and report.posts == 1
        total = headline(ws.store, Scope(), PERIOD)["posts"].value
        return seen, _card(ws), int(total)


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_post_stored_between_two_purges_of_a_day_stays_in_its_topic(
    kind: str, tmp_path: Path
) -> None:
    seen, after, total = _after_two_purges(kind, tmp_path / kind)
    assert total == 58  # the workspace counts it (and the kettle post)

    def kept(card: dict[str, Any]) -> dict[str, Any]:
        """What a purge keeps of a topic (docs/reliability.md): not its
        authors (they name people) nor its platforms."""
        figures = {k: card["figures"][k] for k in ("posts", "engagement", "reach")}
        return {"per_day": card["per_day"], "sentiment": card["sentiment"], **figures}

    # chDB said 56 posts, engagement 55, reach 15,400, (14, 14, 14).
    assert kept(after) == kept(seen)
    assert kept(seen)["posts"][0] == 57 and kept(seen)["sentiment"] == (14, 15, 14)
