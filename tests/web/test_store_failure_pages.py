"""A store that fails after sign-in, within a request, on a page that shows
its own errors (trends, influencers, a topic's form, sources, the inbox…):
the app's 503 page saying to try again, never the store's message inline
(which names the database) with a 200 or a 400."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.server import add_role_users, serve
from veille.errors import StoreUnavailable
from veille.workspace import init_workspace

ADDRESS = "postgresql://veille@db.internal:5432/veille"


class Failing:
    """The workspace's store, whose call ``failing`` fails as a PostgreSQL
    store away does (signing in and the rest answer)."""

    def __init__(self, store: Any, failing: str) -> None:
        self._store, self._failing = store, failing

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if name != self._failing:
            return found

        def fail(*args: Any, **kwargs: Any) -> Any:
            raise StoreUnavailable(f"the PostgreSQL state store {ADDRESS} did not answer: gone")

        return fail


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = init_workspace(tmp_path_factory.mktemp("web") / "ws")
    add_role_users(root)
    with serve(Path(root)) as run:
        yield run


# Each page, and the store call made inside the route's own ``except
# VeilleError`` (the calls before it fail to the 503 page anyway).
PAGES = [
    ("GET", "/trends?query=lumio", {}, "post_count"),
    ("GET", "/influencers?query=lumio", {}, "author_reads"),
    ("GET", "/stream?q=lumio", {}, "search"),
    ("POST", "/topics/new", {"name": "lumio", "query": "lumio"}, "create_topic"),
    ("POST", "/inbox/rules/nothing/remove", {}, "remove_inbox_rule"),
]


@pytest.mark.parametrize(("method", "path", "form", "failing"), PAGES)
def test_a_store_failing_within_a_page_is_the_503_page(
    running: Any, method: str, path: str, form: dict[str, str], failing: str
) -> None:
    from veille.web.deps import SESSION_COOKIE

    ws = running.app.state.workspace
    session = running.session("admin")
    with httpx.Client(
        timeout=60, base_url=running.url, cookies={SESSION_COOKIE: session}
    ) as client:
        page = client.get("/settings")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        found = token or csrf
        assert found, page.text[:500]
        url = ws.settings.store.urls()[1]
        kept = ws._opened[url]
        ws._opened[url] = Failing(kept, failing)
        try:
            if method == "GET":
                answer = client.get(path)
            else:
                answer = client.post(path, data=form | {"csrf_token": found.group(1)})
        finally:
            ws._opened[url] = kept
    assert answer.status_code == 503, (answer.status_code, answer.text[-2000:])
    assert answer.headers.get("retry-after")
    assert "state store is unreachable" in answer.text
    assert "db.internal" not in answer.text
