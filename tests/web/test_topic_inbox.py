"""A team that uses the web app only fills its inbox from a topic: the topic's
page flags it for engagement (and unflags it), as ``veille topic edit NAME
--inbox`` does, and the empty inbox says where to do it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.web.conftest import Served, csrf_from
from veille.inbox import items as inbox_items
from veille.inbox.model import ItemFilter
from veille.models import Author, Post
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import inbox_topics
from veille.services.audit import list_entries
from veille.workspace import Workspace, init_workspace

Login = Callable[..., httpx.Response | None]


def _collect(own_server: Served, n: int) -> list[int]:
    """A post mentioning lumio arrives (the ingest path a collection takes);
    the ids of the inbox items afterwards."""
    post = Post.create(
        platform="reddit",
        native_id=f"help{n}",
        text=f"lumio help please, my invoice is wrong ({n})",
        author=Author(f"customer{n}"),
        lang="en",
        published_at=datetime(2026, 11, 30, 10, n, tzinfo=UTC),
    )
    with own_server.workspace() as ws:
        build_pipeline(ws, skip=("enrich",)).ingest([post])
        return sorted(i.id for i in inbox_items.list_items(ws.state, ItemFilter(limit=50)))


def _form(page: str, action: str) -> dict[str, str]:
    """What the form posting to ``action`` sends as the page offers it
    (its fields as filled in and its ticked boxes; a box not ticked sends
    nothing)."""
    found = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', page, re.S)
    assert found, page[:3000]
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", found.group(0)):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if not name or ('type="checkbox"' in tag and " checked" not in tag):
            continue
        fields[name.group(1)] = html.unescape(value.group(1)) if value else "on"
    areas = re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', found[0], re.S)
    fields.update((area, html.unescape(text)) for area, text in areas)
    return fields


def _box(page: str) -> str:
    found = re.search(r'<input[^>]*name="inbox"[^>]*>', page)
    assert found, "the topic's form has no box to send its posts to the inbox"
    return found.group(0)


def test_an_analyst_flags_a_topic_for_the_inbox_on_its_page_and_unflags_it(
    own_server: Served, login: Login
) -> None:
    """The inbox is empty and says to flag a topic on its page; the analyst
    creates a topic with "send its posts to the inbox" ticked: the next post
    it matches is an item. Unticked later on the topic's page, the next post
    is not; each change is said, and recorded as the analyst's."""
    with httpx.Client(base_url=own_server.url, timeout=30) as analyst:
        login(analyst, "analyst")
        empty = html.unescape(analyst.get("/inbox").text)
        assert "on its page" in empty and "/topics" in empty
        new = analyst.get("/topics/new").text
        assert "checked" not in _box(new)  # a new topic is for listening unless ticked
        form = _form(new, "/topics/new") | {"name": "support", "query": "lumio help"}
        form["inbox"] = re.search(r'value="([^"]*)"', _box(new)).group(1)  # type: ignore[union-attr]
        made = analyst.post("/topics/new", data=form, follow_redirects=True)
        assert made.status_code == 200, made.text[:2000]
        said = html.unescape(made.text)
        assert "Topic support created; the posts it matches enter the inbox." in said
        assert " checked" in _box(said)
        assert len(_collect(own_server, 1)) == 1
        assert "lumio help please" in analyst.get("/inbox").text

        page = analyst.get("/topics/support").text
        form = _form(page, "/topics/support")
        assert form.pop("inbox")  # ticked: unticking it sends nothing
        off = analyst.post("/topics/support", data=form, follow_redirects=True)
        said = html.unescape(off.text)
        assert "The posts topic support matches no longer enter the inbox." in said
        assert " checked" not in _box(said)
        assert len(_collect(own_server, 2)) == 1  # the second post entered nothing
    with own_server.workspace() as ws:
        assert inbox_topics(ws.state) == set()
        assert ("analyst", "topic.inbox", "support", "off") in _audit(ws)


def _audit(ws: Workspace) -> list[tuple[str, str, str, str]]:
    return [(e.actor, e.action, e.target, e.detail) for e in list_entries(ws.state)]


