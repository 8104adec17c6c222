"""A customer-service team (a lead and two agents) working one inbox at once:
each person is their own HTTP session against one live server."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from veille.inbox import items as svc
from veille.inbox.model import ItemFilter
from veille.models import Author, Post
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.sim.social import snowflake
from veille.workspace import Workspace, init_workspace

from .conftest import Served, csrf_from, do_login, password_for, serve
from .server import add_test_user

SIM_NOW = datetime(2026, 10, 1, tzinfo=UTC)
TEAM = {
    "lead": "manager", "lead2": "manager", "agent1": "analyst", "agent2": "analyst",
    "viewer": "viewer",
}  # fmt: skip


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[Served, dict[str, httpx.Client], list[int]]]:
    """The app over a workspace with the team's accounts and three Reddit
    items (a platform veille does not reply on), and one signed-in client each."""
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        for name, role in TEAM.items():
            add_test_user(ws.state, name, password_for(name), role)
        add_topic(ws.store, "lumio", "lumio", inbox=True)
        add_topic(ws.store, "billing", "invoice", inbox=True)
        posts = [
            Post.create(
                platform="reddit",
                native_id=f"t{i}",
                text=f"lumio help {i}" + (" about my invoice" if i == 2 else ""),
                author=Author(f"person{i}"),
                lang="en",
                published_at=datetime(2026, 11, 30, 10, i, tzinfo=UTC),
            )
            for i in range(3)
        ]
        build_pipeline(ws, skip=("enrich",)).ingest(posts)
        ids = sorted(i.id for i in svc.list_items(ws.state, ItemFilter(limit=10)))
    served, server = serve(root)
    clients = _SignedIn(served.url)
    try:
        yield served, clients, ids
    finally:
        clients.close()
        server.stop()


class _SignedIn(dict[str, httpx.Client]):
    """One client per team member, signed in through the login form the
    first time a test asks for it (a test needs two or three of the five,
    and each sign-in checks an argon2 hash, slow on purpose)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def __missing__(self, name: str) -> httpx.Client:
        assert name in TEAM, name
        client = httpx.Client(base_url=self.url, timeout=30)
        self[name] = client
        assert do_login(client, name).status_code == 303
        return client

    def close(self) -> None:
        for client in self.values():
            client.close()


def _listed(page: str) -> set[int]:
    import re

    return {int(m) for m in re.findall(r'<td><a href="/inbox/(\d+)">\1</a></td>', page)}


def _caption(page: str) -> str:
    import re

    found = re.search(r"<caption>([^<]*)</caption>", page)
    assert found
    return html.unescape(found.group(1))


def test_an_item_an_agent_lets_go_of_midway_is_in_the_unassigned_view(
    team: tuple[Served, dict[str, httpx.Client], list[int]],
) -> None:
    """agent1 takes an item, starts on it, then hands it back (end of shift):
    nobody has it, so the lead's "unassigned" view shows it, and the tab's
    count says as many items as the list holds."""
    _served, clients, ids = team
    agent1, lead = clients["agent1"], clients["lead"]
    page = agent1.get(f"/inbox/{ids[0]}").text
    token = csrf_from(page)
    assert (
        agent1.post(
            f"/inbox/{ids[0]}/assign", data={"csrf_token": token, "to": "agent1"}
        ).status_code
        == 303
    )
    assert (
        agent1.post(
            f"/inbox/{ids[0]}/status", data={"csrf_token": token, "status": "in_progress"}
        ).status_code
        == 303
    )
    assert (
        agent1.post(f"/inbox/{ids[0]}/assign", data={"csrf_token": token, "to": ""}).status_code
        == 303
    )
    shown = lead.get("/inbox", params={"view": "unassigned"}).text
    assert _listed(shown) == set(ids)
    assert _caption(shown) == "3 items"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    cfg = SimConfig(seed=7, days=2, end=SIM_NOW, spike_day=1, posts_per_day=20, spike_posts=0)
    with Simulator(SimWorld.generate(cfg, SimClock(SIM_NOW))) as s:
        yield s


