"""The demo workspace: the simulator's platforms collected by the real
connectors through the real pipeline, then a tour."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from veille.errors import Count, Text, tr, trn
from veille.sim import BRAND
from veille.sim.feeds import FEED_PLATFORMS
from veille.workspace import Workspace, init_workspace

#: Who the audit log says set the demo world up.
DEMO = "veille demo"


def collect_from_simulator(
    ws: Workspace, *, seed: int, days: int, end: datetime, max_workers: int = 8
) -> int:
    """Start the simulator in-process, point sources at it, collect every one of
    them through the real connectors, and return the number of new posts.

    The demo's sources are disabled afterwards: the simulator stops with the demo.
    ``max_workers=1`` collects one source after another, so that two
    workspaces collected from the same seed store the same posts in the same
    order (the same story clusters).
    """
    from veille.http import HttpClient
    from veille.pipeline.collect import collect
    from veille.services.sources import add_source, list_sources, remove_source, set_enabled
    from veille.sim.platform_demo import demo_sources
    from veille.sim.runner import start_simulator

    sim = start_simulator(seed=seed, days=days, now=end, future_days=0)
    try:
        wanted: list[tuple[str, str, str, dict[str, str]]] = [
            (f"demo-{host}", "feeds", sim.url(host, "/feeds/all.atom"),
             {"platform": platform, "max_pages": "1000"})
            # Every simulated host with a firehose feed, and the platform of its posts.
            for host, platform in FEED_PLATFORMS.items()
            if host in sim.hosts
        ]  # fmt: skip
        # Platforms without a feed come in through their APIs. (The simulator
        # gives a post different permalinks in a feed and in an API, so one
        # platform is read one way only, or its posts would be stored twice.)
        wanted += [
            (f"demo-api-{kind}", kind, target, options)
            for kind, target, options in demo_sources(sim)
            if kind not in FEED_PLATFORMS
        ]
        existing = {r.name for r in list_sources(ws.state)}
        names = []
        for name, kind, target, options in wanted:
            if name in existing:
                remove_source(ws.state, name, actor=DEMO)  # the simulator's port changes every run
            add_source(ws.state, kind, target, name=name, options=options, actor=DEMO)
            names.append(name)
        # The simulator lives on loopback: this client (only) may reach it.
        settings = replace(ws.settings.http, allow_private_networks=True)
        with HttpClient(settings) as http:
            results = collect(ws, names=names, http=http, max_workers=max_workers)
            # Today's snapshot of Lumio's own pages (followers), while the simulator answers.
            from veille.plan.accounts import snapshot_accounts

            snapshot_accounts(ws, http=http)
        for name in names:
            set_enabled(ws.state, name, False, actor=DEMO)
    finally:
        sim.stop()
    return sum(r.new_posts for r in results)


# The demo's topics: the brand, its competitors and the sector.
DEMO_TOPICS = {
    "lumio": "lumio OR #lumiodown",
    "vexa": "vexa",
    "orbita": "orbita",
    "secteur": "(internet OR fibre OR 5G OR broadband OR telecom OR télécom) -lumio -vexa -orbita",
}


def add_demo_topics_and_alert(ws: Workspace) -> list[str]:
    """Topics for the brand, its competitors and the sector, and an Atom alert
    on the brand (written to ``alerts/lumio.atom`` in the workspace)."""
    from veille.alerts.model import Alert, AlertBook
    from veille.query.topics import add_topic, list_topics

    have = {t.name for t in list_topics(ws.state)}
    for name, query in DEMO_TOPICS.items():
        if name not in have:
            add_topic(ws.state, name, query, actor=DEMO)
    book = AlertBook(ws.state)
    if "lumio-feed" not in {a.name for a in book.all()}:
        feed = ws.root / "alerts" / "lumio.atom"
        feed.parent.mkdir(exist_ok=True)
        book.add(Alert(name="lumio-feed", channel_url=f"atom:{feed}", topic="lumio"))
    return list(DEMO_TOPICS)


def demo_organization() -> dict[str, str]:
    """The demo's ``[organization]`` settings: Lumio's own pages (never its
    influencers; the LinkedIn page may be named by its organization number),
    its topic, its competitors' and the sector's."""
    from veille.sim.linkedin import ORG_ID

    return {
        "handles": f'["facebook:lumio", "linkedin:lumio", "linkedin:{ORG_ID}"]',
        "brand_topic": '"lumio"',
        "competitor_topics": '["vexa", "orbita"]',
        "sector_topic": '"secteur"',
    }


def _set_organization(root: Path) -> None:
    """Fill the template's commented ``[organization]`` keys (a setting the
    user already wrote is kept)."""
    from veille.workspace import CONFIG_NAME

    path = root / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    for key, value in demo_organization().items():
        text = re.sub(rf"(?m)^# {key} = .*$", f"{key} = {value}", text, count=1)
    path.write_text(text, encoding="utf-8")


def _snapshot_lines(ws: Workspace) -> list[str]:
    """The followers of the organization's own pages, from today's snapshot."""
    from veille.plan.accounts import own_accounts
    from veille.sim.linkedin import ORG_ID

    # The demo names its one LinkedIn page twice in veille.toml, by vanity
    # name and by organization number, so that either spelling is known as
    # ours: one page, said once.
    alias = {("linkedin", str(ORG_ID)): "lumio"}
    handles = own_accounts(ws)
    said: list[Text] = []
    for platform, handle in handles:
        same = alias.get((platform, handle))
        if same is not None and (platform, same) in handles:
            continue
        shots = ws.state.account_snapshots(platform, handle)
        if shots and shots[-1].followers is not None:
            also = [h for (p, h), v in alias.items() if p == platform and v == handle]
            name = f"{handle} ({', '.join(also)})" if also else handle
            said.append(tr("%(platform)s %(name)s %(n)s", platform=platform, name=name,
                           n=Count(shots[-1].followers)))  # fmt: skip
    if not said:
        return []
    return [tr("Followers of our own pages (today's snapshot): %(pages)s", pages=_listed(said))]


def _listed(items: list[Text]) -> Text:
    """``items`` one after the other, each said in the reader's language."""
    if len(items) == 1:
        return items[0]
    return tr("%(first)s, %(rest)s", first=items[0], rest=_listed(items[1:]))


