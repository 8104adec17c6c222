"""A post without an author (an empty handle, see ``veille.models.Author``)
reads "author unknown" / "auteur inconnu" on every page that names a post's
author: the stream, a post's page, the inbox list, an inbox item and a thread
around it. It read a bare "@" before."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from veille.inbox import items as svc
from veille.inbox.model import ItemFilter
from veille.models import Author, Post
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic

from .conftest import Served

Login = Callable[..., httpx.Response]
BARE_AT = re.compile(r"@(?:<|\s|:|$)", re.MULTILINE)
UNKNOWN = {"en": "author unknown", "fr": "auteur inconnu"}


def _post(native: str, minute: int, handle: str, **fields: object) -> Post:
    return Post.create(
        platform="mastodon",
        native_id=native,
        text=f"zorblax question {native}",
        author=Author(handle),
        published_at=datetime(2026, 11, 30, 10, minute, tzinfo=UTC),
        lang="en",
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def items(live_server: Served) -> dict[str, int]:
    """Inbox items: ``nobody`` (no author), ``answer`` (alice, replying to it)."""
    with live_server.workspace() as ws:
        add_topic(ws.store, "no-author", "zorblax", inbox=True)
        nobody = _post("na1", 0, "")
        answer = _post("na2", 1, "alice", parent_id=nobody.id)
        build_pipeline(ws, skip=("enrich",)).ingest([nobody, answer])
        found = svc.list_items(ws.state, ItemFilter(limit=50))
        return {
            ("nobody" if i.author == "" else "answer"): i.id
            for i in found
            if i.author in ("", "alice")
        }


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pages_say_the_author_is_unknown(
    live_server: Served, client: httpx.Client, login: Login, items: dict[str, int], lang: str
) -> None:
    login(client, "viewer")
    client.headers["Accept-Language"] = lang
    pages = {
        "stream": "/stream?q=zorblax",
        "inbox": "/inbox?q=zorblax",
        "item": f"/inbox/{items['nobody']}",
        "thread": f"/inbox/{items['answer']}",
        "post": "/posts/mastodon:na1",
    }
    for name, path in pages.items():
        page = client.get(path)
        assert page.status_code == 200, (name, page.status_code)
        body = page.text
        assert UNKNOWN[lang] in body, name
        assert not BARE_AT.search(body), (name, BARE_AT.search(body))
