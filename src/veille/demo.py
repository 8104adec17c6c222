"""The demo workspace: generated posts through the real pipeline, then a tour."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from veille.pipeline import build_pipeline
from veille.sim import BRAND, SimConfig, generate_posts
from veille.workspace import Workspace, init_workspace


def build_demo(directory: str | Path, *, seed: int, days: int, end: datetime) -> list[str]:
    """Create (or refresh) the demo workspace and return a tour of it, line by line."""
    root = init_workspace(directory)
    lines = [f"Demo workspace: [bold]{root}[/]"]
    with Workspace.open(root) as ws:
        pipeline = build_pipeline(ws)
        cfg = SimConfig(seed=seed, days=days, end=end, spike_day=days - 15)
        batch = []
        new = 0
        for post in generate_posts(cfg):
            batch.append(post)
            if len(batch) >= 2000:
                new += pipeline.ingest(batch).inserted
                batch = []
        if batch:
            new += pipeline.ingest(batch).inserted
        st = ws.store.stats(timezone=ws.settings.workspace.timezone)
        lines.append(f"{new} new posts stored; {st.total} in all, over {len(st.by_day)} days.")
        lines.append(
            "By platform: " + ", ".join(f"{c.key} {c.count}" for c in st.by_platform)
        )
        lines.append("By language: " + ", ".join(f"{c.key} {c.count}" for c in st.by_language))
        peak = max(st.by_day, key=lambda c: c.count) if st.by_day else None
        if peak:
            lines.append(f"Busiest day: {peak.key} ({peak.count} posts: an outage at {BRAND}).")
        sample = ws.store.search_text("panne", limit=3)
        lines.append('Latest posts with "panne" (outage):')
        lines.extend(f"  {p.published_at:%Y-%m-%d %H:%M} {p.platform:9} {p.text[:90]}" for p in sample)
    lines.append("")
    lines.append("Try:")
    lines.append(f"  veille --help")
    lines.append(f"  veille stats --workspace {directory}")
    lines.append(f'  veille search "{BRAND.lower()} fibre" --workspace {directory}')
    return lines
