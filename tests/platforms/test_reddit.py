from __future__ import annotations

import json
from datetime import timedelta

import pytest

from veille.sim import reddit as sim_reddit
from veille.sim.server import HostSpec
from veille.sources.base import SourceConfigError
from veille.sources.reddit import collect, parse_target, to_post

from .conftest import fixture, shared_data


def test_link_and_comment_children() -> None:
    link, comment = fixture("reddit", "listing.json")["data"]["children"]
    post = to_post(link)
    assert post.id == "reddit:t3_1gk2x9p"
    assert post.title == "Lumio vs Vexa & Orbita: who has the best fibre?"
    assert post.text == "Moving to Gatineau & need fibre. Thoughts?"
    assert post.links == ("https://coverage.example/map",)
    assert post.media == ("https://preview.redd.it/abc.jpg?width=1200&format=pjpg&s=123",)
    assert post.url == "https://www.reddit.com/r/telecom/comments/1gk2x9p/lumio_vs_vexa_orbita/"
    assert (post.engagement.likes, post.engagement.replies, post.engagement.shares) == (57, 23, 1)
    reply = to_post(comment)
    assert reply.text == "Lumio support fixed mine in an hour > 10/10"
    assert reply.parent_id == "reddit:t3_1gk2x9p" and reply.thread_id == "reddit:t3_1gk2x9p"
    with pytest.raises(ValueError, match="t5"):
        to_post({"kind": "t5", "data": {}})


def test_a_link_posts_address_is_unescaped() -> None:
    # Reddit's JSON (without raw_json=1) escapes "&" in a link post's url as it
    # does in titles and preview URLs: the link is the address, not its HTML.
    post = to_post(fixture("reddit", "link_post.json"))
    assert post.links == ("https://i.reddituploads.com/0d5c6e1f?fit=max&h=1536&w=1536&s=4e89",)
    assert post.title == "Lumio's outage map right now"


@pytest.mark.parametrize(
    ("target", "sub", "query", "path"),
    [
        ("search:lumio fibre", None, "lumio fibre", "/search.json"),
        ("r/telecom", "telecom", None, "/r/telecom/new.json"),
        ("/r/telecom search:lumio", "telecom", "lumio", "/r/telecom/search.json"),
    ],
)
def test_targets(target: str, sub: str | None, query: str | None, path: str) -> None:
    config = parse_target(target)
    assert (config.subreddit, config.query, config.listing_path()) == (sub, query, path)


def test_bad_targets() -> None:
    for bad in ("lumio", "r/", "r/a-b", "r/x find:y"):
        with pytest.raises(SourceConfigError):
            parse_target(bad)
    with pytest.raises(SourceConfigError, match="client_secret"):
        parse_target("r/x", {"client_id": "a"})


def _options(base: str, **extra: str) -> dict[str, str]:
    return {"base": base, "oauth_base": base, "auth_base": base, "limit": "4", **extra}


def test_oauth_search_pages_and_resumes(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("reddit", sim_reddit.routes())])
    base = sim.hosts["reddit"].base_url
    id_, secret = sim_reddit.CLIENT
    config = parse_target(
        "search:lumio", _options(base, client_id=id_, client_secret=secret, max_pages="50")
    )
    batches = list(collect(config, None, http))
    items = [c for b in batches for c in b.items]
    assert len(batches) > 1 and len(items) == len({c["data"]["name"] for c in items})
    assert all("lumio" in (to_post(c).title or "").lower() + to_post(c).text.lower() for c in items)
    assert batches[-1].cursor["newest"] == max(c["data"]["created_utc"] for c in items)
    assert batches[-1].quota is not None
    world.clock.advance(timedelta(hours=12))
    again = [c for b in collect(config, batches[-1].cursor, http) for c in b.items]
    assert again and not {c["data"]["name"] for c in items} & {c["data"]["name"] for c in again}

    wrong = parse_target("search:lumio", _options(base, client_id="x", client_secret="y"))
    with pytest.raises(Exception, match="401"):
        list(collect(wrong, None, http))


def test_subreddit_listing_stops_when_the_quota_is_nearly_spent(make_sim, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("reddit", sim_reddit.routes())])
    host = sim.hosts["reddit"]
    host.rate_limit = 4
    config = parse_target("r/lumio", _options(host.base_url, limit="2", max_pages="50"))
    batches = list(collect(config, None, http))
    assert batches and host.statuses.get(429, 0) == 0
    assert any("rate limit" in n for b in batches for n in b.notes)
    assert {c["data"]["subreddit"] for b in batches for c in b.items} == {"lumio"}


def test_real_recorded_listings() -> None:
    folder = shared_data("reddit")
    count = 0
    for name in ("subreddit.json", "user.json"):
        body = json.loads((folder / name).read_text())
        for child in body["data"]["children"]:
            if child["kind"] in ("t1", "t3"):
                post = to_post(child)
                assert (
                    post.author.handle
                    and post.url
                    and post.url.startswith("https://www.reddit.com/")
                )
                assert not any("&amp;" in link for link in post.links), post.id
                count += 1
    assert count >= 3


def test_an_item_without_a_date_does_not_stop_the_listing(make_sim, http) -> None:  # type: ignore[no-untyped-def]
    """One listed item whose created_utc was null (or 'soon') stopped the
    source on a TypeError at every poll, and none of the listing was ever
    stored. Now the dated items are read and keep the cursor; the other goes
    on to be quarantined."""
    from veille.sim.server import Reply, Route

    listing = fixture("reddit", "listing.json")
    first, second = listing["data"]["children"]
    broken = {**first, "data": {**first["data"], "created_utc": None, "name": "t3_broken"}}
    listing["data"].update(children=[second, broken, "junk", first], after=None)
    route = Route("GET", r"/r/lumio/new\.json", lambda r: Reply.json(listing))
    sim = make_sim([HostSpec("reddit", [route])])
    config = parse_target("r/lumio", _options(sim.hosts["reddit"].base_url))
    batches = list(collect(config, None, http))
    names = [c["data"]["name"] for b in batches for c in b.items]
    assert names == [second["data"]["name"], "t3_broken", first["data"]["name"]]
    assert batches[-1].cursor["newest"] == second["data"]["created_utc"]
