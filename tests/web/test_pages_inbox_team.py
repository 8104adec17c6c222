"""A customer-service team (a lead and two agents) working one inbox at once:
each person is their own HTTP session against one live server."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from veille.inbox import items as svc
from veille.inbox.model import ItemFilter
from veille.models import Author, Post
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.services import users
from veille.workspace import Workspace, init_workspace

from .conftest import Served, csrf_from, do_login, password_for, serve

TEAM = {"lead": "manager", "agent1": "analyst", "agent2": "analyst", "viewer": "viewer"}


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[Served, dict[str, httpx.Client], list[int]]]:
    """The app over a workspace with the team's accounts and three Reddit
    items (a platform veille does not reply on), and one signed-in client each."""
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        for name, role in TEAM.items():
            users.add_user(ws.state, name, password_for(name), role)
        add_topic(ws.store, "lumio", "lumio", inbox=True)
        posts = [
            Post.create(
                platform="reddit",
                native_id=f"t{i}",
                text=f"lumio help {i}",
                author=Author(f"person{i}"),
                lang="en",
                published_at=datetime(2026, 11, 30, 10, i, tzinfo=UTC),
            )
            for i in range(3)
        ]
        build_pipeline(ws, skip=("enrich",)).ingest(posts)
        ids = sorted(i.id for i in svc.list_items(ws.state, ItemFilter(limit=10)))
    served, server = serve(root)
    clients = {n: httpx.Client(base_url=served.url, timeout=30) for n in TEAM}
    try:
        for name, client in clients.items():
            assert do_login(client, name).status_code == 303
        yield served, clients, ids
    finally:
        for client in clients.values():
            client.close()
        server.stop()


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
