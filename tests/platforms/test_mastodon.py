from __future__ import annotations

import json
from datetime import timedelta

import pytest

from veille.sim import mastodon as sim_mastodon
from veille.sim.server import HostSpec
from veille.sources import get_source
from veille.sources.base import SourceConfigError
from veille.sources.mastodon import MastodonConfig, collect, parse_target, to_post

from .conftest import fixture, shared_data

CFG = MastodonConfig("https://piaille.fr", "tag", "lumio")


def test_status_maps_text_entities_and_counts() -> None:
    post = to_post(fixture("mastodon", "status.json"), CFG)
    assert post.id == "mastodon:piaille.fr/113402115667894521"
    assert post.text.startswith("@claire_tech Panne Lumio & pas de fibre depuis ce matin")
    assert "<" not in post.text and "alert(1)" not in post.text
    assert "\n" in post.text  # paragraphs survive as line breaks
    assert post.hashtags == ("lumiodown",)
    assert post.mentions == ("claire_tech@mastodon.social",)
    # The hashtag and mention anchors are not outside links; the article is.
    assert post.links == (
        "https://status.lumio.example/incident/42?utm_source=mastodon",
        "https://status.lumio.example/incident/42",
    )
    assert post.media and post.media[0].endswith("/original/abc.jpg")
    assert (post.engagement.likes, post.engagement.shares, post.engagement.replies) == (12, 5, 3)
    assert post.author.handle == "marie@piaille.fr"
    assert post.author.followers == 842
    assert post.parent_id == "mastodon:piaille.fr/113402100000000001"
    assert post.lang == "fr"
    assert post.raw["application"]["name"] == "Web"


def test_a_local_mention_is_qualified_like_an_author_and_quotes_are_shares() -> None:
    # The instance read writes its own accounts without a host, in mentions
    # as in authors: "claire" here is claire@piaille.fr, the handle her own
    # posts carry, so the conversation graph sees one person.
    post = to_post(fixture("mastodon", "quote.json"), CFG)
    assert post.author.handle == "paul@piaille.fr"
    assert post.mentions == ("claire@piaille.fr",)
    # The "RE: <link>" fallback under a quote (class quote-inline) is hidden by
    # the clients that show the quote: the text is what they show; the quoted
    # post stays among the links.
    assert post.text == "@claire même chose ici, Lumio ne répond plus"
    assert post.links == ("https://piaille.fr/@marie/113402115667894521",)
    # Boosts and quotes both share the post, as on Bluesky (reposts + quotes).
    assert (post.engagement.likes, post.engagement.shares, post.engagement.replies) == (9, 6, 1)


def test_reblog_is_a_repost_by_the_booster_with_the_original_text() -> None:
    post = to_post(fixture("mastodon", "reblog.json"), CFG)
    assert post.repost_of == "mastodon:piaille.fr/113402115667894521"
    assert post.author.handle == "tom@eldritch.cafe"
    assert post.text == "Toujours pas de connexion chez Lumio"
    assert post.title == "Panne"


@pytest.mark.parametrize(
    ("target", "mode", "value", "instance"),
    [
        ("tag:Lumio@mastodon.social", "tag", "Lumio", "https://mastodon.social"),
        ("#lumio@piaille.fr", "tag", "lumio", "https://piaille.fr"),
        (
            "account:claire@other.social@mastodon.social",
            "account",
            "claire@other.social",
            "https://mastodon.social",
        ),
        ("public@http://127.0.0.2:8080", "public", "", "http://127.0.0.2:8080"),
        ("local@mastodon.social", "local", "", "https://mastodon.social"),
        ("https://mastodon.social/tags/fibre", "tag", "fibre", "https://mastodon.social"),
        (
            "https://mastodon.social/@claire_tech",
            "account",
            "claire_tech",
            "https://mastodon.social",
        ),
    ],
)
def test_targets(target: str, mode: str, value: str, instance: str) -> None:
    config = parse_target(target)
    assert (config.mode, config.value, config.instance) == (mode, value, instance)


