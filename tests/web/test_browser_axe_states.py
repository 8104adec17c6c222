"""axe-core on every page again, in English and in French, in the states
people actually meet rather than on one tidy fixture: references that point
at nothing (an alert whose topic was deleted, inbox rules naming a deleted
alert or user, a KPI on a deleted topic, a calendar post whose account was
removed), a refusal (a 409 page), KPIs measured and not measurable, API
tokens with scopes and an expiry, a quarantined row, a source with posts
dated ahead, inbox items assigned and closed.

The broken references are made with the product's own services where it
still lets them be made, and through the store where it now refuses them
(as an older veille left them).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import (
    axe_violations,
    browser_fixture,  # noqa: F401 (registers the browser fixture)
    needs_chromium,
    with_axe,
)
from tests.web.server import Running, add_role_users, serve, store_listening_posts
from tests.web.test_browser_axe import SIGNED_OUT, pages

pytestmark = [pytest.mark.browser, needs_chromium]

# The path parameters' values: what this fixture stores in its odd states.
STATE_VALUES = {"name": "orphan", "post_id": "mastodon:lyon0", "username": "viewer"}
# More pages than the routes' sample values reach: each state's own page.
EXTRA = ("/alerts/lyon", "/topics/lyon", "/sources?q=ahead", "/inbox?status=closed")

FILE_ROWS = (
    "platform,id,text,author,published_at\n"
    "mastodon,31,from the future,zoe,2031-01-01T08:00:00Z\n"
    "mastodon,32,on time,zoe,2026-03-01T10:00:00Z\n"
    "mastodon,33,without a date,carol,not-a-date\n"
)


def build_states(root: Path) -> dict[str, int]:
    """The workspace at ``root`` in every odd state; the ids it made."""
    from veille.alerts.model import Alert, AlertBook
    from veille.inbox import items as inbox
    from veille.inbox.model import ItemFilter
    from veille.inbox.rules import add_rule, make_rule
    from veille.pipeline.ingest import build_pipeline
    from veille.plan.kpis import add_kpi
    from veille.plan.objectives import add_objective
    from veille.publish import add_account
    from veille.publish.calendar import add_entry
    from veille.query.topics import add_topic, get_topic
    from veille.services import alerts, sources, tokens
    from veille.store.protocols.plan import KPI, Objective
    from veille.workspace import Workspace

    store_listening_posts(root)
    add_role_users(root)
    made: dict[str, int] = {}
    with Workspace.open(root) as ws:
        add_topic(ws.state, "lyon", "lumio AND lyon", inbox=True)
        add_topic(ws.state, "gone", "vexa")
        alerts.add_alert(ws, alerts.AlertSpec(to="atom:lyon", topic="lyon", name="lyon"))
        book = AlertBook(ws.state)
        book.add(Alert(name="orphan", channel_url="atom:orphan.xml", topic="gone"))
        # A KPI measured, one that cannot be (no account on its platform),
        # one on the topic deleted below, an objective served by it.
        add_objective(ws.state, "awareness", "awareness")
        add_kpi(ws, "reach", "mentions", 40, topic="lyon", objective="awareness", period_days=7)
        add_kpi(ws, "audience", "followers", 1500, platform="mastodon", handle="lumio")
        add_kpi(ws, "waiting", "backlog", 10)
        ws.state.save_objective(Objective("reach-fr", "awareness", topics=("gone",)))
        ws.state.save_kpi(KPI("vol", "mentions", 10, topic="gone", objective="dropped"))
        ws.state.delete_topic(get_topic(ws.state, "gone").id)  # as an older veille did
        # Inbox rules naming an alert deleted under them and someone who is
        # no user; a team counting them.
        book.add(Alert(name="pager", channel_url="atom:pager.xml", query="lumio"))
        add_rule(ws.state, make_rule("page-me", query="lumio", actions=[("notify", "pager")]))
        add_rule(ws.state, make_rule("to-ghost", query="vexa", actions=[("assign", "ghost")]))
        ws.state.set_inbox_team("care", ["analyst", "ghost"])
        book.remove("pager")
        # A calendar post waiting to go out as an account removed under it.
        add_account(ws.state, "gone-masto", "mastodon", "https://mastodon.example",
                    secret="env:GONE_MASTO_TOKEN")  # fmt: skip
        entry = add_entry(ws.state, ws.settings, account="gone-masto", text="Bientôt",
                          at=datetime.now(UTC) + timedelta(days=3))  # fmt: skip
        ws.state.remove_publish_account("gone-masto")
        made["calendar_post"] = entry.id
        # API tokens with scopes, one expiring, one expired.
        tokens.create_token(ws.state, "admin", "ci-read", scope="read",
                           expires_at=datetime.now(UTC) + timedelta(days=30))  # fmt: skip
        # One expired (the service refuses a past expiry: stored as time left it).
        now = datetime.now(UTC)
        ws.state.add_token("admin", "old-deploy", "0" * 64, now - timedelta(days=9),
                           scope="admin", expires_at=now - timedelta(days=1))  # fmt: skip
        ws.state.revoke_token(
            tokens.create_token(ws.state, "admin", "revoked", scope="write")[0].id,
            datetime.now(UTC),
        )
        # A file source with a post dated ahead and a row quarantined.
        (root / "ahead.csv").write_text(FILE_ROWS, encoding="utf-8")
        sources.add_source(ws.state, "file", str(root / "ahead.csv"), name="ahead")
        sources.collect_now(ws, "ahead")
        # Inbox items (the lyon posts again, through the one ingest path):
        # one assigned, one closed.
        ingest = build_pipeline(ws, skip=("enrich",))
        ingest.ingest(_lyon_posts())
        ids = sorted(i.id for i in inbox.list_items(ws.state, ItemFilter(limit=10)))
        inbox.assign(ws.state, ids[0], "analyst", actor="admin")
        inbox.set_status(ws.state, ids[1], "closed", actor="admin")
        made["item"] = ids[0]
    return made


def _lyon_posts() -> list[Any]:
    from veille.models import Author, Post

    now = datetime.now(UTC).replace(microsecond=0)
    return [
        Post.create(
            platform="mastodon", native_id=f"inbox{i}",
            text=f"Lumio down in Lyon, still, report {i}",
            published_at=now - timedelta(minutes=30 + i),
            author=Author(f"client{i}", name=f"Client {i}"), lang="en",
        )
        for i in range(3)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, dict[str, int]]]:
    from veille.workspace import init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("axe-states")) / "ws")
    made = build_states(root)
    with serve(root) as server:
        yield server, made


def _state_pages(app: Any, made: dict[str, int]) -> list[str]:
    import tests.web.test_browser_axe as axe

    saved = dict(axe.PATH_VALUES)
    axe.PATH_VALUES.update(STATE_VALUES)
    try:
        found = pages(app)
    finally:
        axe.PATH_VALUES.clear()
        axe.PATH_VALUES.update(saved)
    extra = [*EXTRA, f"/plan/calendar/{made['calendar_post']}", f"/inbox/{made['item']}"]
    return found + [p for p in extra if p not in found]


def _sampled(path: str) -> bool:
    """Whether ``path`` was made from a route's parameters (it may name
    nothing this fixture stores); every other page must answer."""
    return any(str(v) in path for v in STATE_VALUES.values())


def _refusals(page: Any, base: str) -> Iterator[str]:
    """Refused changes, submitted as a person does (409 pages): deleting a
    topic an alert watches, removing a user a team counts."""
    for path, form in (
        ("/topics/lyon", "form[action='/topics/lyon/delete']"),
        ("/users", "form[action='/users/analyst/remove']"),
    ):
        page.goto(base + path)
        with page.expect_navigation():
            page.eval_on_selector(form, "f => HTMLFormElement.prototype.submit.call(f)")
        yield f"POST {path} (refused)"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_serious_or_critical_violation_in_the_states_people_meet(
    site: tuple[Running, dict[str, int]], browser: Any, lang: str
) -> None:
    from veille.web.deps import SESSION_COOKIE

    server, made = site
    host = server.url.split("//", 1)[1].split(":")[0]
    context = with_axe(
        browser.new_context(
            locale="fr-FR" if lang == "fr" else "en-GB",
            extra_http_headers={"Accept-Language": lang},
        )
    )
    cookie = {"name": SESSION_COOKIE, "value": server.session("admin")}
    context.add_cookies([{**cookie, "domain": host, "path": "/"}])
    page = context.new_page()
    found: list[str] = []
    checked = 0
    try:
        for path in _state_pages(server.app, made):
            if path in SIGNED_OUT:
                continue
            response = page.goto(server.url + path)
            status = response.status if response else 0
            assert status < 500, f"{path}: HTTP {status}"
            if status == 404 and _sampled(path):
                continue  # a route's sample value that names nothing here
            assert status == 200, f"{path}: HTTP {status}"
            if "<html" not in (response.text() if response else "")[:500].lower():
                continue
            assert page.locator("html").get_attribute("lang") == lang, path
            checked += 1
            found += [f"{path} [{lang}]: {v}" for v in axe_violations(page)]
        for said in _refusals(page, server.url):
            checked += 1
            found += [f"{said} [{lang}]: {v}" for v in axe_violations(page)]
    finally:
        context.close()
    assert checked >= 30
    assert not found, "\n".join(found)


def test_no_page_in_those_states_scrolls_sideways_on_a_french_phone(
    site: tuple[Running, dict[str, int]], browser: Any
) -> None:
    """The same pages on a phone, in French (the longer words): a table that
    is wider than the screen scrolls in its own box, never the page."""
    from tests.web.test_browser_phone import _OVERFLOW, PHONE, _context

    server, made = site
    context = _context(browser, server, PHONE, "fr", role="admin")
    wide = []
    try:
        page = context.new_page()
        for path in _state_pages(server.app, made):
            response = page.goto(server.url + path)
            if response is None or response.status == 404:
                continue
            if "<html" not in response.text()[:500].lower():
                continue
            seen = page.evaluate(_OVERFLOW)
            if seen["width"] > seen["viewport"] or seen["found"]:
                wide.append(
                    f"{path}: {seen['width']}px wide in {seen['viewport']}; {seen['found']}"
                )
    finally:
        context.close()
    assert not wide, "pages wider than the screen:\n" + "\n".join(wide)


def test_the_plan_shows_a_kpi_whose_topic_was_deleted_as_not_measurable(
    site: tuple[Running, dict[str, int]],
) -> None:
    """A KPI on a topic deleted under it (by an older veille) made the whole
    plan page a 404 ("no topic named gone") once posts were stored: its
    history read the topic's counts. Now the plan answers, says the KPI
    measures nothing and why, in English and in French."""
    import html

    import httpx

    from veille.web.deps import SESSION_COOKIE

    server, _made = site
    said = {}
    for lang in ("en", "fr"):
        r = httpx.get(
            server.url + "/plan",
            cookies={SESSION_COOKIE: server.session("viewer"), "veille_lang": lang},
            timeout=120,
        )
        assert r.status_code == 200, r.text[:2000]
        said[lang] = html.unescape(r.text)
    assert "topic gone no longer exists" in said["en"]
    assert "KPI vol measures topic gone, which no longer exists" in said["en"]
    assert "le sujet gone n’existe plus\u202f: recréez un sujet de ce nom" in said["fr"]


def _read(server: Running, path: str, lang: str) -> str:
    import html

    import httpx

    from veille.web.deps import SESSION_COOKIE

    r = httpx.get(
        server.url + path,
        cookies={SESSION_COOKIE: server.session("admin"), "veille_lang": lang},
        timeout=120,
    )
    assert r.status_code == 200, f"{path}: HTTP {r.status_code}"
    return html.unescape(r.text)


def test_an_alert_on_a_deleted_topic_links_to_adding_it_not_to_a_404(
    site: tuple[Running, dict[str, int]],
) -> None:
    """The alert's page linked what it watches to /topics/gone, a 404 page;
    it now says the topic no longer exists and links to the form that adds
    it again, its name filled in."""
    server, _made = site
    page = _read(server, "/alerts/orphan", "en")
    assert 'href="/topics/gone"' not in page
    assert 'gone (no longer exists) · <a href="/topics/new?name=gone">Add it again</a>' in page
    assert "gone (n’existe plus) · <a" in _read(server, "/alerts/orphan", "fr")
    assert 'id="name" name="name" value="gone"' in _read(server, "/topics/new?name=gone", "en")
    assert 'href="/topics/lyon"' in _read(server, "/alerts/lyon", "en")  # one that exists


def test_an_items_history_says_its_colons_the_french_way(
    site: tuple[Running, dict[str, int]],
) -> None:
    """The item's history read "admin · attribuer: analyst" in French: a
    colon without its narrow no-break space. (Its steps are words since
    2026-12-07: "assign" read as a code in English.)"""
    server, made = site
    french = _read(server, f"/inbox/{made['item']}", "fr")
    assert "· attribué à\u202f: analyst" in french
    assert "· assigned to: analyst" in _read(server, f"/inbox/{made['item']}", "en")


def test_a_notice_links_the_pages_it_sends_to(
    site: tuple[Running, dict[str, int]], browser: Any
) -> None:
    """The notices said where to go as words, "(/topics/new)", "(/inbox/rules,
    /inbox/teams)": a way out to type. They are links now, followed here as a
    person does, in French (the semicolons between them included)."""
    from veille.web.deps import SESSION_COOKIE
    from veille.web.i18n import LANG_COOKIE

    server, _made = site
    host = server.url.split("//", 1)[1].split(":")[0]
    context = browser.new_context(locale="fr-FR")
    context.add_cookies([
        {"name": SESSION_COOKIE, "value": server.session("admin"), "domain": host, "path": "/"},
        {"name": LANG_COOKIE, "value": "fr", "domain": host, "path": "/"},
    ])  # fmt: skip
    try:
        page = context.new_page()
        page.goto(server.url + "/alerts/orphan")
        page.locator("#topic-missing a[href='/topics/new']").click()
        page.wait_for_url("**/topics/new")
        page.goto(server.url + "/plan")
        links = page.locator("#dangling a").evaluate_all("els => els.map(e => e.textContent)")
        assert "/topics/new" in links and "/plan/edit" in links
        page.goto(server.url + "/inbox/rules")
        page.locator("#dangling a[href='/inbox/rules']").first.click()
        page.wait_for_url("**/inbox/rules")
        # A refusal (409) names the pages to go to first: links too.
        page.goto(server.url + "/topics/lyon")
        with page.expect_navigation():
            page.eval_on_selector(
                "form[action='/topics/lyon/delete']",
                "f => HTMLFormElement.prototype.submit.call(f)",
            )
        said = page.locator("#topic-error")
        assert said.locator("a[href='/alerts']").count() == 1
        assert said.locator("a[href='/plan/edit']").count() == 1
    finally:
        context.close()


def test_the_calendar_row_of_a_removed_accounts_post_says_so(
    site: tuple[Running, dict[str, int]],
) -> None:
    """Only the notice above the calendar said a post goes out as an account
    removed; its row read like any other. The row says it too."""
    import re

    server, made = site
    for lang, said in (("en", "account no longer exists"), ("fr", "le compte n’existe plus")):
        page = _read(server, "/plan/calendar", lang)
        row = re.search(rf'<tr>\s*<th scope="row"><a href="/plan/calendar/{made["calendar_post"]}"'
                        r".*?</tr>", page, re.S)  # fmt: skip
        assert row is not None and said in row.group(0), (lang, row and row.group(0))


# The cells of the page's tables that hold a date or a date and a time, and
# the lines each one's text takes (a date in English or French, as
# format_date and format_datetime write it, its time and zone if any).
_DATE_CELLS = r"""
() => {
  const day = String.raw`(\d{1,2}(er)?\s\S+\s\d{4}|\S+\s\d{1,2},\s\d{4})`;
  const time = String.raw`(,\s|\sà\s)\d{1,2}:\d{2}(\s?[AP]M)?`;
  const date = new RegExp(`^${day}(${time})?(\\s\\(.+\\))?$`);
  return [...document.querySelectorAll('main table td, main table th[scope=row]')]
    .filter(c => c.getClientRects().length && date.test(c.textContent.trim()))
    .map(c => {
      const range = document.createRange();
      range.selectNodeContents(c);
      const tops = new Set([...range.getClientRects()].filter(r => r.width).map(r => r.top));
      const line = parseFloat(getComputedStyle(c).lineHeight);
      return [c.textContent.trim(), tops.size, range.getBoundingClientRect().height, line];
    });
}
"""


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_tables_dates_keep_to_one_line_on_a_phone(
    site: tuple[Running, dict[str, int]], browser: Any, lang: str
) -> None:
    """A table wider than a phone scrolls in its box anyway, yet its dates
    wrapped, three or four lines each (« 7 déc. / 2026 à / 14:05 »): the
    audit, an alert's deliveries, a topic's history, the API tokens, the
    quarantine, the calendar's list. Every date cell of every page is one
    line high."""
    from tests.web.test_browser_phone import PHONE, _context

    server, made = site
    context = _context(browser, server, PHONE, lang, role="admin")
    seen: dict[str, int] = {}
    wrapped = []
    try:
        page = context.new_page()
        for path in _state_pages(server.app, made):
            response = page.goto(server.url + path)
            if response is None or response.status != 200:
                continue
            for text, lines, height, line in page.evaluate(_DATE_CELLS):
                seen[path] = seen.get(path, 0) + 1
                if lines > 1 or height > line * 1.5:
                    wrapped.append(f"{path}: {text!r} on {lines} lines ({height:.0f}px)")
    finally:
        context.close()
    # The pages this fixture fills with dates, each found.
    for path in ("/audit", "/alerts/lyon", "/topics/lyon", "/settings", "/sources",
                 "/plan/calendar", "/users"):  # fmt: skip
        assert seen.get(path), (path, seen)
    assert not wrapped, "dates wrapped over lines:\n" + "\n".join(wrapped)
