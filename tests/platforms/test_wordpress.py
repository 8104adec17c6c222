from __future__ import annotations

from datetime import timedelta

import pytest

from veille.sim import wordpress as sim_wp
from veille.sim.server import HostSpec
from veille.sources.base import SourceConfigError
from veille.sources.wordpress import WordPressConfig, collect, parse_target, to_post

from .conftest import fixture

CFG = WordPressConfig("https://blog.lumio.example")


def test_post_with_embedded_author_media_and_tags() -> None:
    post = to_post(fixture("wordpress", "posts.json")[0], CFG)
    assert post.id == "wordpress:blog.lumio.example/posts/4821"
    assert post.title == "Panne du 29 octobre\xa0: ce qui s’est passé"
    assert (
        post.text == "Le 29 octobre, une panne a touché la fibre Lumio.\n\nSuivez la page d’état."
    )
    assert post.author.name == "Équipe Lumio" and post.author.handle == "equipe"
    assert post.links == ("https://status.lumio.example/",)
    assert post.media == ("https://blog.lumio.example/wp-content/uploads/panne.jpg",)
    assert post.hashtags == ("fibre",)
    assert post.published_at.hour == 14  # date_gmt, not the site's local time


def test_comment_links_to_its_parent_and_article() -> None:
    comment = to_post(fixture("wordpress", "comments.json")[0], CFG)
    assert comment.id == "wordpress:blog.lumio.example/comments/991"
    assert comment.parent_id == "wordpress:blog.lumio.example/comments/990"
    assert comment.thread_id == "wordpress:blog.lumio.example/posts/4821"
    assert comment.text == "Merci pour l’explication, mais 6\xa0heures c’est long."
    assert comment.author.url == "https://julien.example"


def test_emoji_and_smileys_drawn_as_images_stay_in_the_text() -> None:
    # WordPress draws emoji and smileys as <img class="wp-smiley" alt="🎉">:
    # the text keeps what they stand for; a photo's alt is no text.
    comment = to_post(fixture("wordpress", "comments.json")[1], CFG)
    assert comment.text == "Revenu ce soir 🎉 merci :)"


def test_targets() -> None:
    assert parse_target("blog.lumio.example").site == "https://blog.lumio.example"
    config = parse_target("https://x.example/blog/ search:panne lumio", {"comments": "false"})
    assert (config.api, config.search, config.comments) == (
        "https://x.example/blog/wp-json/wp/v2",
        "panne lumio",
        False,
    )
    with pytest.raises(SourceConfigError):
        parse_target("https://x.example find:y")
    with pytest.raises(SourceConfigError, match="must be a bool"):
        parse_target("x.example", {"comments": "maybe"})


def test_collect_posts_and_comments_then_resume(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("wordpress", sim_wp.routes())])
    config = parse_target(sim.hosts["wordpress"].base_url, {"per_page": "3", "max_pages": "100"})
    batches = list(collect(config, None, http))
    items = [i for b in batches for i in b.items]
    posts = [to_post(i, config) for i in items]
    articles = [p for p in posts if "/posts/" in p.native_id]
    comments = [p for p in posts if "/comments/" in p.native_id]
    expected = [p for p in world.visible(platform="wordpress") if p.parent_id is None]
    assert len(articles) == len(expected)
    assert comments and all(c.thread_id for c in comments)
    cursor = batches[-1].cursor
    assert set(cursor) == {"posts", "comments"}

    world.clock.advance(timedelta(hours=20))
    later = list(collect(config, cursor, http))
    new = [to_post(i, config) for b in later for i in b.items]
    assert new and not {p.id for p in new} & {p.id for p in posts}
    # Forward pages each commit their own cursor, never going backwards.
    stamps = [b.cursor["posts"] for b in later]
    assert stamps == sorted(stamps)


def test_search_narrows_posts(make_sim, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("wordpress", sim_wp.routes())])
    config = parse_target(f"{sim.hosts['wordpress'].base_url} search:lumio", {"comments": "no"})
    posts = [to_post(i, config) for b in collect(config, None, http) for i in b.items]
    assert posts and all("lumio" in f"{p.title} {p.text}".lower() for p in posts)


def test_an_item_without_a_date_does_not_stop_the_site(make_sim, http, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Any server can answer as a WordPress site. One post whose date_gmt
    was 'soon' stopped the source on a ValueError at every poll, and none of
    the site's posts was stored. Now the others are, and it is quarantined."""
    from veille.pipeline.collect import collect as collect_sources
    from veille.services.sources import add_source, quarantined
    from veille.sim.server import Reply, Route
    from veille.workspace import Workspace, init_workspace

    (good,) = fixture("wordpress", "posts.json")
    bad = {**good, "id": good["id"] + 1, "date_gmt": "soon", "date": "soon",
           "link": good["link"] + "2"}  # fmt: skip
    page = [good, bad, "not a post"]
    posts = Route("GET", r"/wp-json/wp/v2/posts", lambda r: Reply.json(page))
    sim = make_sim([HostSpec("site", [posts])])
    ws = Workspace.open(init_workspace(tmp_path / "ws"))
    try:
        target = sim.hosts["site"].base_url
        add_source(ws.store, "wordpress", target, options={"comments": "false"}, name="site")
        (run,) = collect_sources(ws, http=http)
        assert run.ok and run.new_posts == 1 and run.quarantined == 1, run.error
        (item,) = quarantined(ws.store)
        assert "soon" in item.error
    finally:
        ws.close()