def _mastodon_team(tmp_path: Path, sim: Simulator) -> tuple[Path, Any]:
    """A workspace with the team's accounts, the organization's Mastodon
    account on the simulator, and one item for a post the simulator holds."""
    from veille.publish import add_account

    root = init_workspace(tmp_path / "ws")
    toml = root / "veille.toml"
    toml.write_text(
        toml.read_text().replace(
            "# allow_private_networks = false", "allow_private_networks = true"
        )
    )
    world_post = sim.world.by_platform["mastodon"][0]
    with Workspace.open(root) as ws:
        for name, role in TEAM.items():
            add_test_user(ws.state, name, password_for(name), role)
        add_topic(ws.store, "lumio", "lumio", inbox=True)
        post = Post.create(
            platform="mastodon",
            native_id=f"{sim.host('mastodon').address}/{snowflake(world_post)}",
            text="lumio is down again",
            author=Author("asker"),
            lang="en",
            published_at=world_post.published_at,
        )
        build_pipeline(ws, skip=("enrich",)).ingest([post])
        url = sim.url("mastodon", "").rstrip("/")
        add_account(ws.state, "masto", "mastodon", url, secret="sim-mastodon-token")
        [item] = svc.list_items(ws.state, ItemFilter(limit=10))
    return root, item


def test_a_reply_that_failed_is_sent_again_by_a_colleague_and_published_once(
    tmp_path: Path, sim: Simulator
) -> None:
    """agent1's reply reaches Mastodon, but the answer is cut on the way
    back: the item shows it failed. agent2 opens the item and sends it again
    with the button under it: it reads sent, and the customer has one reply."""
    root, item = _mastodon_team(tmp_path, sim)
    served, server = serve(root)
    text = "Sorry about that, we are on it."
    published = lambda: [p for p in sim.world.by_platform["mastodon"] if p.text == text]  # noqa: E731
    try:
        with (
            httpx.Client(base_url=served.url, timeout=30) as agent1,
            httpx.Client(base_url=served.url, timeout=30) as agent2,
            httpx.Client(base_url=served.url, timeout=30) as viewer,
        ):
            for name, client in (("agent1", agent1), ("agent2", agent2), ("viewer", viewer)):
                assert do_login(client, name).status_code == 303
            token = csrf_from(agent1.get(f"/inbox/{item.id}").text)
            sim.host("mastodon").faults.truncate = True
            try:
                form = {"csrf_token": token, "text": text, "step": "send"}
                failed = agent1.post(f"/inbox/{item.id}/reply", data=form)
            finally:
                sim.host("mastodon").faults.truncate = False
            assert failed.status_code == 400
            assert len(published()) == 1  # Mastodon did take it
            seen = agent2.get(f"/inbox/{item.id}").text
            assert "Send again" in seen
            assert "Send again" not in viewer.get(f"/inbox/{item.id}").text
            with served.workspace() as ws:
                [stored] = ws.state.inbox_replies(item.id)
            forbidden = viewer.post(
                f"/inbox/replies/{stored.id}/retry", data={"csrf_token": csrf_from(seen)}
            )
            assert forbidden.status_code == 403
            again = agent2.post(
                f"/inbox/replies/{stored.id}/retry", data={"csrf_token": csrf_from(seen)}
            )
            assert again.status_code == 303, again.text
            page = html.unescape(agent2.get(f"/inbox/{item.id}").text)
    finally:
        server.stop()
    assert len(published()) == 1  # one reply on Mastodon, not two
    assert "Send again" not in page and "agent1 · sent" in page
    with Workspace.open(root) as ws:
        [stored] = ws.state.inbox_replies(item.id)
        assert stored.status == "sent" and stored.remote_url == published()[0].url
        assert svc.get_item(ws.state, item.id).status == "responded"