def test_a_french_reader_flags_a_topic_in_french_and_a_viewer_reads_it(
    own_server: Served, login: Login
) -> None:
    """The box and what is said after are in French for a French reader; a
    viewer, who cannot change the topic, reads that its posts enter the inbox."""
    cookies = {"veille_lang": "fr"}
    with (
        httpx.Client(base_url=own_server.url, timeout=30, cookies=cookies) as analyst,
        httpx.Client(base_url=own_server.url, timeout=30, cookies=cookies) as viewer,
    ):
        login(analyst, "analyst")
        login(viewer, "viewer")
        empty = html.unescape(analyst.get("/inbox").text)
        assert "sur sa page" in empty
        new = analyst.get("/topics/new").text
        assert "Envoyer ses publications dans la boîte de réception" in html.unescape(new)
        form = _form(new, "/topics/new") | {"name": "support", "query": "lumio", "inbox": "1"}
        made = analyst.post("/topics/new", data=form, follow_redirects=True)
        assert (
            "Sujet support créé\u202f; les publications qu’il trouve entrent dans la "
            "boîte de réception." in html.unescape(made.text)
        )
        read = html.unescape(viewer.get("/topics/support").text)
        assert "Ses publications entrent dans la boîte de réception." in read
        assert 'name="inbox"' not in read
        refused = viewer.post("/topics/support", data={"csrf_token": csrf_from(read)})
        assert refused.status_code == 403
    with own_server.workspace() as ws:
        assert inbox_topics(ws.state) == {"support"}


def test_a_refused_query_leaves_the_topic_flagged_as_it_was(
    own_server: Served, login: Login
) -> None:
    """The analyst unticks the box and, in the same save, types a query that
    does not read: the save is refused with the query's error and the box as
    typed, and nothing changed: the topic still sends its posts to the inbox."""
    with own_server.workspace() as ws:
        from veille.query.topics import add_topic

        add_topic(ws.state, "support", "lumio help", inbox=True)
    with httpx.Client(base_url=own_server.url, timeout=30) as analyst:
        login(analyst, "analyst")
        form = _form(analyst.get("/topics/support").text, "/topics/support")
        del form["inbox"]
        refused = analyst.post("/topics/support", data=form | {"query": "lumio AND ("})
        assert refused.status_code == 400
        assert " checked" not in _box(refused.text)  # what was typed is kept
    with own_server.workspace() as ws:
        assert inbox_topics(ws.state) == {"support"}
        assert all(a[1] != "topic.inbox" for a in _audit(ws))
    assert len(_collect(own_server, 3)) == 1


def test_an_integration_flags_a_topic_for_the_inbox_through_the_api(tmp_path: Path) -> None:
    """The REST API creates a topic flagged for the inbox, says which topics
    are, and unflags one with a PUT (a PUT without ``inbox`` leaves it)."""
    from tests.web import server as api_server

    root = init_workspace(tmp_path / "ws")
    tokens = api_server.add_role_users(root)
    with (
        api_server.serve(root) as running,
        httpx.Client(
            base_url=running.url,
            headers={"Authorization": f"Bearer {tokens['analyst']}"},
            timeout=30,
        ) as api,
    ):
        made = api.post("/api/v1/topics", json={"name": "support", "query": "lumio", "inbox": True})
        assert made.status_code == 201 and made.json()["inbox"] is True
        assert (
            api.post("/api/v1/topics", json={"name": "news", "query": "vexa"}).json()["inbox"]
            is False
        )
        listed = {t["name"]: t["inbox"] for t in api.get("/api/v1/topics").json()}
        assert listed == {"support": True, "news": False}
        kept = api.put("/api/v1/topics/support", json={"query": "lumio help"})
        assert kept.json()["inbox"] is True and kept.json()["version"] == 2
        off = api.put("/api/v1/topics/support", json={"query": "lumio help", "inbox": False})
        assert off.status_code == 200 and off.json()["inbox"] is False
        assert api.get("/api/v1/topics/support").json()["inbox"] is False
    with Workspace.open(root) as ws:
        assert inbox_topics(ws.state) == set()
