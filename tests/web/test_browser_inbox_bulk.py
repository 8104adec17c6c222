"""A team working through a long inbox with the list's bulk form, in
Debian's chromium driven by Playwright.

A French agent filtered to the new items, on the second page, ticks two and
sets their priority: she picks « haute » from the list (typed, the page's
own word was refused: "« haute » n'est pas une priorité. Noms connus :
high, low…") and comes back to the same filtered page, not to the first
page of every open item. A refused action keeps her there too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import (
    WatchedPage,
    assert_clean,
    browser_fixture,  # noqa: F401 (registers the browser fixture)
    needs_chromium,
    sign_in,
)
from tests.web.server import PASSWORD, Running, add_role_users, serve

pytestmark = [pytest.mark.browser, needs_chromium]

ITEMS = 70  # two pages of the list (50 a page)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """An inbox of :data:`ITEMS` new complaints, a user per role."""
    from veille.models import Author, Post
    from veille.pipeline.ingest import build_pipeline
    from veille.query.topics import add_topic
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("bulk")) / "ws")
    tokens = add_role_users(root)
    start = datetime(2026, 11, 30, 8, tzinfo=UTC)
    with Workspace.open(root) as ws:
        add_topic(ws.store, "lumio", "lumio", inbox=True)
        posts = [
            Post.create(
                platform="mastodon", native_id=f"p{n}", text=f"lumio en panne, jour {n}",
                author=Author(f"client{n}"), lang="fr", published_at=start + timedelta(minutes=n),
            )
            for n in range(ITEMS)
        ]  # fmt: skip
        build_pipeline(ws, skip=("enrich",)).ingest(posts)
    with serve(root) as server:
        server.tokens = tokens
        yield server


@pytest.fixture(name="french")
def french_fixture(browser: Any) -> Iterator[WatchedPage]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    try:
        yield WatchedPage(context)
    finally:
        context.close()


def _ticked_ids(page: Any, n: int) -> list[int]:
    boxes = page.locator("input[name=ids]")
    ids = []
    for i in range(n):
        boxes.nth(i).check()
        ids.append(int(boxes.nth(i).get_attribute("value")))
    return ids


def _apply(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer").click()


def test_a_french_agent_sets_a_priority_from_the_second_filtered_page(
    site: Running, french: WatchedPage
) -> None:
    from veille.inbox.items import get_item
    from veille.workspace import Workspace

    page, base = french.page, site.url
    sign_in(french, base, "analyst", PASSWORD)
    listed = f"{base}/inbox?status=new&page=2"
    page.goto(listed)
    assert "Page 2 sur 2" in page.get_by_role("navigation", name="Pages").inner_text()
    ids = _ticked_ids(page, 2)
    # The priorities are offered in the page's words.
    page.select_option("#bulk-action", label="haute")
    _apply(page)
    assert page.url == listed, "the list came back without its filters or its page"
    assert page.get_by_role("status").first.inner_text() == "2 éléments modifiés."
    assert page.locator("#f-status option[selected]").all_inner_texts() == ["nouveau"]
    with Workspace.open(site.root) as ws:
        assert [get_item(ws.state, i).priority for i in ids] == ["high", "high"]
    for item_id in ids:
        row = page.get_by_role("row").filter(has=page.locator(f"#sel-{item_id}"))
        assert "haute" in row.inner_text()

    # A status too; then a refused assignment says why, still on that page.
    ids = _ticked_ids(page, 1)
    page.select_option("#bulk-action", label="en cours")
    _apply(page)
    assert page.url == listed
    with Workspace.open(site.root) as ws:
        assert get_item(ws.state, ids[0]).status == "in_progress"
    _ticked_ids(page, 1)
    page.select_option("#bulk-action", label="attribuer")
    page.fill("#bulk-value", "personne")
    _apply(page)
    assert page.url == listed
    said = page.get_by_role("status").first.inner_text()
    assert "«\u202fpersonne\u202f»" in said and "analyst" in said, said
    assert_clean(french)


def test_nothing_ticked_keeps_the_list_as_it_was(site: Running, french: WatchedPage) -> None:
    page, base = french.page, site.url
    sign_in(french, base, "manager", PASSWORD)
    listed = f"{base}/inbox?q=panne&priority=normal&page=2"
    page.goto(listed)
    _apply(page)
    assert page.url == listed
    assert "Aucun élément sélectionné" in page.get_by_role("status").first.inner_text()
    assert page.input_value("#f-q") == "panne"
    assert_clean(french)