def test_a_bulk_assignment_does_not_take_an_item_a_colleague_took_meanwhile(
    team: tuple[Served, dict[str, httpx.Client], list[int]],
) -> None:
    """agent2 reads the list, ticks every item and assigns them to himself;
    meanwhile agent1 took one of them from its page. That one stays
    agent1's, and agent2 is told why; the others are his."""
    served, clients, ids = team
    agent1, agent2 = clients["agent1"], clients["agent2"]
    listed = agent2.get("/inbox").text
    token = csrf_from(agent1.get(f"/inbox/{ids[0]}").text)
    took = agent1.post(f"/inbox/{ids[0]}/assign", data={"csrf_token": token, "to": "agent1"})
    assert took.status_code == 303
    form = dict(_bulk_form(listed), action="assign", value="agent2")
    done = agent2.post("/inbox/bulk", data=form, follow_redirects=True)
    said = html.unescape(done.text)
    assert "2 items changed." in said
    assert f"#{ids[0]}: inbox item {ids[0]} changed since you read it" in said
    with served.workspace() as ws:
        assert svc.get_item(ws.state, ids[0]).assignee == "agent1"
        assert [svc.get_item(ws.state, i).assignee for i in ids[1:]] == ["agent2", "agent2"]


def _bulk_form(page: str) -> dict[str, object]:
    """What the list's bulk form sends with every item ticked."""
    import re

    form = re.search(r'<form method="post" action="/inbox/bulk".*?</form>', page, re.S)
    assert form
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", form.group(0)):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and value and name.group(1) not in ("action", "value"):
            fields.setdefault(name.group(1), []).append(html.unescape(value.group(1)))
    return {k: v[0] if k == "csrf_token" else v for k, v in fields.items()}


def test_the_lead_filters_the_list_by_topic_and_saves_it_as_a_view(
    team: tuple[Served, dict[str, httpx.Client], list[int]],
) -> None:
    """The billing questions go to one agent: the lead lists the items of
    the topic "billing" (the count says as many as the list shows), saves
    that as a view for everyone, and agent2 opens it."""
    _served, clients, ids = team
    lead, agent2 = clients["lead"], clients["agent2"]
    shown = lead.get("/inbox", params={"topic": "billing"}).text
    assert _listed(shown) == {ids[2]} and _caption(shown) == "1 item"
    assert '<option value="billing" selected>billing</option>' in shown
    form = {"csrf_token": csrf_from(shown), "name": "billing", "shared": "true",
            "filters": "topic=billing"}  # fmt: skip
    assert lead.post("/inbox/views", data=form).status_code == 303
    viewed = agent2.get("/inbox", params={"view": "billing"}).text
    assert _listed(viewed) == {ids[2]} and _caption(viewed) == "1 item"
    assert '<span class="filter">Topics: billing</span>' in agent2.get("/inbox/views").text
    # The views page's own form takes topics too; a mistyped one is said, not saved.
    typo = {"csrf_token": csrf_from(shown), "name": "bills", "topic": "biling"}
    refused = lead.post("/inbox/views/new", data=typo)
    assert refused.status_code == 400 and "no topic named 'biling'" in html.unescape(refused.text)


def test_the_lead_sees_who_has_each_item_and_since_when(
    team: tuple[Served, dict[str, httpx.Client], list[int]],
) -> None:
    """agent1 takes an item: the lead's list and the item's page say agent1,
    and since when (the moment of the assignment, as its history has it)."""
    served, clients, ids = team
    agent1, lead = clients["agent1"], clients["lead"]
    token = csrf_from(agent1.get(f"/inbox/{ids[1]}").text)
    took = agent1.post(f"/inbox/{ids[1]}/assign", data={"csrf_token": token, "to": "agent1"})
    assert took.status_code == 303
    with served.workspace() as ws:
        [assigned] = [e for e in svc.events(ws.state, ids[1]) if e.action == "assign"]
    since = f'agent1 <time class="since" datetime="{assigned.at.isoformat()}">since '
    assert since in lead.get("/inbox").text
    assert since in lead.get(f"/inbox/{ids[1]}").text
    assert 'class="since"' not in lead.get(f"/inbox/{ids[0]}").text  # nobody has it


