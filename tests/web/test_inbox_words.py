"""The inbox's statuses read as words in English as they do in French: an
item in progress is "in progress" on its page, in the list and in every
status menu, not the code ``in_progress`` the API and the CLI take."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import make_post
from tests.web.conftest import Served, add_role_users, page_as, serve
from veille.inbox.items import list_items, set_status
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.workspace import Workspace, init_workspace


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, int]]:
    root = init_workspace(tmp_path_factory.mktemp("web") / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        add_topic(ws.state, "lumio", "lumio", inbox=True)
        when = datetime.now(UTC) - timedelta(hours=1)
        post = make_post("1", "lumio is down again", lang="en", published_at=when)
        build_pipeline(ws, skip=("enrich",)).ingest([post])
        (item,) = list_items(ws.state)
        set_status(ws.state, item.id, "in_progress", actor="admin")
    served, server = serve(root)
    try:
        yield served, item.id
    finally:
        server.stop()


def _read(served: Served, path: str, lang: str) -> str:
    """What the page says (its text, not its markup: a menu's option keeps
    the code as its value)."""
    return re.sub(r"<[^>]+>", " ", page_as(served, path, "manager", lang))


@pytest.mark.parametrize("where", ["list", "item", "views"])
def test_an_item_in_progress_reads_in_progress(inbox: tuple[Served, int], where: str) -> None:
    served, item = inbox
    path = {"list": "/inbox?status=in_progress", "item": f"/inbox/{item}", "views": "/inbox/views"}
    english = _read(served, path[where], "en")
    assert "in progress" in english
    assert "in_progress" not in english
    assert "en cours" in _read(served, path[where], "fr")
