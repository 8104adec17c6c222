"""Keyboard-only and screen-reader journeys, in Debian's chromium driven by
Playwright: what axe cannot see. Forms are filled and sent with the keyboard
(Tab, typing, Enter); the tests then ask where the focus is and what the
accessibility tree says about the fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import (
    WatchedPage,
    assert_clean,
    browser_fixture,  # noqa: F401 (registers the browser fixture)
    needs_chromium,
    sign_in,
    watched_fixture,  # noqa: F401 (registers the watched fixture)
)
from tests.web.server import PASSWORD, Running, add_role_users, serve, store_listening_posts

pytestmark = [pytest.mark.browser, needs_chromium]

# The focused element, as a screen reader would announce what it is about.
_FOCUSED = """() => {
  const e = document.activeElement;
  const text = (e.textContent || '').trim();
  return {tag: e.tagName, id: e.id, role: e.getAttribute('role'), text: text};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A workspace with recent posts and a user per role."""
    from veille.workspace import init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("keyboard")) / "ws")
    store_listening_posts(root)
    add_role_users(root)
    with serve(root) as server:
        yield server


def _type_into(page: Any, selector: str, text: str) -> None:
    """Focus a field with the keyboard's help (as Tab would) and type."""
    page.focus(selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def _describes(page: Any, selector: str) -> str:
    """The text of what a field's aria-describedby points at."""
    return str(
        page.evaluate(
            """(sel) => (document.querySelector(sel).getAttribute('aria-describedby') || '')
                 .split(/\\s+/).filter(Boolean)
                 .map(id => document.getElementById(id).textContent.trim()).join(' | ')""",
            selector,
        )
    )


def test_a_refused_topic_name_takes_the_focus_to_its_error(
    site: Running, watched: WatchedPage
) -> None:
    page = watched.page
    sign_in(watched, site.url, "analyst", PASSWORD)
    page.goto(site.url + "/topics/new")
    # The browser's own check would stop a name with a space: the server's
    # message is the one a user of an older browser, or of a pasted name, sees.
    page.evaluate("document.getElementById('name').removeAttribute('pattern')")
    _type_into(page, "#name", "two words")
    _type_into(page, "#query", "lumio")
    with page.expect_navigation():
        page.keyboard.press("Tab")  # the query's Test button
        page.keyboard.press("Tab")  # Create the topic
        page.keyboard.press("Enter")
    focused = page.evaluate(_FOCUSED)
    assert focused["role"] == "alert", f"the focus stayed at {focused}, not on the error"
    assert "two words" in focused["text"]
    assert page.get_attribute("#name", "aria-invalid") == "true"
    assert "two words" in _describes(page, "#name"), "the name field is not tied to its error"
    assert page.get_attribute("#query", "aria-invalid") is None
    # Tab from the error goes on into the form, to the field to fix.
    page.keyboard.press("Tab")
    assert page.evaluate(_FOCUSED)["id"] == "name"
    assert_clean(watched)


def test_a_refused_topic_query_marks_the_query_field(site: Running, watched: WatchedPage) -> None:
    page = watched.page
    sign_in(watched, site.url, "analyst", PASSWORD)
    page.goto(site.url + "/topics/new")
    _type_into(page, "#name", "broken")
    _type_into(page, "#query", "lumio AND")
    with page.expect_navigation():
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    focused = page.evaluate(_FOCUSED)
    assert focused["role"] == "alert", f"the focus stayed at {focused}, not on the error"
    assert page.get_attribute("#query", "aria-invalid") == "true"
    assert "AND" in _describes(page, "#query")
    assert page.get_attribute("#name", "aria-invalid") is None
    assert_clean(watched)


def test_a_refused_alert_query_takes_the_focus_to_its_error(
    site: Running, watched: WatchedPage
) -> None:
    page = watched.page
    sign_in(watched, site.url, "analyst", PASSWORD)
    page.goto(site.url + "/alerts")
    _type_into(page, "#a-to", "mailto:team@example.org")
    _type_into(page, "#a-query", "lumio AND")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a text field sends its form
    focused = page.evaluate(_FOCUSED)
    assert focused["id"] == "query-error", f"the focus stayed at {focused}, not on the error"
    assert page.get_attribute("#a-query", "aria-invalid") == "true"
    assert "AND" in _describes(page, "#a-query")
    assert_clean(watched)


def test_a_refused_new_user_takes_the_focus_to_its_error(
    site: Running, watched: WatchedPage
) -> None:
    """The same for the pages whose error is a sentence (users, settings,
    plan, inbox, calendar): adding a user whose name is taken says so."""
    page = watched.page
    sign_in(watched, site.url, "admin", PASSWORD)
    page.goto(site.url + "/users")
    _type_into(page, "#new-username", "analyst")
    _type_into(page, "#new-password", "another-long-password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    focused = page.evaluate(_FOCUSED)
    assert focused["role"] == "alert", f"the focus stayed at {focused}, not on the error"
    assert "taken" in focused["text"]
    assert_clean(watched)