def build_demo(directory: str | Path, *, seed: int, days: int, end: datetime) -> list[str]:
    """Create (or refresh) the demo workspace and return a tour of it, line by
    line: sentences made by :func:`veille.errors.tr`, for the CLI to say in
    its reader's language."""
    root = init_workspace(directory)
    _set_organization(root)
    lines: list[str] = [tr("Demo workspace: [bold]%(root)s[/]", root=str(root))]
    with Workspace.open(root) as ws:
        topics = add_demo_topics_and_alert(ws)
        new = collect_from_simulator(ws, seed=seed, days=days, end=end)
        st = ws.posts.stats(timezone=ws.settings.workspace.timezone)
        days_held = len(st.by_day)
        lines.append(trn("%(n)s new post stored; %(total)s in all, over %(days)s days.",
                         "%(n)s new posts stored; %(total)s in all, over %(days)s days.", new,
                         n=Count(new), total=Count(st.total), days=Count(days_held)))  # fmt: skip
        # (Counts as they were, ungrouped: "mastodon 1,234, bluesky 56" would misread.)
        platforms = ", ".join(f"{c.key} {c.count}" for c in st.by_platform)
        languages = ", ".join(f"{c.key} {c.count}" for c in st.by_language)
        lines.append(tr("By platform: %(counts)s", counts=platforms))
        lines.append(tr("By language: %(counts)s", counts=languages))
        peak = max(st.by_day, key=lambda c: c.count) if st.by_day else None
        if peak:
            lines.append(trn("Busiest day: %(day)s (%(n)s post: an outage at %(brand)s).",
                             "Busiest day: %(day)s (%(n)s posts: an outage at %(brand)s).",
                             peak.count, day=peak.key, n=Count(peak.count),
                             brand=BRAND))  # fmt: skip
        lines.append(tr("Topics: %(topics)s; alert lumio-feed writes alerts/lumio.atom.",
                        topics=", ".join(topics)))  # fmt: skip
        lines.extend(_snapshot_lines(ws))
        sample = ws.posts.search_text("panne", limit=3)
        lines.append(tr('Latest posts with "panne" (outage):'))
        lines.extend(
            f"  {p.published_at:%Y-%m-%d %H:%M} {p.platform:9} {p.text[:90]}" for p in sample
        )
    lines.append("")
    lines.append(tr("Try:"))
    lines.append("  veille --help")
    lines.append(f"  veille stats --workspace {directory}")
    lines.append(f'  veille search "{BRAND.lower()} AND (panne OR outage)" --workspace {directory}')
    lines.append(f"  veille topic list --workspace {directory}")
    lines.append(f"  veille alert list --workspace {directory}")
    lines.append(f"  veille source health --workspace {directory}")
    return lines


DEMO_USER = "demo"


def demo_account(ws: Workspace) -> tuple[str, str]:
    """The demo's admin account, with a new random password each time the
    demo starts (printed to whoever started it): a fixed, published password
    would open the workspace to anyone who can reach the port, should it ever
    listen beyond this machine."""
    import secrets

    from veille.services.users import add_user, get_user, set_password

    password = secrets.token_urlsafe(9)
    if get_user(ws.state, DEMO_USER) is None:
        add_user(ws.state, DEMO_USER, password, "admin", actor="demo")
    else:
        set_password(ws.state, DEMO_USER, password, actor="demo")
    return DEMO_USER, password
