"""The influencers `veille plan recommend` names carry the figures known for
them: unknown is not zero (docs/analytics.md, Influencers), so an author
whose platform gives no follower count (a feed) is not said to have 0."""

from __future__ import annotations

from tests.plan.conftest import NOW, post
from veille.plan.recommend import recommendations
from veille.workspace import Workspace


def test_unknown_followers_are_not_zero(ws: Workspace) -> None:
    ws.store.upsert_posts(
        [
            post(
                300 + i,
                f"lumio chronique {i}",
                1 + i / 10,
                platform="rss",
                handle="blogueur",
                followers=None,
            )
            for i in range(8)
        ]
    )
    found = {r.figures["handle"]: r for r in recommendations(ws, now=NOW) if r.kind == "influencer"}
    blog = found["blogueur"]
    assert blog.figures["followers"] is None
    assert "0 followers" not in blog.text_en and "followers unknown" in blog.text_en
    assert "0 abonnés" not in blog.text_fr and "abonnés inconnus" in blog.text_fr
    # A count the platform gave is said, 0 included.
    known = [r for r in found.values() if r.figures["followers"] is not None]
    assert known
    for r in known:
        assert f"{r.figures['followers']:,} followers" in r.text_en, r.text_en


def test_the_time_zone_is_named_in_french_words(ws: Workspace) -> None:
    """« heure de UTC » is not French: the zone is named as a time zone."""
    from dataclasses import replace

    for zone in ("UTC", "Europe/Paris"):
        ws.settings = replace(ws.settings, workspace=replace(ws.settings.workspace, timezone=zone))
        [timing] = [r for r in recommendations(ws, now=NOW) if r.kind == "timing"]
        assert f"(fuseau horaire {zone}, publications en 30 jours)" in timing.text_fr
        assert "heure de" not in timing.text_fr
        assert f"({zone} time, posts in 30 days)" in timing.text_en


def test_recommendations_count_posts_in_the_singular_and_the_plural() -> None:
    """(1 post in 30 days), never (1 posts …); French keeps 0 and 1 singular."""
    from veille.plan.recommend import posts

    assert [posts(n, "en") for n in (0, 1, 2)] == ["0 posts", "1 post", "2 posts"]
    assert [posts(n, "fr") for n in (0, 1, 1200)] == [
        "0 publication",
        "1 publication",
        "1\u202f200 publications",
    ]
