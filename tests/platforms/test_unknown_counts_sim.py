"""Engagement a platform never gives is unknown, not zero, as collected from
the simulator: a WordPress site gives no like, share or reply count (veille
stores 0), a Mastodon instance gives them. The platform table said "0" of
the site; it now says unknown (``None``), and the headline's engagement says
which posts it covers. A Mastodon status nobody liked, boosted or answered
reads 0 (it read unknown as the site's posts did, before each post recorded
whether its platform gave counts)."""

from __future__ import annotations

from datetime import timedelta

from veille.analytics import tops
from veille.analytics.scope import Period, Scope
from veille.analytics.volume import breakdown
from veille.pipeline.collect import collect
from veille.services.sources import add_source
from veille.sim.platform_demo import demo_sources
from veille.sim.server import Simulator, default_specs
from veille.workspace import Workspace, init_workspace

from .conftest import END


def test_a_site_without_counts_reads_unknown_beside_mastodon(tmp_path, world, http) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace.open(init_workspace(tmp_path / "ws"))
    try:
        with Simulator(world, default_specs()) as sim:
            for kind, target, options in demo_sources(sim, "ws://127.0.0.1:9"):
                if kind in ("mastodon", "wordpress"):
                    add_source(ws.store, kind, target, name=kind, options=options)
            results = collect(ws, force=True, http=http)
        assert all(r.ok and r.new_posts for r in results), results
        period = Period(END - timedelta(days=10), END)
        rows = {s.key: s for s in breakdown(ws.store, Scope(), period, "platform")}
        assert rows["wordpress"].posts > 0 and rows["wordpress"].engagement is None
        assert rows["mastodon"].engagement and rows["mastodon"].engagement > 0
        head = tops.headline(ws.store, Scope(), period)["engagement"]
        assert head.value == rows["mastodon"].engagement
        assert (head.covered, head.posts) == (
            rows["mastodon"].posts,
            rows["mastodon"].posts + rows["wordpress"].posts,
        )
        assert head.partial
    finally:
        ws.close()


def test_a_mastodon_status_without_interactions_reads_0(tmp_path, world, http) -> None:  # type: ignore[no-untyped-def]
    from veille.analytics.scope import Scope as Plain
    from veille.store.base import PostFilter

    ws = Workspace.open(init_workspace(tmp_path / "ws"))
    try:
        with Simulator(world, default_specs()) as sim:
            for kind, target, options in demo_sources(sim, "ws://127.0.0.1:9"):
                if kind in ("mastodon", "wordpress"):
                    add_source(ws.store, kind, target, name=kind, options=options)
            collect(ws, force=True, http=http)
        stored = list(ws.store.iter_posts(PostFilter(platforms=("mastodon", "wordpress"))))
        quiet = [p for p in stored if p.platform == "mastodon" and p.engagement.total == 0]
        assert quiet, "the simulated instance has statuses nobody interacted with"
        # The second of a quiet status alone: 0, not unknown.
        second = Period(quiet[0].published_at, quiet[0].published_at + timedelta(seconds=1))
        rows = {s.key: s for s in breakdown(ws.store, Plain(), second, "platform")}
        mine = [p for p in stored if p.platform == "mastodon" and p.published_at == second.since]
        assert rows["mastodon"].engagement == sum(p.engagement.total for p in mine) == 0
        assert all(p.engagement.known == 0 for p in quiet)
        assert all(p.engagement.known is None for p in stored if p.platform == "wordpress")
    finally:
        ws.close()
