from __future__ import annotations

import json
from datetime import timedelta

import pytest

from veille.sim import hackernews as sim_hn
from veille.sim.server import HostSpec
from veille.sim.social import words_match
from veille.sources.base import SourceConfigError
from veille.sources.hackernews import collect, parse_target, to_post

from .conftest import END, fixture, shared_data


def test_comment_and_story_hits() -> None:
    comment, story = fixture("hackernews", "search_by_date.json")["hits"]
    c = to_post(comment)
    assert c.id == "hackernews:45123499"
    assert (
        c.text
        == "Lumio's fibre has been solid for me in Gatineau.\n\nSee https://lumio.example/coverage"
    )
    assert c.links == ("https://lumio.example/coverage",)
    assert c.parent_id == "hackernews:45123411" and c.thread_id == "hackernews:45123400"
    assert c.title is None and c.url == "https://news.ycombinator.com/item?id=45123499"
    s = to_post(story)
    assert s.title == "Lumio announces fibre expansion" and s.text == ""
    assert s.links == ("https://technews.example/lumio-fibre",)
    assert (s.engagement.likes, s.engagement.replies) == (128, 57)
    assert s.thread_id is None and int(s.published_at.timestamp()) == 1793390460


def test_target_and_options() -> None:
    assert parse_target("lumio", {"tags": "story"}).tags == "story"
    with pytest.raises(SourceConfigError):
        parse_target("  ")
    with pytest.raises(SourceConfigError, match="between 1 and 1000"):
        parse_target("x", {"hits_per_page": "5000"})


def test_collect_uses_created_at_i_cursor(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("hackernews", sim_hn.routes())])
    config = parse_target(
        "lumio", {"api": sim.hosts["hackernews"].base_url, "hits_per_page": "3", "max_pages": "100"}
    )
    batches = list(collect(config, None, http))
    hits = [h for b in batches for h in b.items]
    assert hits and len(hits) == len({h["objectID"] for h in hits})
    # Each page commits its progress; the last one the plain cursor.
    uppers = [b.cursor["upper"] for b in batches[:-1]]
    assert uppers == sorted(uppers, reverse=True)
    assert batches[-1].cursor == {"created_at_i": max(h["created_at_i"] for h in hits)}
    assert all("lumio" in (to_post(h).title or to_post(h).text).lower() for h in hits)
    stories = [p for p in map(to_post, hits) if p.title]
    assert stories and not [p for p in stories if p.text.startswith(p.title.rstrip("…"))]

    world.clock.advance(timedelta(days=1))
    new = [h for b in collect(config, batches[-1].cursor, http) for h in b.items]
    assert new and min(h["created_at_i"] for h in new) > batches[-1].cursor["created_at_i"]


def test_real_recorded_hits() -> None:
    folder = shared_data("hackernews")
    count = 0
    for path in sorted(folder.glob("*_search_*.json")):
        for raw in json.loads(path.read_text()).get("hits", []):
            post = to_post(raw)
            assert post.author.handle and post.url
            assert "<p>" not in post.text
            count += 1
    assert count >= 5


def test_a_run_cut_short_leaves_no_gap(make_sim, world, http) -> None:  # type: ignore[no-untyped-def]
    sim = make_sim([HostSpec("hackernews", sim_hn.routes())])
    api = sim.hosts["hackernews"].base_url
    config = parse_target("lumio", {"api": api, "hits_per_page": "2", "max_pages": "2"})
    world.clock.set(END - timedelta(days=3))
    first = list(collect(config, None, http))
    cursor = first[-1].cursor
    assert set(cursor) == {"created_at_i"}
    world.clock.set(END)
    expected = {
        str(sim_hn.seq_of(p))
        for p in world.visible(platform="hackernews")
        if int(p.published_at.timestamp()) > cursor["created_at_i"] and words_match(p, "lumio")
    }
    assert len(expected) > 8  # more than two runs of two pages of two
    got: set[str] = set()
    for _ in range(30):
        batches = list(collect(config, cursor, http))
        got |= {h["objectID"] for b in batches for h in b.items}
        if not batches:
            break
        cursor = batches[-1].cursor
        if set(cursor) == {"created_at_i"} and got >= expected:
            break
    assert got == expected


def test_a_story_does_not_repeat_its_title_in_its_text() -> None:
    story = fixture("hackernews", "search_by_date.json")["hits"][1]
    title = "Ask HN: is Lumio fibre worth it?"
    ask = {**story, "url": None, "title": title,
           "story_text": f"{title} <p>Moving to Gatineau next month."}  # fmt: skip
    post = to_post(ask)
    assert post.title == "Ask HN: is Lumio fibre worth it?"
    assert post.text == "Moving to Gatineau next month."
    # A title cut short with an ellipsis still matches the words it kept.
    cut = {**ask, "title": "Ask HN: is Lumio fibre…"}
    assert to_post(cut).text == "worth it?\n\nMoving to Gatineau next month."
    # A title that stops inside a word of the text repeats nothing.
    partial = {**ask, "title": "Ask HN: is Lumio fib"}
    assert to_post(partial).text.startswith("Ask HN: is Lumio fibre")
    # A story with its own text keeps all of it.
    own = {**ask, "story_text": "Moving to Gatineau next month."}
    assert to_post(own).text == "Moving to Gatineau next month."
