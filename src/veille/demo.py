"""The demo workspace: the simulator's platforms collected by the real
connectors through the real pipeline, then a tour."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from veille.sim import BRAND
from veille.workspace import Workspace, init_workspace

# Simulated hosts whose firehose feed the demo follows, and the platform of their posts.
DEMO_FEEDS = {
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "reddit": "reddit",
    "youtube": "youtube",
    "wordpress": "wordpress",
    "news": "rss",
}


def collect_from_simulator(ws: Workspace, *, seed: int, days: int, end: datetime) -> int:
    """Start the simulator in-process, point sources at it, collect every one of
    them through the real connectors, and return the number of new posts.

    The demo's sources are disabled afterwards: the simulator stops with the demo.
    """
    from veille.http import HttpClient
    from veille.pipeline.collect import collect
    from veille.sim.runner import start_simulator
    from veille.sources.manage import add_source, list_sources, remove_source, set_enabled

    sim = start_simulator(seed=seed, days=days, now=end, future_days=0)
    try:
        names = []
        existing = {r.name for r in list_sources(ws.store)}
        for host, platform in DEMO_FEEDS.items():
            if host not in sim.hosts:
                continue
            name = f"demo-{host}"
            if name in existing:
                remove_source(ws.store, name)  # the simulator's port changes every run
            add_source(
                ws.store,
                "feeds",
                sim.url(host, "/feeds/all.atom"),
                name=name,
                options={"platform": platform, "max_pages": "1000"},
            )
            names.append(name)
        # The simulator lives on loopback: this client (only) may reach it.
        settings = replace(ws.settings.http, allow_private_networks=True)
        with HttpClient(settings) as http:
            results = collect(ws, names=names, http=http)
        for name in names:
            set_enabled(ws.store, name, False)
    finally:
        sim.stop()
    return sum(r.new_posts for r in results)


def build_demo(directory: str | Path, *, seed: int, days: int, end: datetime) -> list[str]:
    """Create (or refresh) the demo workspace and return a tour of it, line by line."""
    root = init_workspace(directory)
    lines = [f"Demo workspace: [bold]{root}[/]"]
    with Workspace.open(root) as ws:
        new = collect_from_simulator(ws, seed=seed, days=days, end=end)
        st = ws.store.stats(timezone=ws.settings.workspace.timezone)
        lines.append(f"{new} new posts stored; {st.total} in all, over {len(st.by_day)} days.")
        lines.append("By platform: " + ", ".join(f"{c.key} {c.count}" for c in st.by_platform))
        lines.append("By language: " + ", ".join(f"{c.key} {c.count}" for c in st.by_language))
        peak = max(st.by_day, key=lambda c: c.count) if st.by_day else None
        if peak:
            lines.append(f"Busiest day: {peak.key} ({peak.count} posts: an outage at {BRAND}).")
        sample = ws.store.search_text("panne", limit=3)
        lines.append('Latest posts with "panne" (outage):')
        lines.extend(
            f"  {p.published_at:%Y-%m-%d %H:%M} {p.platform:9} {p.text[:90]}" for p in sample
        )
    lines.append("")
    lines.append("Try:")
    lines.append("  veille --help")
    lines.append(f"  veille stats --workspace {directory}")
    lines.append(f'  veille search "{BRAND.lower()} fibre" --workspace {directory}')
    return lines
