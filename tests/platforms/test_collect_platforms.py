"""Every platform connector through the real collection pipeline: sources added
as a user would, collected from the simulator into a workspace, resumed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from veille.pipeline.collect import collect
from veille.services.sources import add_source
from veille.sim.bluesky import JetstreamServer
from veille.sim.platform_demo import demo_sources
from veille.sim.server import Simulator, default_specs
from veille.sources import registry
from veille.workspace import Workspace, init_workspace

PLATFORM_KINDS = ("mastodon", "bluesky", "jetstream", "reddit", "hackernews", "youtube",
                  "wordpress", "x", "facebook", "linkedin")  # fmt: skip


def test_every_platform_kind_is_registered_with_help() -> None:
    kinds = registry()
    for kind in PLATFORM_KINDS:
        assert kind in kinds, kind
        assert kinds[kind].target_help


@pytest.mark.slow
def test_collect_every_platform_into_a_workspace_and_resume(tmp_path, world, http) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace.open(init_workspace(tmp_path / "ws"))
    # Jetstream hangs up once caught up, so each collection reads the whole
    # replay however slow the machine (its idle limit only a safety net).
    with Simulator(world, default_specs()) as sim, JetstreamServer(world, hang_up=True) as jet:
        for kind, target, options in demo_sources(sim, jet.url):
            if kind == "jetstream":
                options = {**options, "idle": "30"}
            add_source(ws.store, kind, target, name=kind, options=options)
        first = {r.source: r for r in collect(ws, force=True, http=http)}
        for kind in PLATFORM_KINDS:
            result = first[kind]
            assert result.ok, (kind, result.error)
            assert result.new_posts > 0, kind
            assert result.quarantined == 0, kind
        stored = ws.store.count_posts()
        assert stored == sum(r.new_posts for r in first.values())

        # Nothing new: a second pass stores nothing twice.
        again = collect(ws, force=True, http=http)
        assert all(r.ok for r in again), [(r.source, r.error) for r in again if not r.ok]
        assert sum(r.new_posts for r in again) == 0
        assert ws.store.count_posts() == stored

        world.clock.advance(timedelta(hours=18))
        later = {r.source: r for r in collect(ws, force=True, http=http)}
        assert all(r.ok for r in later.values())
        for kind in ("mastodon", "jetstream", "hackernews", "x", "facebook", "linkedin"):
            assert later[kind].new_posts > 0, kind
    ws.close()


@pytest.mark.parametrize("kind", PLATFORM_KINDS)
def test_an_item_that_cannot_be_read_is_quarantined_with_a_reason(kind: str) -> None:
    from datetime import UTC, datetime

    from veille.pipeline.collect import map_items

    source = registry()[kind]
    config = source.Config.__new__(source.Config)  # mapping must not need the config's values
    broken = [{}, {"id": "1", "kind": "t3", "post": 3, "commit": {}, "data": None}]
    posts, failed = map_items(source, config, kind, broken, datetime.now(UTC))
    assert posts == []
    assert len(failed) == 2
    for error, raw in failed:
        assert error.startswith("this ") and raw in broken
