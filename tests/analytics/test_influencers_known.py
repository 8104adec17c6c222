"""Influencers are ranked on what is known for each author: feeds carry no
follower or engagement counts, and unknown is not zero."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.analytics.conftest import make_post
from veille.analytics.influencers import Weights, influencers, same_person_candidates
from veille.analytics.scope import Period, Scope, words_scope
from veille.models import Author, Engagement, Post
from veille.sim.generate import SimConfig, generate_posts
from veille.store.sqlite import SQLiteStore

# Platforms the demo reads from feeds (no counts) and the authors the
# simulator makes influential (its ground truth).
FEEDS = {"mastodon", "bluesky", "reddit", "youtube", "wordpress", "rss", "hackernews"}
FAMOUS = {"claire_tech", "netpolicy.bsky.social", "fibreguy", "TechReviewsQC",
          "modem_whisperer", "juliette_num"}  # fmt: skip


def _as_collected(post: Post) -> Post:
    """The post as the demo's connectors store it: from a feed, no counts."""
    if post.platform not in FEEDS:
        return replace(post, source=f"api-{post.platform}")
    author = replace(post.author, followers=None)
    return replace(
        post, author=author, engagement=Engagement(given=False), source=f"feed-{post.platform}"
    )


def test_the_simulators_influencers_rank_near_the_top(tmp_path) -> None:
    cfg = SimConfig(seed=42, days=30)
    posts = [_as_collected(p) for p in generate_posts(cfg)]
    store = SQLiteStore.open(tmp_path / "sim.db")
    try:
        store.upsert_posts(posts)
        period = Period(cfg.end - timedelta(days=30), cfg.end)
        found = influencers(store, Scope(), period, limit=10, recent=0)
        top = {i.handle for i in found}
        assert top >= FAMOUS, [(i.handle, i.score) for i in found]
        by = {i.handle: i for i in found}
        # Feeds gave no counts: shown as unknown, and the score says what it used.
        claire = by["claire_tech"]
        assert claire.followers is None and claire.engagement is None
        assert "followers unknown" in claire.why() and "abonnés inconnus" in claire.why("fr")
        assert claire.unknown == ("reach", "engagement")
        # Every post counted (no topic nor query): none is said to be on topic.
        assert "score from posts, network position, relevance" in claire.why()
        assert "on topic" not in claire.why() and "sur le sujet" not in claire.why("fr")
        fibre = by["fibreguy"]  # read through an API: its counts are known
        assert fibre.followers == 150_000 and fibre.engagement
        assert fibre.basis == ("posts", "network", "relevance", "reach", "engagement")
    finally:
        store.close()


def test_the_score_uses_only_the_known_parts(tmp_path) -> None:
    store = SQLiteStore.open(tmp_path / "k.db")
    d = "2026-03-24T"
    posts = [
        # A blog read through its feed: three posts on topic, no counts.
        *(make_post(f"b{i}", d + f"0{i}:00", platform="rss", handle="blog", followers=None,
                    text="Lumio et la fibre", source="feed",
                    url=f"https://blog.example/{i}") for i in range(3)),
        # An account read through an API: one post, small counts.
        make_post("a1", d + "09:00", handle="small", followers=10, likes=1,
                  text="Lumio", source="api", url="https://mastodon.example/@small/1"),
    ]  # fmt: skip
    profile = {"small": "https://mastodon.example/@small"}
    posts = [
        replace(p, author=Author(p.author.handle, followers=p.author.followers,
                                 url=profile.get(p.author.handle)),
                # The feed gave no count (its zeros are unknown).
                engagement=Engagement(given=False) if p.platform == "rss" else p.engagement)
        for p in posts
    ]  # fmt: skip
    store.upsert_posts(posts)
    try:
        week = Period(
            posts[0].published_at - timedelta(days=1), posts[0].published_at + timedelta(days=2)
        )
        found = influencers(store, words_scope("lumio"), week)
        blog, small = found
        assert (blog.handle, small.handle) == ("blog", "small")  # unknown is not zero
        assert blog.followers is None and blog.engagement is None
        assert set(blog.components) == {"posts", "network", "relevance"}
        w = Weights()
        expected = (
            100
            * sum(w.of(k) * v for k, v in blog.components.items())
            / (w.posts + w.network + w.relevance)
        )
        assert blog.score == pytest.approx(expected, abs=0.01)
        assert small.followers == 10 and small.engagement == 1
        # Contact: what is known, and nothing where nothing is.
        assert blog.site == "https://blog.example/" and blog.profile is None
        assert small.profile == "https://mastodon.example/@small" and small.site is None
    finally:
        store.close()


