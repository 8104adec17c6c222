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
        page.keyboard.press("Tab")  # the inbox's box
        page.keyboard.press("Tab")  # the query's Test button
        page.keyboard.press("Tab")  # Create the topic
        page.keyboard.press("Enter")
    focused = page.evaluate(_FOCUSED)
    assert focused["role"] == "alert", f"the focus stayed at {focused}, not on the error"
    assert "two words" in focused["text"]
    assert page.get_attribute("#name", "aria-invalid") == "true"
    assert "two words" in _describes(page, "#name"), "the name field is not tied to its error"
    assert page.get_attribute("#query", "aria-invalid") is None
    assert page.title().startswith("Error: New topic"), page.title()
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
        page.keyboard.press("Tab")  # the inbox's box
        page.keyboard.press("Tab")  # the query's Test button
        page.keyboard.press("Tab")  # Create the topic
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


# The focused element's ring: its colour, and the colour of what lies just
# outside the element (where the ring is drawn), as relative luminances give
# WCAG's contrast ratio.
_RING = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) { return null; }
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) { return null; }
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = (c) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const s = getComputedStyle(e);
  const rect = e.getBoundingClientRect();
  const x = rect.left + rect.width / 2;
  const y = rect.top - parseFloat(s.outlineOffset) - 1;
  let behind = {r: 255, g: 255, b: 255, a: 1};
  const under = document.elementsFromPoint(x, Math.max(0, y)).find(
    (u) => u !== e && !e.contains(u));
  for (let u = under; u; u = u.parentElement) {
    const c = parse(getComputedStyle(u).backgroundColor);
    if (c && c.a > 0.5) { behind = c; break; }
  }
  const ring = parse(s.outlineColor);
  const width = s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth);
  const [hi, lo] = [lum(ring), lum(behind)].sort((a, b) => b - a);
  const text = (e.textContent || '').trim().slice(0, 30);
  const name = e.tagName + (e.id ? '#' + e.id : '') + ' ' + text;
  return {name: name, width: width, ratio: (hi + 0.05) / (lo + 0.05)};
}"""


@pytest.mark.parametrize("path", ["/", "/alerts", "/stream", "/plan"])
def test_the_focus_ring_stands_out_from_the_page(
    site: Running, watched: WatchedPage, path: str
) -> None:
    """Tab through the page: every stop shows a ring of at least 2 px whose
    contrast with what surrounds it is 3:1 or more (WCAG 1.4.11), on the
    light page as on the dark header, date fields included (the focus is
    inside them, on the day, month or year)."""
    page = watched.page
    sign_in(watched, site.url, "manager", PASSWORD)
    page.goto(site.url + path)
    faint = []
    for _ in range(40):
        page.keyboard.press("Tab")
        ring = page.evaluate(_RING)
        if ring is None:
            break
        if ring["width"] < 2 or ring["ratio"] < 3:
            faint.append(f"{ring['name']}: {ring['width']} px at {ring['ratio']:.2f}:1")
    assert not faint, f"focus rings too faint to see: {faint}"
    assert_clean(watched)


def test_new_posts_are_announced_without_taking_the_focus_and_shown_with_the_keyboard(
    site: Running, watched: WatchedPage
) -> None:
    """Live updates of the stream: a post that arrives is said in a status
    region that was on the page from the start (a screen reader announces
    changes to it, not a region that appears), the focus stays where the
    reader is, and Enter on "Show new posts" takes the focus to the newest
    post, not back to the top of the page when the button goes."""
    from datetime import UTC, datetime

    from veille.models import Author, Post
    from veille.workspace import Workspace

    page = watched.page
    sign_in(watched, site.url, "viewer", PASSWORD)
    page.goto(site.url + "/stream?q=lumio")
    page.focus("#q")
    assert page.locator("#live").get_attribute("role") == "status"
    assert page.locator("#live-show").is_hidden()

    fresh = Post.create(
        platform="mastodon",
        native_id="keyboard-live",
        text="Lumio keyboard news just in",
        published_at=datetime.now(UTC),
        author=Author("arrival", name="Arrival", followers=10),
        url="https://mastodon.example/@arrival/1",
        lang="en",
    )
    with Workspace.open(site.root) as ws:
        ws.posts.upsert_posts([fresh])
    page.locator("#live-show").wait_for(state="visible", timeout=60_000)
    assert page.evaluate("document.activeElement.id") == "q", "the new posts took the focus"
    assert "(1)" in page.locator("#live").inner_text()

    page.focus("#live-show")
    page.keyboard.press("Enter")
    assert page.locator("#live-show").is_hidden()
    focused = page.evaluate(
        "() => ({tag: document.activeElement.tagName, text: document.activeElement.innerText})"
    )
    assert focused["tag"] == "LI" and "keyboard news" in focused["text"], focused
    assert_clean(watched)


def test_what_a_form_did_is_said_and_focused(site: Running, watched: WatchedPage) -> None:
    """The message after a save ("Topic … created.") is on the next page,
    which a screen reader starts reading from the top: the focus goes to the
    message, so that it is announced, and Tab goes on from there."""
    page = watched.page
    sign_in(watched, site.url, "analyst", PASSWORD)
    page.goto(site.url + "/topics/new")
    _type_into(page, "#name", "announced")
    _type_into(page, "#query", "lumio")
    with page.expect_navigation():
        page.keyboard.press("Tab")  # the inbox's box
        page.keyboard.press("Tab")  # the query's Test button
        page.keyboard.press("Tab")  # Create the topic
        page.keyboard.press("Enter")
    assert page.url.endswith("/topics/announced")
    assert not page.title().startswith("Error"), page.title()
    focused = page.evaluate(_FOCUSED)
    assert focused["role"] == "status", f"the focus stayed at {focused}, not on the message"
    assert "announced created" in focused["text"]
    page.keyboard.press("Tab")
    assert page.evaluate(_FOCUSED)["id"] == "query", "Tab goes on into the page"
    assert_clean(watched)


# Every live region of the main part of the page (what a screen reader speaks
# when it changes), with what it holds.
_LIVE = """() => [...document.querySelectorAll(
    'main [aria-live], main [role=status], main [role=alert]')]
  .filter(e => e.getAttribute('aria-live') !== 'off')
  .map(e => ({id: e.id, posts: e.querySelectorAll('.post').length,
              text: e.textContent.trim().replace(/\\s+/g, ' ')}))"""


def test_the_topic_test_says_its_count_not_its_sample_and_keeps_the_focus(
    site: Running, watched: WatchedPage
) -> None:
    """As a query is typed, the topic editor tests it and shows a count and a
    sample of posts: a screen reader hears the count (or the query's fault),
    not five posts read out at every pause in the typing, and the focus stays
    in the query."""
    from playwright.sync_api import expect

    page = watched.page
    sign_in(watched, site.url, "analyst", PASSWORD)
    page.goto(site.url + "/topics/new")
    page.focus("#query")
    page.keyboard.type("lumio AND lyon")
    status = page.locator("#preview-status")
    expect(status).to_contain_text("5 stored posts match")
    assert page.evaluate("document.activeElement.id") == "query"
    assert page.locator("#preview .post").count() > 0, "the sample is still shown"
    speaking = [r for r in page.evaluate(_LIVE) if r["posts"]]
    assert not speaking, f"live regions that would read posts aloud: {speaking}"

    page.keyboard.type(" AND")
    expect(status).to_contain_text("cannot be read")
    assert page.evaluate("document.activeElement.id") == "query"
    assert_clean(watched)
