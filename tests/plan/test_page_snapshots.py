"""Own accounts on YouTube, a Facebook Page and a LinkedIn organization page:
the daily snapshot reads their followers from the simulator over loopback
(YouTube channels.list, Graph API Page fields, LinkedIn networkSizes), and
the followers and engagement KPIs read what the real connectors collected.

The right answers come from the simulated world itself: a channel's
subscribers are its author's followers, the Page's and the organization's
followers are the simulator's constants, and the engagement on our posts is
counted from the posts the simulator serves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from veille.config import HttpSettings
from veille.http import HttpClient
from veille.models import Post
from veille.plan.accounts import account_aliases, snapshot_accounts
from veille.plan.channels import set_channel
from veille.plan.kpis import add_kpi, history, measure, window
from veille.services.sources import add_source
from veille.sim import facebook as sim_fb
from veille.sim import linkedin as sim_li
from veille.sim import youtube as sim_yt
from veille.sim.generate import SimConfig
from veille.sim.platform_demo import demo_sources
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.sim.social import brand_page, words_match
from veille.workspace import Workspace, init_workspace

END = datetime(2026, 11, 1, tzinfo=UTC)
NOW = END - timedelta(hours=1)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    cfg = SimConfig(seed=11, days=3, end=END, posts_per_day=60, spike_day=1, spike_posts=10)
    with Simulator(SimWorld.generate(cfg, SimClock(NOW))) as s:
        yield s


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.open(init_workspace(tmp_path / "ws")) as w:
        yield w


def http() -> HttpClient:
    return HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))


def our_channel(sim: Simulator) -> tuple[Post, list[Post]]:
    """The YouTube creator taken as "ours": the one whose videos about lumio
    (the YouTube source searches for lumio) have the most comments by now,
    and those videos."""
    seen = sim.world.visible(platform="youtube")
    videos: dict[str, list[Post]] = {}
    for p in seen:
        if p.parent_id is None and words_match(p, "lumio"):
            videos.setdefault(p.author.handle, []).append(p)
    replied = {p.thread_id or p.parent_id for p in seen if p.parent_id is not None}

    def comments(handle: str) -> int:
        return sum(1 for v in videos[handle] if v.id in replied)

    handle = max(sorted(videos), key=comments)
    return videos[handle][0], videos[handle]


def add_page_sources(ws: Workspace, sim: Simulator, video_ids: list[str]) -> list[str]:
    """The simulator's Facebook Page, LinkedIn organization and YouTube API
    sources (a search for lumio, and the comments of our videos)."""
    names = []
    for kind, target, options in demo_sources(sim):
        if kind in ("facebook", "linkedin", "youtube"):
            add_source(ws.state, kind, target, name=kind, options=options)
            names.append(kind)
        if kind == "youtube":
            for n, vid in enumerate(video_ids):
                add_source(ws.state, kind, f"comments:{vid}", name=f"yt{n}", options=options)
                names.append(f"yt{n}")
    return names


def test_followers_of_youtube_facebook_and_linkedin(ws: Workspace, sim: Simulator) -> None:
    video, _videos = our_channel(sim)
    add_page_sources(ws, sim, [])
    set_channel(ws.state, "youtube", handle="@" + video.author.handle)
    set_channel(ws.state, "facebook", handle=sim_fb.PAGE_ID)
    set_channel(ws.state, "linkedin", handle="lumio")  # the vanity name, looked up
    with http() as client:
        found = {r.platform: r for r in snapshot_accounts(ws, http=client, now=NOW)}
    assert {p: r.error for p, r in found.items()} == {"youtube": "", "facebook": "", "linkedin": ""}
    yt, fb, li = (found[p].snapshot for p in ("youtube", "facebook", "linkedin"))
    every = [
        p
        for p in sim.world.visible(platform="youtube", author=video.author.handle)
        if p.parent_id is None
    ]
    assert yt and (yt.followers, yt.posts) == (video.author.followers, len(every))
    assert fb and fb.followers == sim_fb.FOLLOWERS
    assert li and li.followers == sim_li.FOLLOWERS
    # The names the connectors give our posts' authors are kept for the engagement KPI.
    assert sim_yt.channel_id(video) in account_aliases(ws.state, "youtube", video.author.handle)
    assert "Lumio" in account_aliases(ws.state, "facebook", sim_fb.PAGE_ID)
    assert sim_li.ORG_ID in account_aliases(ws.state, "linkedin", "lumio")
    for platform, expected in (
        ("youtube", video.author.followers),
        ("facebook", sim_fb.FOLLOWERS),
        ("linkedin", sim_li.FOLLOWERS),
    ):
        kpi = add_kpi(ws, f"f-{platform}", "followers", 10**6, platform=platform, now=NOW)
        assert kpi.baseline == expected
        assert measure(ws, kpi, window(NOW, 30)).value == expected
        assert history(ws, kpi, NOW) == [(NOW.date(), float(expected))]


def test_a_page_lookup_without_its_token_is_explained(ws: Workspace, sim: Simulator) -> None:
    set_channel(ws.state, "linkedin", handle=sim_li.ORG_ID)
    set_channel(ws.state, "youtube", handle="@nobody")
    for kind, _target, options in demo_sources(sim):
        if kind == "youtube":
            add_source(ws.state, kind, "search:lumio", options=options)
    with http() as client:
        found = {r.platform: r for r in snapshot_accounts(ws, http=client, now=NOW)}
    assert found["linkedin"].snapshot is None and "token" in found["linkedin"].error
    assert found["youtube"].snapshot is None and "no channel" in found["youtube"].error


def test_engagement_on_our_pages_and_channel(ws: Workspace, sim: Simulator) -> None:
    from veille.pipeline.collect import collect

    video, videos = our_channel(sim)
    names = add_page_sources(ws, sim, [sim_yt.video_id(v) for v in videos])
    set_channel(ws.state, "youtube", handle="@" + video.author.handle)
    set_channel(ws.state, "facebook", handle="lumio")
    set_channel(ws.state, "linkedin", handle=sim_li.ORG_ID)
    settings = replace(ws.settings.http, allow_private_networks=True, max_retries=0)
    with HttpClient(settings) as client:
        results = collect(ws, names=names, http=client)
        assert all(not r.error for r in results), [r.error for r in results]
        snapshot_accounts(ws, http=client, now=NOW)

    def page(platform: str) -> list[tuple[Post, list[Post]]]:
        return [
            (p, [c for c in cs if c.published_at <= NOW])
            for p, cs in brand_page(sim.world, platform)
            if p.published_at <= NOW
        ]

    # Facebook posts carry their counts: reactions, shares, comments.
    facebook = sum(p.engagement.likes + p.engagement.shares + len(cs) for p, cs in page("facebook"))
    # LinkedIn's posts API gives no counts: the comments collected under our posts.
    linkedin = sum(len(cs) for _p, cs in page("linkedin"))
    # YouTube's search gives no counts: the comment threads under our videos.
    comments = [
        p
        for p in sim.world.visible(platform="youtube")
        if p.parent_id is not None and (p.thread_id or p.parent_id) in {v.id for v in videos}
    ]
    assert facebook > 0 and linkedin > 0 and comments
    expected = {"facebook": facebook, "linkedin": linkedin, "youtube": len(comments)}
    for platform, value in expected.items():
        kpi = add_kpi(ws, f"e-{platform}", "engagement", 10**6, platform=platform, now=NOW)
        assert measure(ws, kpi, window(NOW, 30)).value == value, platform


def test_the_organization_pages_of_veille_toml_are_snapshotted(
    tmp_path: Path, sim: Simulator
) -> None:
    """Without a channel plan, the ``platform:handle`` accounts of
    ``[organization] handles`` are looked up (as the demo's are)."""
    from veille.demo import _set_organization

    root = init_workspace(tmp_path / "org")
    _set_organization(root)  # facebook:lumio, linkedin:lumio, linkedin:2414183
    with Workspace.open(root) as ws:
        add_page_sources(ws, sim, [])
        with http() as client:
            found = snapshot_accounts(ws, http=client, now=NOW)
        assert [(r.platform, r.handle, r.error) for r in found] == [
            ("facebook", "lumio", ""),
            ("linkedin", "lumio", ""),
            ("linkedin", sim_li.ORG_ID, ""),
        ]
        kpi = add_kpi(ws, "f", "followers", 10**6, platform="linkedin", now=NOW)
        assert kpi.baseline == sim_li.FOLLOWERS