def test_the_organizations_accounts_are_never_its_influencers(tmp_path) -> None:
    store = SQLiteStore.open(tmp_path / "o.db")
    d = "2026-03-24T"
    store.upsert_posts([
        make_post("p1", d + "09:00", platform="facebook", handle="Lumio", text="Lumio fibre"),
        make_post("p2", d + "10:00", platform="linkedin", handle="2414183", text="Lumio 5G"),
        make_post("p3", d + "11:00", platform="mastodon", handle="lumio", text="Lumio fan"),
    ])  # fmt: skip
    try:
        week = Period(
            make_post("x", d + "00:00").published_at,
            make_post("x", "2026-03-26T00:00").published_at,
        )
        org = ["facebook:lumio", "linkedin:2414183"]
        found = influencers(store, words_scope("lumio"), week, org_handles=org)
        # Only that platform's account is the organization's: a fan named lumio elsewhere is not.
        assert [(i.platforms, i.handle) for i in found] == [(("mastodon",), "lumio")]
    finally:
        store.close()


def test_one_person_on_two_platforms_is_offered_then_merged_once_confirmed(tmp_path) -> None:
    store = SQLiteStore.open(tmp_path / "p.db")
    d = "2026-03-24T"
    store.upsert_posts([
        make_post("f1", d + "09:00", platform="bluesky", handle="fan", text="Lumio"),
        make_post("f2", d + "10:00", platform="mastodon", handle="@Fan", text="Lumio encore"),
        make_post("o1", d + "11:00", platform="reddit", handle="other", text="Lumio"),
    ])  # fmt: skip
    try:
        week = Period(
            make_post("x", d + "00:00").published_at,
            make_post("x", "2026-03-26T00:00").published_at,
        )
        found = influencers(store, words_scope("lumio"), week)
        assert sorted(i.platforms for i in found if i.handle.lower().lstrip("@") == "fan") == [
            ("bluesky",),
            ("mastodon",),
        ]  # two accounts until the user says they are one person
        offers = same_person_candidates(store, found)
        assert [(o.a, o.b, o.evidence) for o in offers] == [
            (("bluesky", "fan"), ("mastodon", "@Fan"), ("same handle 'fan'",))
        ]
        store.decide_author_link(("bluesky", "fan"), ("mastodon", "fan"), "same")
        found = influencers(store, words_scope("lumio"), week)
        fan = [i for i in found if "fan" in i.handle.lower()]
        assert len(fan) == 1 and fan[0].platforms == ("bluesky", "mastodon")
        assert fan[0].matching_posts == 2 and same_person_candidates(store, found) == []
        # Told apart: no longer offered.
        store.decide_author_link(("bluesky", "fan"), ("mastodon", "fan"), "different")
        found = influencers(store, words_scope("lumio"), week)
        assert len([i for i in found if "fan" in i.handle.lower()]) == 2
        assert same_person_candidates(store, found) == []
    finally:
        store.close()


def test_link_authors_command(tmp_path) -> None:
    from typer.testing import CliRunner

    from tests.analytics.conftest import TZ
    from veille.cli import build_app
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    d = "2026-03-24T"
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([
            make_post("f1", d + "09:00", platform="bluesky", handle="fan", text="Lumio"),
            make_post("f2", d + "10:00", platform="mastodon", handle="fan", text="Lumio encore"),
        ])  # fmt: skip

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(build_app(), [*args, "-w", str(root)])
        return result.exit_code, " ".join(result.output.split())

    w = ("--period", "2026-03-23..2026-03-29")
    code, out = run("influencers", "-q", "lumio", *w)
    assert code == 0, out
    assert "maybe one person: bluesky:fan and mastodon:fan (same handle 'fan')" in out
    assert "veille link-authors bluesky:fan mastodon:fan" in out
    # Its evidence in the reader's words: « (same handle 'fan') » in French until 2026-12-07.
    code, out = run("--language", "fr", "influencers", "-q", "lumio", *w)
    assert "bluesky:fan et mastodon:fan (même pseudo « fan »)" in out, out  # (spaces joined)
    code, out = run("link-authors", "bluesky:fan", "mastodon:fan")
    assert code == 0 and "bluesky:fan and mastodon:fan are one person" in out
    code, out = run("influencers", "-q", "lumio", *w, "--format", "json")
    assert code == 0
    import json

    (fan,) = json.loads(out)
    assert fan["platforms"] == ["bluesky", "mastodon"] and fan["followers"] == 100
    # An account with no posts is refused, with the nearest known one.
    code, out = run("link-authors", "bluesky:fan", "mastodon:fann")
    assert code == 2 and "mastodon:fann" in out and "mastodon:fan" in out
    code, out = run("link-authors", "fan", "mastodon:fan")
    assert code == 2 and "PLATFORM:HANDLE" in out