@pytest.mark.parametrize("target", ["lumio", "tag:@x.social", "weird:x@y.social", "tag:x@"])
def test_bad_targets_say_what_to_write(target: str) -> None:
    with pytest.raises(SourceConfigError) as err:
        parse_target(target)
    assert "tag:NAME@INSTANCE" in str(err.value)


def test_search_needs_a_token_and_options_are_checked() -> None:
    with pytest.raises(SourceConfigError, match="token"):
        parse_target("search:lumio@mastodon.social")
    with pytest.raises(SourceConfigError, match="no option 'tokn'"):
        parse_target("tag:x@mastodon.social", {"tokn": "abc"})
    assert parse_target("search:lumio@m.social", {"token": "t"}).token == "t"


def test_registered_under_its_kind() -> None:
    source = get_source("mastodon")
    config = source.config_from_target("tag:lumio@mastodon.social", {"limit": "20"})
    assert config.limit == 20
    assert source.config_from_dict(source.config_to_dict(config)) == config


def _run(config, cursor, http):  # type: ignore[no-untyped-def]
    batches = list(collect(config, cursor, http))
    items = [s for b in batches for s in b.items]
    return batches, items


def test_public_timeline_resumes_from_its_cursor_without_loss_or_repeat(
    make_sim, world, http
) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("mastodon", sim_mastodon.routes())])
    base = sim.hosts["mastodon"].base_url
    config = parse_target(f"public@{base}", {"limit": "5", "max_pages": "40"})
    first, items = _run(config, None, http)
    assert len(items) == 5 * config.max_pages or len(items) == len(
        world.visible(platform="mastodon")
    )
    # Only the last batch of the first run commits the newest id.
    assert all(not b.cursor for b in first[:-1])
    cursor = first[-1].cursor
    newest = max((s["id"] for s in items), key=lambda i: (len(i), i))
    assert cursor == {"since_id": newest}

    world.clock.advance(timedelta(hours=8))
    expected = {
        sim_mastodon.snowflake(p)
        for p in world.visible(platform="mastodon")
        if p.published_at > world.clock.now() - timedelta(hours=8)
    }
    second, new_items = _run(config, cursor, http)
    got = [s["id"] for s in new_items]
    assert len(got) == len(set(got))
    assert set(got) == expected
    assert len(second) > 1  # paged forward, each page with its own cursor
    assert second[-1].cursor["since_id"] == max(got, key=lambda i: (len(i), i))
    # Every page is mappable to a post.
    posts = [to_post(s, config) for s in new_items]
    assert all(p.platform == "mastodon" and p.text for p in posts)
    # Nothing new: nothing collected.
    assert _run(config, second[-1].cursor, http)[1] == []


def test_tag_and_account_timelines(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("mastodon", sim_mastodon.routes())])
    base = sim.hosts["mastodon"].base_url
    _, items = _run(parse_target(f"tag:LumioDown@{base}", {"max_pages": "20"}), None, http)
    assert items and all("lumiodown" in {t["name"].lower() for t in s["tags"]} for s in items)
    handle = world.visible(platform="mastodon")[0].author.handle
    _, mine = _run(parse_target(f"account:{handle}@{base}"), None, http)
    assert mine and {s["account"]["username"] for s in mine} == {handle}


def test_search_with_token(make_sim, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("mastodon", sim_mastodon.routes())])
    base = sim.hosts["mastodon"].base_url
    config = parse_target(f"search:panne lumio@{base}", {"token": "sekrit", "limit": "10"})
    batches, items = _run(config, None, http)
    texts = [to_post(s, config).text.lower() for s in items]
    assert texts and all("panne" in t and "lumio" in t for t in texts)
    assert batches[-1].cursor["since_id"]