def test_a_reply_stuck_sending_is_sent_again_once(tmp_path: Path, sim: Simulator) -> None:
    """The server stopped while agent1's reply was being sent: it reads
    "sending" for ever and every new reply is told the item is answered.
    Past the reply claim's length, agent2 can send it again, once."""
    import time

    root, item = _mastodon_team(tmp_path, sim)
    text = "We are looking into it right now."
    long_ago = int(time.time()) - 3600
    with Workspace.open(root) as ws:  # what the stopped process left
        stuck = ws.state.add_inbox_reply(item.id, "agent1", text, "sending", long_ago)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as agent2:
            assert do_login(agent2, "agent2").status_code == 303
            seen = agent2.get(f"/inbox/{item.id}").text
            assert "Send again" in seen
            again = agent2.post(
                f"/inbox/replies/{stuck}/retry", data={"csrf_token": csrf_from(seen)}
            )
            assert again.status_code == 303, again.text
            page = agent2.get(f"/inbox/{item.id}").text
    finally:
        server.stop()
    assert "Send again" not in page and "agent1 · sent" in page
    assert len([p for p in sim.world.by_platform["mastodon"] if p.text == text]) == 1
    with Workspace.open(root) as ws:
        [reply] = ws.state.inbox_replies(item.id)
        assert (reply.id, reply.status) == (stuck, "sent")


def test_sending_the_same_text_again_from_the_composer_publishes_it_once(
    tmp_path: Path, sim: Simulator
) -> None:
    """agent1's reply reaches Mastodon but its answer is cut: the page says
    it failed and keeps the text in the composer. agent1 presses Send again
    there: it is that same reply sent again, not a second one."""
    root, item = _mastodon_team(tmp_path, sim)
    text = "Thanks, a fix is on its way."
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as agent1:
            assert do_login(agent1, "agent1").status_code == 303
            token = csrf_from(agent1.get(f"/inbox/{item.id}").text)
            form = {"csrf_token": token, "text": text, "step": "send"}
            sim.host("mastodon").faults.truncate = True
            try:
                failed = agent1.post(f"/inbox/{item.id}/reply", data=form)
            finally:
                sim.host("mastodon").faults.truncate = False
            assert failed.status_code == 400 and f">{text}</textarea>" in failed.text
            again = agent1.post(f"/inbox/{item.id}/reply", data=form)
            assert again.status_code == 303, again.text
    finally:
        server.stop()
    assert len([p for p in sim.world.by_platform["mastodon"] if p.text == text]) == 1
    with Workspace.open(root) as ws:
        assert [r.status for r in ws.state.inbox_replies(item.id)] == ["sent"]


def test_two_managers_deciding_one_pending_reply_at_once(tmp_path: Path, sim: Simulator) -> None:
    """Both leads open the item while agent1's reply waits for approval: one
    rejects it, the other (whose page still shows the buttons) approves it a
    moment later. Nothing is sent, and the second is told who rejected it, in
    French; the other way round, the reply is sent once and the late
    rejection says who approved it."""
    import time

    root, item = _mastodon_team(tmp_path, sim)
    texts = ("Our status page has the details.", "A fix ships tonight.")
    with Workspace.open(root) as ws:
        waiting = [
            ws.state.add_inbox_reply(item.id, "agent1", t, "pending_approval", int(time.time()))
            for t in texts
        ]
    served, server = serve(root)
    try:
        with (
            httpx.Client(base_url=served.url, timeout=30) as lead,
            httpx.Client(base_url=served.url, timeout=30) as lead2,
        ):
            for client, name in ((lead, "lead"), (lead2, "lead2")):
                assert do_login(client, name).status_code == 303
            lead2.cookies.set("veille_lang", "fr")
            seen, seen2 = lead.get(f"/inbox/{item.id}").text, lead2.get(f"/inbox/{item.id}").text
            assert f"/inbox/replies/{waiting[0]}/approve" in seen2
            rejected = lead.post(
                f"/inbox/replies/{waiting[0]}/reject",
                data={"csrf_token": csrf_from(seen), "reason": "tone"},
            )
            assert rejected.status_code == 303
            late = lead2.post(
                f"/inbox/replies/{waiting[0]}/approve", data={"csrf_token": csrf_from(seen2)}
            )
            assert late.status_code == 303
            told = html.unescape(lead2.get(late.headers["location"]).text)
            assert f"la réponse n°\u202f{waiting[0]} a déjà été rejetée par lead" in told
            approved = lead2.post(
                f"/inbox/replies/{waiting[1]}/approve", data={"csrf_token": csrf_from(seen2)}
            )
            assert approved.status_code == 303
            late = lead.post(
                f"/inbox/replies/{waiting[1]}/reject",
                data={"csrf_token": csrf_from(seen), "reason": "too late"},
            )
            told = html.unescape(lead.get(late.headers["location"]).text)
            assert f"reply {waiting[1]} was already approved by lead2: it is sent" in told
    finally:
        server.stop()
    published = [p.text for p in sim.world.by_platform["mastodon"]]
    assert texts[0] not in published and published.count(texts[1]) == 1
    with Workspace.open(root) as ws:
        assert [r.status for r in ws.state.inbox_replies(item.id)] == ["failed", "sent"]


