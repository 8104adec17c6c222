"""The one ingest path: dedupe before enrichment, bounded batches, the stage
registry, one matcher for topics and alerts, bounded near-duplicate lookups."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import make_post
from veille.models import Cursor, Engagement, Post
from veille.pipeline import Stage, build_pipeline
from veille.pipeline.stages import stage_factories
from veille.query.topics import add_topic, edit_topic
from veille.workspace import Workspace


def _posts(n: int, text: str = "Lumio lamp number {i} works fine") -> list[Post]:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    return [
        make_post(str(i), text.format(i=i), published_at=start + timedelta(minutes=i))
        for i in range(n)
    ]


def test_a_post_seen_again_is_not_enriched_again(workspace: Workspace) -> None:
    seen: list[str] = []

    def count(posts: list[Post]) -> list[Post]:
        seen.extend(p.id for p in posts)
        return posts

    pipeline = build_pipeline(workspace, extra=[Stage("count", prepare=count)])
    posts = _posts(3)
    pipeline.ingest(posts)
    assert len(seen) == 3
    seen.clear()
    # Same posts with new counts, and one whose text changed: only that one.
    again = [replace(p, engagement=Engagement(likes=9)) for p in posts]
    again[1] = make_post("1", "Lumio lamp number 1 broke", published_at=posts[1].published_at)
    result = pipeline.ingest(again)
    assert seen == [again[1].id]
    assert sorted(result.updated) == sorted(p.id for p in posts)
    stored = workspace.store.get_post(posts[0].id)
    assert stored is not None and stored.engagement.likes == 9
    assert stored.lang == "en" and stored.sentiment is not None  # enrichment kept


def test_a_long_input_commits_batch_by_batch_and_the_cursor_last(
    workspace: Workspace,
) -> None:
    class Crash(Exception):
        pass

    batches: list[int] = []

    def crash_on_third(tx: object, result: object, last: bool) -> None:
        batches.append(len(batches))
        if len(batches) == 3:
            raise Crash

    pipeline = build_pipeline(workspace, skip=("enrich",))
    pipeline.batch_size = 10
    with pytest.raises(Crash):
        pipeline.ingest(_posts(35), cursor=Cursor("feed:x", {"page": 1}), state=crash_on_third)
    # Two batches committed, the third lost, the cursor not written.
    assert workspace.store.count_posts() == 20
    assert workspace.store.get_cursor("feed:x") is None
    calls: list[bool] = []
    cursor = Cursor("feed:x", {"page": 1})
    result = pipeline.ingest(
        _posts(35), cursor=cursor, state=lambda tx, r, last: calls.append(last)
    )
    assert calls == [False, False, False, True]
    assert result.inserted == 15 and result.unchanged == 20
    assert workspace.store.get_cursor("feed:x") is not None


def test_topic_added_or_edited_after_the_pipeline_was_built_is_filed(
    workspace: Workspace,
) -> None:
    pipeline = build_pipeline(workspace, skip=("enrich",))
    pipeline.ingest([make_post("1", "nothing to see")])
    add_topic(workspace.store, "lamps", "lamp")
    pipeline.ingest([make_post("2", "a lamp"), make_post("3", "a chair")])
    edit_topic(workspace.store, "lamps", "chair")
    pipeline.ingest([make_post("4", "another chair"), make_post("5", "another lamp")])
    filed = {
        r[0]
        for r in workspace.store.conn.execute(
            "SELECT p.id FROM post_topics f JOIN posts p ON p.pk = f.post_pk"
        )
    }
    assert filed == {"mastodon:2", "mastodon:4"}


def test_topics_and_alerts_share_one_match_per_post(workspace: Workspace) -> None:
    from veille.alerts.model import Alert, AlertBook
    from veille.query.matcher import Matcher

    add_topic(workspace.store, "lamps", "lamp")
    AlertBook(workspace.store).add(
        Alert(name="lamps", topic="lamps", channel_url="atom:alerts/lamps.atom")
    )
    calls: list[str] = []
    original = Matcher.match_ids

    def counting(self: Matcher, post: Post) -> list[object]:
        calls.append(post.id if isinstance(post, Post) else post.post.id)
        return original(self, post)

    Matcher.match_ids = counting  # type: ignore[method-assign]
    try:
        build_pipeline(workspace, skip=("enrich",)).ingest([make_post("1", "a lamp")])
    finally:
        Matcher.match_ids = original  # type: ignore[method-assign]
    assert calls == ["mastodon:1"]
    queued = workspace.store.conn.execute("SELECT count(*) FROM deliveries").fetchone()[0]
    filed = workspace.store.conn.execute("SELECT count(*) FROM post_topics").fetchone()[0]
    assert (queued, filed) == (1, 1)


def test_builtin_stages_are_registered_and_a_plugin_runs(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert list(stage_factories())[:4] == ["enrich", "terms", "match", "alerts"]
    # A third-party package, installed the way pip would (dist-info with an entry point).
    site = tmp_path / "site"
    (site / "shout_stage").mkdir(parents=True)
    (site / "shout_stage" / "__init__.py").write_text(
        "from dataclasses import replace\n"
        "from veille.pipeline import Stage\n"
        "def shout(context):\n"
        "    loud = lambda posts: [replace(p, title='LOUD') for p in posts]\n"
        "    return Stage('shout', prepare=loud)\n"
    )
    info = site / "shout_stage-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-stage\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[veille.stages]\nshout = shout_stage:shout\n")
    monkeypatch.syspath_prepend(str(site))
    assert "shout" in stage_factories()
    build_pipeline(workspace, skip=("enrich",)).ingest([make_post("1", "hello")])
    stored = workspace.store.get_post("mastodon:1")
    assert stored is not None and stored.title == "LOUD"
    # Skipped by name, like the built-ins.
    build_pipeline(workspace, skip=("enrich", "shout")).ingest([make_post("2", "hello")])
    assert workspace.store.get_post("mastodon:2").title is None  # type: ignore[union-attr]
    sys.modules.pop("shout_stage", None)


def test_near_duplicate_lookup_reads_a_bounded_number_of_representatives(
    workspace: Workspace,
) -> None:
    from veille.enrich.clusters import Clusterer

    # Templated bulletins: alike (they share band buckets) but below the threshold.
    posts = [
        make_post(
            str(i),
            f"Traffic bulletin {i}: road {i % 7} closed near exit {i % 11} until {i % 13} "
            f"hours, detour via {i * 31 % 97} and {i * 17 % 89}",
            published_at=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(seconds=i),
        )
        for i in range(300)
    ]
    build_pipeline(workspace).ingest(posts)
    clusterer = Clusterer(per_band=4)
    sig = clusterer.signature(posts[-1])
    with workspace.store.transaction() as tx:
        found = tx.duplicate_candidates(clusterer.band_keys(sig), per_band=clusterer.per_band)
    assert len(found) <= clusterer.per_band * clusterer.bands
    crowded = workspace.store.conn.execute(
        "SELECT max(n) FROM (SELECT count(*) n FROM minhash_bands GROUP BY band_key)"
    ).fetchone()[0]
    assert crowded > clusterer.per_band  # the buckets really are crowded


def test_copies_still_join_their_story(workspace: Workspace) -> None:
    story = (
        "Lumio announces a recall of its X2 phone after reports of overheating batteries "
        "in several European countries, the company said on Tuesday"
    )
    pipeline = build_pipeline(workspace)
    pipeline.ingest([make_post("1", story)])
    pipeline.ingest([make_post("2", story + " (update)"), make_post("3", "unrelated words here")])
    one, two = workspace.store.get_posts(["mastodon:1", "mastodon:2"])
    assert two.cluster_id == one.id
