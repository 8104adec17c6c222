"""The main journeys, in Debian's chromium driven by Playwright: first run,
sign in and out, French, a source, a topic that matches, an alert that sends
a test to an SMTP server and is paused and resumed.

Every page seen must open no dialog, break no Content-Security-Policy rule
and raise no script error.
"""

from __future__ import annotations

import time
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
from tests.web.server import (
    PASSWORD,
    Mailbox,
    Running,
    add_role_users,
    mailbox,
    serve,
    store_listening_posts,
    use_smtp,
)

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def box() -> Iterator[Mailbox]:
    with mailbox() as found:
        yield found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, box: Mailbox) -> Iterator[Running]:
    """A workspace with recent posts, a user per role and e-mail to ``box``."""
    from veille.workspace import init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("journeys")) / "ws")
    use_smtp(root, box.port)
    store_listening_posts(root)
    tokens = add_role_users(root)
    with serve(root) as server:
        server.tokens = tokens
        yield server


@pytest.fixture
def empty_site(tmp_path: Path) -> Iterator[Running]:
    """A new workspace: no account yet."""
    from veille.workspace import init_workspace

    with serve(init_workspace(tmp_path / "ws")) as server:
        yield server


def _submit(page: Any, button: Any) -> None:
    with page.expect_navigation():
        button.click()


def test_first_run_sign_out_sign_in_french(empty_site: Running, watched: WatchedPage) -> None:
    page, base = watched.page, empty_site.url
    page.goto(base + "/settings")
    assert page.url.endswith("/setup"), "with no account, the app asks for a first admin"
    page.fill("#username", "chloe")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    _submit(page, page.locator("form[action='/setup'] button[type=submit]"))
    assert "/setup" not in page.url and "/login" not in page.url
    assert page.locator(".whoami").inner_text().strip() == "chloe"

    _submit(page, page.locator("form.logout button"))
    assert "/login" in page.url
    page.goto(base + "/settings")
    assert "/login" in page.url, "signed out, a page sends to the login form"

    sign_in(watched, base, "chloe", PASSWORD)
    assert page.locator("html").get_attribute("lang") == "en"
    _submit(page, page.locator("form.lang-switch button[value=fr]"))
    assert page.locator("html").get_attribute("lang") == "fr"
    page.goto(base + "/settings")
    assert page.locator("html").get_attribute("lang") == "fr", "French is remembered"

    _submit(page, page.locator("form.logout button"))
    assert "/login" in page.url
    assert page.locator("html").get_attribute("lang") == "fr"
    assert_clean(watched)


def test_a_wrong_password_is_refused_with_a_message(site: Running, watched: WatchedPage) -> None:
    page = watched.page
    page.goto(site.url + "/login")
    page.fill("#username", "analyst")
    page.fill("#password", "not-the-password")
    _submit(page, page.locator("form[action='/login'] button[type=submit]"))
    assert "/login" in page.url
    assert page.get_by_role("alert").is_visible()
    assert_clean(watched)


def test_add_a_source(site: Running, watched: WatchedPage) -> None:
    page = watched.page
    sign_in(watched, site.url, "analyst", PASSWORD)
    page.goto(site.url + "/sources")
    page.select_option("#s-kind", "feeds")
    page.fill("#s-target", "https://example.org/blog/feed.xml")
    page.fill("#s-name", "example-blog")
    _submit(page, page.get_by_role("button", name="Add the source"))
    assert page.get_by_text("example-blog").first.is_visible()
    # A kind that does not exist is refused with the nearest one named.
    page.goto(site.url + "/sources")
    page.select_option("#s-kind", "feeds")
    page.fill("#s-target", "not a url")
    _submit(page, page.get_by_role("button", name="Add the source"))
    assert page.get_by_role("alert").first.is_visible()
    assert_clean(watched)


def test_create_a_topic_and_see_it_match(site: Running, watched: WatchedPage) -> None:
    page = watched.page
    sign_in(watched, site.url, "analyst", PASSWORD)
    page.goto(site.url + "/topics/new")
    page.fill("#name", "lyon")
    page.fill("#query", "lumio AND lyon")
    _submit(page, page.get_by_role("button", name="Create the topic"))
    page.goto(site.url + "/topics/lyon")
    _submit(page, page.get_by_role("button", name="Test against stored posts"))
    assert "5 stored posts match" in page.locator(".preview-count").inner_text()
    page.goto(site.url + "/stream?q=lumio+AND+lyon")
    assert page.get_by_text("outage in Lyon").count() == 5
    # A broken query is shown with its caret, not stored.
    page.goto(site.url + "/stream?q=lumio+AND")
    assert page.locator(".query-caret").first.is_visible()
    assert_clean(watched)


def test_an_alert_sends_a_test_and_is_paused_and_resumed(
    site: Running, box: Mailbox, watched: WatchedPage
) -> None:
    page = watched.page
    sign_in(watched, site.url, "analyst", PASSWORD)
    page.goto(site.url + "/alerts")
    page.fill("#a-to", "mailto:team@example.org")
    page.fill("#a-query", "lumio AND lyon")
    page.fill("#a-name", "lyon-outages")
    _submit(page, page.get_by_role("button", name="Create the alert"))
    page.goto(site.url + "/alerts/lyon-outages")

    before = len(box.messages)
    _submit(page, page.get_by_role("button", name="Send a test"))
    deadline = time.monotonic() + 20
    while len(box.messages) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(box.messages) == before + 1, "the test e-mail reached the SMTP server"
    assert b"team@example.org" in box.messages[-1]

    _submit(page, page.get_by_role("button", name="Pause"))
    assert page.get_by_role("button", name="Resume").is_visible()
    _submit(page, page.get_by_role("button", name="Resume"))
    assert page.get_by_role("button", name="Pause").is_visible()
    assert_clean(watched)


def test_a_viewer_sees_no_editing_forms(site: Running, watched: WatchedPage) -> None:
    page = watched.page
    sign_in(watched, site.url, "viewer", PASSWORD)
    page.goto(site.url + "/alerts")
    assert page.locator("form[action='/alerts']").count() == 0
    assert_clean(watched)


def test_a_form_sent_after_signing_out_in_another_tab_keeps_the_text_and_leads_back(
    site: Running, watched: WatchedPage
) -> None:
    """A topic written in one tab while the person signs out in another: the
    save says they were signed out, shows the query typed to copy, and its
    link signs them in and back to the form (the page the form was on)."""
    page, base = watched.page, site.url
    sign_in(watched, base, "analyst", PASSWORD)
    page.goto(base + "/topics/new")
    page.fill("#name", "written-for-hours")
    page.fill("#query", "lumio AND (lyon OR paris)")
    other = watched.context.new_page()
    other.goto(base + "/topics")
    with other.expect_navigation():
        other.locator("form[action='/logout'] button").click()
    other.close()
    _submit(page, page.get_by_role("button", name="Create the topic"))
    assert page.get_by_text("You were signed out since this form was opened").is_visible()
    kept = page.get_by_role("textbox", name="query")
    assert kept.input_value() == "lumio AND (lyon OR paris)"
    _submit(page, page.get_by_role("link", name="Sign in again and open the form"))
    assert "/login" in page.url
    page.fill("#username", "analyst")
    page.fill("#password", PASSWORD)
    _submit(page, page.locator("form[action='/login'] button[type=submit]"))
    assert page.url == base + "/topics/new"
    assert_clean(watched)