def test_a_reply_being_sent_again_is_not_offered_to_send_again_meanwhile(
    tmp_path: Path, sim: Simulator
) -> None:
    """agent1 pressed "Send again" on an hour-old reply: it reads "sending"
    while the platform is asked, and agent1 holds the item. It was taken for
    one stuck (its creation is an hour old), so the page offered "Send again"
    during the send, and a second press sent it a second time alongside.
    Once the hold lapses (the process sending it stopped), it is offered."""
    import time

    root, item = _mastodon_team(tmp_path, sim)
    text = "Sending this one again."
    now = int(time.time())
    with Workspace.open(root) as ws:  # agent1's send again, under way
        reply = ws.state.add_inbox_reply(item.id, "agent1", text, "sending", now - 3600)
        assert ws.state.claim_inbox_reply(item.id, "agent1", now=now, until=now + 600) is None
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as agent1:
            assert do_login(agent1, "agent1").status_code == 303
            seen = agent1.get(f"/inbox/{item.id}").text
            assert "Send again" not in seen
            again = agent1.post(
                f"/inbox/replies/{reply}/retry", data={"csrf_token": csrf_from(seen)}
            )
            assert again.status_code == 400, again.text[:300]
            assert f"reply {reply} did not fail: it is sending" in html.unescape(again.text)
            with Workspace.open(root) as ws:  # the process sending it stopped: the hold lapses
                ws.state.release_inbox_reply(item.id, "agent1")
            assert "Send again" in agent1.get(f"/inbox/{item.id}").text
    finally:
        server.stop()
    assert [p for p in sim.world.by_platform["mastodon"] if p.text == text] == []


def test_removing_an_agent_puts_their_open_items_back_in_the_queue(
    team: tuple[Served, dict[str, httpx.Client], list[int]],
) -> None:
    """An agent leaves and an admin removes the account: their signed-in
    session ends at once, and the open items they held, which sat assigned
    to nobody who could see them (out of the unassigned queue), are back in
    it, said on the page. A closed one keeps its history as it is."""
    served, clients, ids = team
    agent2 = clients["agent2"]  # signed in before the account is removed
    with Workspace.open(served.root) as ws:
        add_test_user(ws.state, "boss", password_for("boss"), "admin")
        svc.assign(ws.state, ids[0], "agent2", actor="lead")
        svc.assign(ws.state, ids[1], "agent2", actor="lead")
        svc.set_status(ws.state, ids[1], "in_progress", actor="agent2")
        svc.assign(ws.state, ids[2], "agent2", actor="lead")
        svc.set_status(ws.state, ids[2], "closed", actor="agent2")
    with httpx.Client(base_url=served.url, timeout=30) as boss:
        assert do_login(boss, "boss").status_code == 303
        token = csrf_from(boss.get("/users").text)
        removed = boss.post("/users/agent2/remove", data={"csrf_token": token})
        assert removed.status_code == 303
        said = html.unescape(boss.get(removed.headers["location"]).text)
    assert "User agent2 removed. 2 open inbox items assigned to them are back in the queue" in said
    gone = agent2.get("/inbox")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    shown = clients["lead"].get("/inbox", params={"view": "unassigned"}).text
    assert {ids[0], ids[1]} <= _listed(shown)
    with Workspace.open(served.root) as ws:
        assert svc.get_item(ws.state, ids[2]).assignee == "agent2"
        assert svc.get_item(ws.state, ids[1]).status == "in_progress"
