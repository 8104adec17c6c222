"""``/api/v1/inbox``: snoozing an item and listing the snoozed ones, over a
live server with Bearer tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_post
from tests.web.server import Running, add_role_users, serve
from veille.inbox import items as svc
from veille.inbox.model import ItemFilter
from veille.models import Author
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.workspace import Workspace


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Running]:
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    tokens = add_role_users(root)
    with Workspace.open(root) as ws:
        add_topic(ws.store, "support", "lumio", inbox=True)
        posts = [make_post(f"a{i}", f"lumio help {i}", author=Author(f"asker{i}"),
                           published_at=datetime(2026, 12, 1, 9, i, tzinfo=UTC))
                 for i in range(2)]  # fmt: skip
        build_pipeline(ws, skip=("enrich",)).ingest(posts)
    with serve(root) as server:
        server.tokens = tokens
        yield server


def _client(api: Running, role: str) -> httpx.Client:
    return httpx.Client(
        base_url=api.url, headers={"Authorization": f"Bearer {api.tokens[role]}"}, timeout=30
    )


def test_snooze_unsnooze_and_the_snoozed_list(api: Running) -> None:
    with _client(api, "analyst") as client:
        opened = client.get("/api/v1/inbox/items").json()
        assert len(opened) == 2
        first = opened[0]
        done = client.post(f"/api/v1/inbox/items/{first['id']}/snooze",
                           json={"until": "monday", "version": first["version"]})  # fmt: skip
        assert done.status_code == 200, done.text
        body = done.json()
        assert body["status"] == "snoozed" and body["snoozed_until"]
        assert [i["id"] for i in client.get("/api/v1/inbox/items").json()] == [opened[1]["id"]]
        snoozed = client.get("/api/v1/inbox/items", params={"view": "snoozed"}).json()
        assert [(i["id"], i["snoozed_until"]) for i in snoozed] == [
            (first["id"], body["snoozed_until"])
        ]
        # The version read before the snooze: someone changed it since.
        stale = client.post(f"/api/v1/inbox/items/{first['id']}/unsnooze",
                            json={"version": first["version"]})  # fmt: skip
        assert stale.status_code == 409
        back = client.post(f"/api/v1/inbox/items/{first['id']}/unsnooze", json={})
        assert back.status_code == 200 and back.json()["status"] == "new"
        bad = client.post(f"/api/v1/inbox/items/{first['id']}/snooze", json={"until": "later"})
        assert bad.status_code == 400
        assert (
            "'later': that is neither a preset nor a date and time"
            in bad.json()["error"]["message"]
        )
    with _client(api, "viewer") as viewer:
        refused = viewer.post(f"/api/v1/inbox/items/{first['id']}/snooze", json={"until": "3h"})
        assert refused.status_code == 403
    with Workspace.open(api.root) as ws:
        history = [e.action for e in svc.events(ws.state, first["id"])]
        assert history[-2:] == ["snooze", "unsnooze"]
        assert svc.list_items(ws.state, ItemFilter(statuses=("snoozed",))) == []
