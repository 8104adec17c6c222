"""Facebook Page and LinkedIn organization connectors (the organization's own presence)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from veille.sim import facebook as sim_fb
from veille.sim import linkedin as sim_li
from veille.sim.server import HostSpec
from veille.sources import facebook, linkedin
from veille.sources.base import SourceConfigError

from .conftest import fixture


def test_facebook_post_and_comment() -> None:
    post = facebook.to_post(fixture("facebook", "page_posts.json")["data"][0])
    assert post.id == "facebook:104857600123456_1000000000000042"
    assert (post.engagement.likes, post.engagement.shares, post.engagement.replies) == (88, 6, 14)
    assert post.links == ("https://status.lumio.example/maintenance",)
    assert post.media == ("https://scontent.xx.fbcdn.net/v/t39/abc.jpg",)
    assert post.published_at.hour == 13 and post.author.name == "Lumio"
    raw = {"post_id": post.native_id, "comment": fixture("facebook", "comments.json")["data"][0]}
    comment = facebook.to_post(raw)
    assert comment.parent_id == "facebook:1000000000000042_2000000000000003"
    assert comment.thread_id == post.id
    assert comment.author.name == "Julien Tremblay" and comment.engagement.likes == 9


def test_linkedin_post_and_comment() -> None:
    post = linkedin.to_post(fixture("linkedin", "posts.json")["elements"][0])
    assert post.id == "linkedin:urn:li:share:7256453423455604737"
    assert post.title == "Fibre in Gatineau" and post.links == (
        "https://lumio.example/fibre-gatineau",
    )
    assert int(post.published_at.timestamp()) == 1793365260
    assert post.url == "https://www.linkedin.com/feed/update/urn:li:share:7256453423455604737/"
    comment = linkedin.to_post(fixture("linkedin", "comments.json")["elements"][0])
    assert comment.text == "Enfin ! Quand à Aylmer ?"
    assert comment.thread_id == "linkedin:urn:li:activity:7256453423455604737"
    assert comment.author.handle == "aB3dE5fG7h" and comment.engagement.likes == 3
    # A comment has its own permalink: with its post's, it was stored over its post.
    assert comment.url and comment.url.startswith(post.url.replace("share", "activity"))
    assert "?commentUrn=urn%3Ali%3Acomment%3A" in comment.url


def test_linkedin_authors_show_a_name_not_a_number() -> None:
    org = fixture("linkedin", "organization.json")
    raw = fixture("linkedin", "posts.json")["elements"][0]
    post = linkedin.to_post({**raw, "author~": org})
    assert (post.author.name, post.author.handle) == ("Lumio", "lumio")
    assert post.author.url == "https://www.linkedin.com/company/lumio/"
    assert post.author.id == "urn:li:organization:2414183"
    comment = fixture("linkedin", "comments.json")["elements"][0]
    member = {"localizedFirstName": "Julie", "localizedLastName": "Tremblay"}
    assert linkedin.to_post({**comment, "actor~": member}).author.name == "Julie Tremblay"


def test_targets_need_tokens() -> None:
    with pytest.raises(SourceConfigError, match="access token"):
        facebook.parse_target("lumio")
    with pytest.raises(SourceConfigError, match="access token"):
        linkedin.parse_target("2414183")
    with pytest.raises(SourceConfigError, match="organization id"):
        linkedin.parse_target("lumio", {"token": "t"})
    assert linkedin.parse_target("urn:li:organization:42", {"token": "t"}).organization == (
        "urn:li:organization:42"
    )


def test_facebook_page_posts_then_comments_resume(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("facebook", sim_fb.routes())])
    opts = {"token": sim_fb.PAGE_TOKEN, "api": sim.hosts["facebook"].url("/v21.0"), "limit": "2"}
    config = facebook.parse_target(sim_fb.PAGE_ID, opts)
    batches = list(facebook.collect(config, None, http))
    posts = [facebook.to_post(i) for b in batches for i in b.items]
    page_posts = [p for p in posts if p.parent_id is None]
    comments = [p for p in posts if p.parent_id]
    assert len(page_posts) == 3  # three days elapsed on the simulated clock
    assert comments and {c.thread_id for c in comments} <= {p.id for p in page_posts}
    cursor = batches[-1].cursor
    assert cursor["since"] and cursor["comments_since"] and len(cursor["recent"]) == 3
    # Nothing new: nothing collected.
    assert [i for b in facebook.collect(config, cursor, http) for i in b.items] == []
    world.clock.advance(timedelta(days=1))
    later = [facebook.to_post(i) for b in facebook.collect(config, cursor, http) for i in b.items]
    assert later and not {p.id for p in later} & {p.id for p in posts}
    with pytest.raises(Exception, match="400"):
        list(facebook.collect(facebook.parse_target("lumio", {**opts, "token": "x"}), None, http))


def test_facebook_stops_near_the_usage_ceiling(make_sim, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("facebook", sim_fb.routes())])
    host = sim.hosts["facebook"]
    host.rate_limit = 2  # the first answer already reports 50%, the second 100%
    opts = {"token": sim_fb.PAGE_TOKEN, "api": host.base_url, "limit": "1", "max_pages": "10"}
    batches = list(facebook.collect(facebook.parse_target(sim_fb.PAGE_ID, opts), None, http))
    assert any("usage" in n for b in batches for n in b.notes)
    assert host.requests == 2


def test_linkedin_org_posts_and_comments(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("linkedin", sim_li.routes())])
    opts = {"token": sim_li.TOKEN, "api": sim.hosts["linkedin"].url("/rest"), "count": "2"}
    config = linkedin.parse_target(sim_li.ORG_ID, opts)
    batches = list(linkedin.collect(config, None, http))
    posts = [linkedin.to_post(i) for b in batches for i in b.items]
    org_posts = [p for p in posts if p.parent_id is None]
    assert len(org_posts) == 3 and any(p.parent_id for p in posts)
    assert {(p.author.name, p.author.handle) for p in org_posts} == {("Lumio", "lumio")}
    cursor = batches[-1].cursor
    world.clock.advance(timedelta(days=1))
    later = [linkedin.to_post(i) for b in linkedin.collect(config, cursor, http) for i in b.items]
    assert later and not {p.id for p in later} & {p.id for p in posts}
    assert any(p.parent_id is None for p in later)