def test_stops_paging_when_the_instance_quota_is_nearly_spent(make_sim, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("mastodon", sim_mastodon.routes())])
    host = sim.hosts["mastodon"]
    host.rate_limit = 4
    config = parse_target(f"public@{host.base_url}", {"limit": "5", "max_pages": "50"})
    batches, _items = _run(config, None, http)
    assert host.statuses.get(429, 0) == 0
    assert host.requests <= 3
    assert batches[-1].cursor["since_id"]
    assert any("rate limit" in n for b in batches for n in b.notes)
    assert batches[-1].quota is not None and batches[-1].quota <= 2


def test_real_recorded_statuses_map() -> None:
    folder = shared_data("mastodon")
    count = 0
    for path in sorted(folder.glob("*GET_api_v1_statuses_*.json")):
        body = json.loads(path.read_text())
        if not isinstance(body, dict) or "content" not in body:
            continue
        post = to_post(body, MastodonConfig("https://mastodon.social", "public"))
        assert post.published_at.year >= 2016
        assert "<p>" not in post.text
        assert post.author.handle
        assert all("@" in m for m in post.mentions), path.name  # qualified like authors
        if body.get("quote"):  # the RE: fallback clients hide is not text
            assert "RE: " not in post.text and post.links, path.name
        count += 1
    assert count >= 5


def test_survives_a_429_and_a_503_mid_paging(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("mastodon", sim_mastodon.routes())])
    host = sim.hosts["mastodon"]
    config = parse_target(f"public@{host.base_url}", {"limit": "10", "max_pages": "3"})
    clean = [s["id"] for b in collect(config, None, http) for s in b.items]
    host.faults.retry_after = 0
    host.faults.rate_limit_next = 1
    host.faults.error_every = 3
    faulty = [s["id"] for b in collect(config, None, http) for s in b.items]
    assert faulty == clean
    assert host.statuses.get(429) and host.statuses.get(503)


def test_a_malformed_body_fails_the_run_with_the_url(make_sim, http) -> None:  # type: ignore[no-untyped-def]
    from veille.httperrors import HttpError

    sim = make_sim([HostSpec("mastodon", sim_mastodon.routes())])
    host = sim.hosts["mastodon"]
    host.faults.malformed = True
    config = parse_target(f"public@{host.base_url}")
    with pytest.raises(HttpError, match=host.base_url):
        list(collect(config, None, http))


def test_a_timeline_with_items_that_are_no_statuses_keeps_its_statuses(  # type: ignore[no-untyped-def]
    make_sim, http, tmp_path
) -> None:
    """Any server can answer as a Mastodon instance. A timeline holding a
    null, a text or a status without an id stopped the whole source on a
    KeyError or TypeError, at every poll: none of its statuses was ever
    stored. Now the statuses are stored and the rest is quarantined."""
    from veille.pipeline.collect import collect
    from veille.services.sources import add_source, quarantined
    from veille.sim.server import Reply, Route
    from veille.workspace import Workspace, init_workspace

    good = fixture("mastodon", "status.json")
    other_id = str(int(good["id"]) + 1)
    other = {**good, "id": other_id, "content": "<p>Une autre panne, ailleurs</p>"}
    other.update(uri=f"{good['uri']}-{other_id}", url=f"{good['url']}-{other_id}")
    timeline = [other, None, "status", {"content": "<p>no id</p>"}, good]
    sim = make_sim(
        [
            HostSpec(
                "hostile",
                [Route("GET", r"/api/v1/timelines/tag/lumio", lambda r: Reply.json(timeline))],
            )
        ]
    )
    ws = Workspace.open(init_workspace(tmp_path / "ws"))
    try:
        add_source(ws.store, "mastodon", f"tag:lumio@{sim.hosts['hostile'].base_url}", name="m")
        (run,) = collect(ws, http=http)
        assert run.ok and run.new_posts == 2 and run.quarantined == 3, run.error
        assert {
            q.raw if not isinstance(q.raw, dict) else "dict" for q in quarantined(ws.store)
        } == {None, "status", "dict"}
    finally:
        ws.close()
