"""The report as the web app shows it (``/reports``, where a report e-mail's
link lands), in chromium: it fits its page and its figures line up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.browser import (
    WatchedPage,
    browser_fixture,  # noqa: F401 (registers the browser fixture)
    needs_chromium,
    sign_in,
    watched_fixture,  # noqa: F401 (registers the watched fixture)
)
from tests.web.server import PASSWORD, Running, add_role_users, serve

pytestmark = [pytest.mark.browser, needs_chromium]

LINK = "https://www.linkedin.com/feed/update/urn:li:share:72000000000000000/?commentUrn=" + (
    "urn%3Ali%3Acomment%3A%28urn%3Ali%3Ashare%3A7200000000000%2C7300000000005%29" * 3
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    from tests.analytics.conftest import make_post
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("report")) / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([
            make_post("1", "2026-03-24T10:00", platform="linkedin", text="Lumio " + "ルミオ" * 60,
                      url=LINK, handle="مستخدم_لوميو_" * 6, likes=900),
            make_post("2", "2026-03-25T10:00", text="Lumio panne", likes=5),
        ])  # fmt: skip
    with serve(root) as server:
        yield server


def test_the_report_page_fits_and_its_figures_line_up(site: Running, watched: WatchedPage) -> None:
    page = watched.page
    page.set_viewport_size({"width": 1024, "height": 900})
    sign_in(watched, site.url, "analyst", PASSWORD)
    page.goto(site.url + "/reports?query=lumio&period=2026-03-23..2026-03-29&lang=en")
    report = page.locator("article.report")
    assert report.count() == 1
    # A long link or handle breaks inside the report instead of widening it.
    wide = report.evaluate("a => a.scrollWidth - a.clientWidth")
    assert wide <= 1, f"the report is {wide}px wider than its box"
    # Figures' headers sit above them, at the right.
    aligns = page.locator("article.report th.n").evaluate_all(
        "ths => ths.map(t => getComputedStyle(t).textAlign)"
    )
    figures = page.locator("article.report td.n").evaluate_all(
        "tds => tds.map(t => getComputedStyle(t).textAlign)"
    )
    assert aligns and set(aligns) == {"right"}
    assert figures and set(figures) == {"right"}


def test_the_report_file_and_page_have_one_main_landmark(
    site: Running, watched: WatchedPage
) -> None:
    """The downloaded report passes axe-core with no violation at all (it had
    no main landmark, its content outside any); shown in the app, it sits in
    the page's own main rather than adding a second one."""
    from tests.web.browser import axe_violations
    from veille.analytics.report import render_report
    from veille.analytics.scope import parse_period
    from veille.workspace import Workspace

    with Workspace.open(site.root) as ws:
        html, _pdf = render_report(
            ws, query="lumio", period=parse_period("2026-03-23..2026-03-29"), lang="fr", pdf=False
        )
    page = watched.page
    page.set_content(html)
    assert axe_violations(page, ("minor", "moderate", "serious", "critical")) == []
    sign_in(watched, site.url, "analyst", PASSWORD)
    page.goto(site.url + "/reports?query=lumio&period=2026-03-23..2026-03-29&lang=fr")
    assert page.locator("main").count() == 1
    assert page.locator("article.report h1").count() == 1
