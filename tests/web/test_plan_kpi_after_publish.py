"""What the team does in the web app counts in the plan's KPIs at once: a
post of the calendar published on the simulator's Mastodon in "posts
published", a reply sent from the inbox in the first-response time (the
plan's figures are kept a minute for every viewer, but not across a change
made in the app that they count)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import csrf_from, do_login, password_for, serve
from tests.web.server import add_test_user
from veille.inbox.model import ItemFilter
from veille.models import Author, Post
from veille.pipeline.ingest import build_pipeline
from veille.publish import add_account
from veille.query.topics import add_topic
from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.sim.social import snowflake
from veille.workspace import Workspace, init_workspace

SIM_NOW = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    cfg = SimConfig(seed=7, days=2, end=SIM_NOW, spike_day=1, posts_per_day=20, spike_posts=0)
    with Simulator(SimWorld.generate(cfg, SimClock(SIM_NOW))) as s:
        yield s


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _posts_published(page: str) -> int:
    words = _words(page)
    found = re.search(r"Posts published · Mastodon over the last 7 days up to now (\d+)", words)
    assert found, words[:3000]
    return int(found.group(1))


def test_a_post_published_from_the_calendar_counts_in_its_kpi_at_once(
    tmp_path: Path, sim: Simulator
) -> None:
    root = init_workspace(tmp_path / "ws")
    toml = root / "veille.toml"
    allow = ("# allow_private_networks = false", "allow_private_networks = true")
    toml.write_text(toml.read_text().replace(*allow))
    with Workspace.open(root) as ws:
        add_test_user(ws.state, "lead", password_for("lead"), "manager")
        # A post heard (the KPI counts from what veille holds).
        heard = Post.create(platform="mastodon", native_id="h1", text="lumio news",
                            author=Author("someone"), lang="en",
                            published_at=datetime.now(UTC) - timedelta(days=40))  # fmt: skip
        build_pipeline(ws, skip=("enrich",)).ingest([heard])
        add_account(
            ws.state, "masto", "mastodon", sim.url("mastodon", "").rstrip("/"),
            secret="sim-mastodon-token",
        )  # fmt: skip
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as lead:
            assert do_login(lead, "lead").status_code == 303
            token = csrf_from(lead.get("/plan/edit").text)
            kpi = {"csrf_token": token, "name": "posts", "kind": "posts_published",
                   "target": "3", "platform": "mastodon", "period_days": "7"}  # fmt: skip
            assert lead.post("/plan/kpis", data=kpi).status_code == 303
            channel = {"csrf_token": token, "platform": "mastodon", "handle": "lumio",
                       "posts_per_week": "3"}  # fmt: skip
            assert lead.post("/plan/channels", data=channel).status_code == 303
            at = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
            post = {"csrf_token": token, "account": "masto", "at": at,
                    "text": "Lumio: new opening hours this week", "action": "save"}  # fmt: skip
            assert lead.post("/plan/calendar", data=post).status_code == 303
            assert _posts_published(lead.get("/plan").text) == 0
            with served.workspace() as ws:
                [entry] = ws.state.calendar_entries()
            done = lead.post(f"/plan/calendar/{entry.id}/publish", data={"csrf_token": token})
            assert done.status_code == 303, done.text[:2000]
            assert [p.text for p in sim.world.by_platform["mastodon"]].count(post["text"]) == 1
            assert _posts_published(lead.get("/plan").text) == 1
    finally:
        server.stop()


def test_a_reply_sent_from_the_inbox_counts_in_the_first_response_kpi_at_once(
    tmp_path: Path, sim: Simulator
) -> None:
    """The lead reads the plan (no item answered yet), an agent answers an
    item through the simulator's Mastodon, and the lead's plan has a
    first-response time at once, not "no item has an answer" a while more."""
    root = init_workspace(tmp_path / "ws")
    toml = root / "veille.toml"
    allow = ("# allow_private_networks = false", "allow_private_networks = true")
    toml.write_text(toml.read_text().replace(*allow))
    world_post = sim.world.by_platform["mastodon"][0]
    with Workspace.open(root) as ws:
        add_test_user(ws.state, "lead", password_for("lead"), "manager")
        add_test_user(ws.state, "agent", password_for("agent"), "analyst")
        add_topic(ws.state, "lumio", "lumio", inbox=True)
        asked = Post.create(
            platform="mastodon",
            native_id=f"{sim.host('mastodon').address}/{snowflake(world_post)}",
            text="lumio is down again", author=Author("asker"), lang="en",
            published_at=world_post.published_at,
        )  # fmt: skip
        build_pipeline(ws, skip=("enrich",)).ingest([asked])
        add_account(
            ws.state, "masto", "mastodon", sim.url("mastodon", "").rstrip("/"),
            secret="sim-mastodon-token",
        )  # fmt: skip
        [item] = ws.state.inbox_items(ItemFilter(limit=5))
    served, server = serve(root)
    try:
        with (
            httpx.Client(base_url=served.url, timeout=30) as lead,
            httpx.Client(base_url=served.url, timeout=30) as agent,
        ):
            assert do_login(lead, "lead").status_code == 303
            assert do_login(agent, "agent").status_code == 303
            token = csrf_from(lead.get("/plan/edit").text)
            kpi = {"csrf_token": token, "name": "reply-time", "kind": "first_response",
                   "target": "60", "period_days": "30"}  # fmt: skip
            assert lead.post("/plan/kpis", data=kpi).status_code == 303
            assert "no item that entered the inbox in the period has an answer" in _words(
                lead.get("/plan").text
            )
            form = {"csrf_token": csrf_from(agent.get(f"/inbox/{item.id}").text),
                    "text": "Sorry, we are on it.", "step": "send"}  # fmt: skip
            assert agent.post(f"/inbox/{item.id}/reply", data=form).status_code == 303
            assert [p.text for p in sim.world.by_platform["mastodon"]].count(form["text"]) == 1
            words = _words(lead.get("/plan").text)
            assert "has an answer" not in words
            assert re.search(r"first-response time \(median, minutes\) over the last 30 days "
                             r"up to now [\d.]+ ", words), words[:3000]  # fmt: skip
    finally:
        server.stop()
