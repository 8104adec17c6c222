"""The topic pickers at 300 topics, in chromium: a <select> of 300 names had
to be scrolled; past a few dozen the picker is a text field whose topics are
suggestions (<datalist>), found by typing, labelled and described, and the
form sends the same ``topic`` as before. A few topics keep the <select>."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.browser import (
    WatchedPage,
    assert_clean,
    axe_violations,
    browser_fixture,  # noqa: F401 (registers the browser fixture)
    needs_chromium,
    sign_in,
    watched_fixture,  # noqa: F401 (registers the watched fixture)
)
from tests.web.server import PASSWORD, Running, add_role_users, serve

pytestmark = [pytest.mark.browser, needs_chromium]

TOPICS = [f"brand-{n:03d}" for n in range(300)]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    from veille.query.topics import add_topic
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("picker")) / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        for name in TOPICS:
            add_topic(ws.state, name, f'"{name}"')
    with serve(root) as server:
        yield server


@pytest.mark.parametrize(
    ("path", "field", "empty"),
    [("/stream", "#topic", "Any topic"), ("/trends", "#f-topic", "All posts"),
     ("/reports", "#r-topic", "All posts"), ("/alerts", "#a-topic", "(a query instead)")],
)  # fmt: skip
def test_a_topic_among_300_is_found_by_typing(
    site: Running, watched: WatchedPage, path: str, field: str, empty: str
) -> None:
    page = watched.page
    sign_in(watched, site.url, "analyst", PASSWORD)
    page.goto(site.url + path)
    picker = page.get_by_label("Topic", exact=True)
    if not picker.is_visible():  # the stream's filters are folded until opened
        page.locator("summary", has_text="Filters").click()
    assert picker.evaluate("e => e.tagName") == "INPUT" and page.locator(field).count() == 1
    listed = page.locator(f"datalist#{field[1:]}-topics option")
    assert listed.count() == 300 and listed.nth(123).get_attribute("value") == "brand-123"
    hint = page.locator(f"#{picker.get_attribute('aria-describedby')}").inner_text()
    assert "300 topics" in hint and empty in hint
    assert axe_violations(page) == []
    picker.focus()
    page.keyboard.type("brand-123")
    if path == "/alerts":  # a form that creates: its value is what is sent
        form = picker.evaluate("e => Object.fromEntries(new FormData(e.form))")
        assert form["topic"] == "brand-123"
    else:
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert parse_qs(urlsplit(page.url).query)["topic"] == ["brand-123"]
        assert page.locator(field).input_value() == "brand-123"  # kept for the next change
    assert_clean(watched)


def test_a_few_topics_keep_the_list(tmp_path: Path, watched: WatchedPage) -> None:
    from veille.query.topics import add_topic
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        for name in ("lumio", "vexa"):
            add_topic(ws.state, name, name)
    with serve(root) as server:
        sign_in(watched, server.url, "analyst", PASSWORD)
        watched.page.goto(server.url + "/stream")
        watched.page.locator("summary", has_text="Filters").click()
        picker = watched.page.get_by_label("Topic", exact=True)
        assert picker.evaluate("e => e.tagName") == "SELECT"
        picker.select_option("vexa")
        assert picker.evaluate("e => new FormData(e.form).get('topic')") == "vexa"
    assert_clean(watched)
