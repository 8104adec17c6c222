"""The web app on a phone (390×844, touch) and a small tablet (768×1024), in
Debian's chromium driven by Playwright, as a community manager away from her
desk uses it: the dashboard, an alert, the inbox and one of its items, the
stream and a post, the plan and the calendar, in English and in French.

No page scrolls sideways: long links, handles and hashtags wrap, and wide
tables scroll inside themselves with a shadow at the edge that still hides
columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import to_come
from tests.web.browser import (
    browser_fixture,  # noqa: F401 (registers the browser fixture)
    needs_chromium,
)
from tests.web.conftest import csrf_from
from tests.web.server import PASSWORD, Running, add_role_users, serve, store_listening_posts

pytestmark = [pytest.mark.browser, needs_chromium]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
LONG_URL = "https://example.org/" + "averyveryverylongpathsegmentwithoutanybreaks" * 3
LONG_HANDLE = "averyveryverylonghandlename_of_a_customer@mastodon.example.social"
LONG_TAG = "#LumioFibreOutageInLyonAgainTodayAndYesterdayToo"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Recent posts, an alert, a source, a plan, a calendar entry, and an
    inbox item whose author, text and link are long unbroken strings."""
    from veille.models import Author, Post, Sentiment
    from veille.pipeline.ingest import build_pipeline
    from veille.publish import add_account
    from veille.query.topics import add_topic
    from veille.services import alerts, sources
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("phone")) / "ws")
    store_listening_posts(root, 60)
    tokens = add_role_users(root)
    with Workspace.open(root) as ws:
        add_topic(ws.store, "lumio", "lumio", inbox=True)
        alerts.add_alert(
            ws,
            alerts.AlertSpec(
                to="mailto:community-team@example.org", query="lumio AND (panne OR outage)",
                name="lumio-outages",
            ),
        )  # fmt: skip
        sources.add_source(ws.state, "feeds", "https://example.org/blog/feed.xml", name="blog")
        add_account(ws.state, "phone-masto", "mastodon", "https://mastodon.example",
                    secret="env:PHONE_MASTO_TOKEN")  # fmt: skip
        post = Post.create(
            platform="mastodon", native_id="long1",
            text=f"@lumio_customer_service lumio ne marche plus {LONG_TAG} {LONG_URL}",
            author=Author(LONG_HANDLE, name="Client Mécontent"), lang="fr",
            published_at=datetime.now(UTC) - timedelta(hours=1), url=LONG_URL,
            sentiment=Sentiment("negative", -0.8, 0.9),
        )  # fmt: skip
        plain = Post.create(
            platform="mastodon", native_id="plain1", text="lumio est en panne chez moi",
            author=Author("camille"), lang="fr",
            published_at=datetime.now(UTC) - timedelta(hours=2),
            sentiment=Sentiment("negative", -0.8, 0.9),
        )  # fmt: skip
        build_pipeline(ws, skip=("enrich",)).ingest([post, plain])
    with serve(root) as server:
        server.tokens = tokens
        with httpx.Client(base_url=server.url, timeout=60) as c:
            token = csrf_from(c.get("/login").text)
            c.post("/login", data={"username": "manager", "password": PASSWORD,
                                   "csrf_token": token})  # fmt: skip
            start = {"organization": "Lumio", "kind": "customer_service", "topic": "lumio",
                     "query": "lumio", "competitors": "vexa", "channels": ["mastodon"],
                     "handle": "lumio_hq", "posts_per_week": "4",
                     "response_minutes": "60"}  # fmt: skip
            token = csrf_from(c.get("/plan/start").text)
            assert c.post("/plan/start", data={"csrf_token": token, **start}).status_code == 303
            at = to_come(datetime(2026, 12, 24, 9, 30))  # a time to come (a past one is refused)
            entry = {"account": "phone-masto", "at": f"{at:%Y-%m-%dT%H:%M}", "title": "",
                     "text": f"Joyeuses fêtes {LONG_TAG} {LONG_URL}", "language": "fr",
                     "action": "save"}  # fmt: skip
            token = csrf_from(c.get("/plan/calendar").text)
            assert c.post("/plan/calendar", data={"csrf_token": token, **entry}).status_code == 303
        yield server


def _context(
    browser: Any,
    site: Running,
    viewport: dict[str, int],
    lang: str,
    touch: bool = True,
    role: str = "analyst",
) -> Any:
    """A touch device (a desktop's browser if not ``touch``) signed in as
    ``role``, reading in ``lang``."""
    from veille.web.deps import SESSION_COOKIE
    from veille.web.i18n import LANG_COOKIE

    context = browser.new_context(
        viewport=viewport, is_mobile=touch, has_touch=touch,
        locale="fr-FR" if lang == "fr" else "en-GB",
    )  # fmt: skip
    host = site.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([
        {"name": SESSION_COOKIE, "value": site.session(role), "domain": host, "path": "/"},
        {"name": LANG_COOKIE, "value": lang, "domain": host, "path": "/"},
    ])  # fmt: skip
    return context


@pytest.fixture(scope="module")
def phone_pages(site: Running) -> list[str]:
    """What she opens away from the desk (read once a module: the tests only
    read the site)."""
    return _pages(site)


def _pages(site: Running) -> list[str]:
    """What she opens away from the desk, the inbox item and post included."""
    with httpx.Client(base_url=site.url, timeout=60) as c:
        token = csrf_from(c.get("/login").text)
        c.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": token})
        item = re.search(r'href="(/inbox/\d+)"', c.get("/inbox").text)
        post = re.search(r'href="(/posts/[^"]*long1[^"]*)"', c.get("/stream?q=lumio").text)
        entry = re.search(r'href="(/plan/calendar/\d+)"', c.get("/plan/calendar").text)
    assert item and post and entry, "the fixture's inbox item, post or calendar entry is missing"
    return [
        "/", "/alerts", "/alerts/lumio-outages", "/inbox", item.group(1), "/stream?q=lumio",
        post.group(1), "/plan", "/plan/calendar", entry.group(1), "/topics/lumio", "/sources",
        "/influencers", "/api/docs",
    ]  # fmt: skip


# What sticks out past the right edge of the viewport, outside any element
# that scrolls (or clips) on its own: elements, and lines of text too long
# for their box.
_OVERFLOW = """
() => {
  const vw = document.documentElement.clientWidth;
  const scrolls = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || scrolls(el)) continue;
    const st = getComputedStyle(el);
    const own = ['auto', 'scroll', 'hidden'].includes(st.overflowX);
    const spills = !own && st.display !== 'inline' && el.scrollWidth > el.clientWidth + 1;
    if (r.right > vw + 1 || spills) {
      found.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') +
                 ': ' + (el.textContent || '').trim().slice(0, 40));
    }
  }
  return {width: document.documentElement.scrollWidth, viewport: vw, found: found.slice(0, 5)};
}
"""


@pytest.mark.parametrize(
    ("viewport", "lang"),
    [(PHONE, "en"), (PHONE, "fr"), (TABLET, "fr")],
    ids=["phone-en", "phone-fr", "tablet-fr"],
)
def test_no_page_scrolls_sideways(
    browser: Any, site: Running, phone_pages: list[str], viewport: dict[str, int], lang: str
) -> None:
    context = _context(browser, site, viewport, lang)
    try:
        page = context.new_page()
        wide = []
        for path in phone_pages:
            response = page.goto(site.url + path)
            assert response is not None and response.status == 200, path
            seen = page.evaluate(_OVERFLOW)
            if seen["width"] > seen["viewport"] or seen["found"]:
                wide.append(
                    f"{path}: {seen['width']}px wide in {seen['viewport']}; {seen['found']}"
                )
        assert not wide, "pages wider than the screen:\n" + "\n".join(wide)
    finally:
        context.close()


def test_a_wide_table_scrolls_in_its_own_box_with_a_cue(browser: Any, site: Running) -> None:
    context = _context(browser, site, PHONE, "fr")
    try:
        page = context.new_page()
        page.goto(site.url + "/sources")
        table = page.locator("main table").first
        box = table.evaluate(
            """t => ({scroll: t.scrollWidth, client: t.clientWidth,
                      overflow: getComputedStyle(t).overflowX,
                      attachment: getComputedStyle(t).backgroundAttachment,
                      image: getComputedStyle(t).backgroundImage})"""
        )
        # Wider than the phone, it scrolls inside itself, not the page ...
        assert box["scroll"] > box["client"] and box["overflow"] == "auto", box
        # ... with shadows at its edges that move with the scrolling: the cue
        # that more columns lie beyond.
        assert "gradient" in box["image"] and "local" in box["attachment"], box
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


# The widths of a table's cells under the heading named, and how far its
# caption reaches past the table's visible box.
_COLUMN = """
heading => {
  const th = [...document.querySelectorAll('main table thead th')]
    .find(h => h.textContent.trim() === heading);
  const table = th.closest('table');
  const cells = [...table.tBodies[0].rows]
    .map(r => r.cells[th.cellIndex].getBoundingClientRect().width);
  const caption = table.caption ? table.caption.getBoundingClientRect().right : 0;
  return {cells, caption_past: caption - table.getBoundingClientRect().right};
}
"""


def test_a_wide_tables_sentences_and_caption_stay_readable_on_a_phone(
    browser: Any, site: Running
) -> None:
    """A table that scrolls sideways anyway gives a column of sentences room
    to read (squeezed to the screen first, each was a word to a line), and
    keeps its caption in sight (cut in mid-sentence at the edge)."""
    context = _context(browser, site, PHONE, "en", role="manager")
    try:
        page = context.new_page()
        narrow = []
        for path, heading in (("/influencers", "Why"), ("/inbox/canned", "Text"),
                              ("/plan", "Status")):  # fmt: skip
            page.goto(site.url + path)
            seen = page.evaluate(_COLUMN, heading)
            assert seen["cells"], path
            narrow += [f"{path}: {heading} {w:.0f}px" for w in seen["cells"] if w < 13 * 16]
        assert not narrow, "sentences squeezed into a narrow column:\n" + "\n".join(narrow)
        page.goto(site.url + "/plan")
        seen = page.evaluate(_COLUMN, "Hours a week")
        assert seen["caption_past"] <= 1, f"the cost table's caption is cut: {seen}"
    finally:
        context.close()


# The selects of a table whose chosen option is cut: its words wider than
# the room the select gives them (its width less its padding and arrow).
_CUT_CHOICES = """
() => [...document.querySelectorAll('main table select')].map(s => {
  const st = getComputedStyle(s), probe = document.createElement('span');
  probe.style.font = st.font;
  probe.style.whiteSpace = 'pre';
  probe.textContent = s.selectedOptions[0].text;
  document.body.append(probe);
  const words = probe.getBoundingClientRect().width;
  probe.remove();
  const room = s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight) - 16;
  return [s.selectedOptions[0].text, words, room];
}).filter(([, words, room]) => words > room)
"""


def test_a_tables_choices_show_the_option_chosen_whole_on_a_phone(
    browser: Any, site: Running
) -> None:
    """The users' roles: squeezed to the column's narrowest word, the role
    chosen read « adminis », « respons »."""
    context = _context(browser, site, PHONE, "fr", role="admin")
    try:
        page = context.new_page()
        page.goto(site.url + "/users")
        assert page.locator("main table select").count() == 4
        cut = page.evaluate(_CUT_CHOICES)
        assert not cut, f"choices cut: {cut}"
    finally:
        context.close()


# For each user's row: the heights of what its role's cell and its actions'
# cell hold.
_USER_ROWS = """
() => [...document.querySelectorAll('main table tbody tr')].map(r => {
  const held = cell => {
    const boxes = [...cell.children].filter(c => c.getClientRects().length)
      .map(c => c.getBoundingClientRect());
    return Math.max(...boxes.map(b => b.bottom)) - Math.min(...boxes.map(b => b.top));
  };
  return [r.cells[0].textContent.trim(), held(r.cells[1]), held(r.cells[5])];
})
"""


def test_the_users_rows_keep_a_password_reset_folded_on_a_phone(
    browser: Any, site: Running
) -> None:
    """Each row showed a field and a button to reset the user's password,
    the tallest part of every row (a screen held three users): folded
    behind "Réinitialiser le mot de passe" until asked for, and left open
    on the user whose new password was refused."""
    context = _context(browser, site, PHONE, "fr", role="admin")
    try:
        page = context.new_page()
        page.goto(site.url + "/users")
        rows = page.evaluate(_USER_ROWS)
        assert len(rows) == 4 and all(actions <= role for _, role, actions in rows), rows
        field = page.get_by_label("Nouveau mot de passe pour analyst")
        assert not field.is_visible()
        name = page.get_by_role("rowheader", name="analyst", exact=True)
        row = page.locator("main table tbody tr", has=name)
        row.locator("summary", has_text="Réinitialiser le mot de passe").click()
        field.fill("court")
        # (minlength left aside: the server's refusal is what is read here.)
        field.evaluate("f => f.removeAttribute('minlength')")
        row.get_by_role("button", name="Réinitialiser le mot de passe").click()
        page.wait_for_load_state()
        assert page.locator("p.error").is_visible()
        refused = page.get_by_label("Nouveau mot de passe pour analyst")
        assert refused.is_visible()
        assert not page.get_by_label("Nouveau mot de passe pour viewer").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


# The widths of the report's columns of sentences (a post, a story, an
# influencer's why), and the lines each day heading its row takes.
_REPORT_LINES = """
() => ({
  prose: [...document.querySelectorAll('.report th')]
    .filter(h => ['Publication', 'Histoire', 'Pourquoi'].includes(h.textContent))
    .flatMap(h => [...h.closest('table').rows].slice(1)
      .map(r => [h.textContent, r.cells[h.cellIndex].getBoundingClientRect().width])),
  days: [...document.querySelectorAll('.report th[scope=row]')].map(th => {
    const range = document.createRange();
    range.selectNodeContents(th);
    return new Set([...range.getClientRects()].map(r => r.top)).size;
  }),
})
"""


def test_a_report_reads_on_a_phone(browser: Any, site: Running) -> None:
    """A report shown in the page: its tables scroll in their boxes (its
    platforms' and posts' tables made the page 553 px wide), and its
    headline figures are a number each, not every word of them in the
    dashboards' 1.8rem bold (« nouveau (période précédente : 0) » five lines)."""
    context = _context(browser, site, PHONE, "fr")
    try:
        page = context.new_page()
        page.goto(site.url + "/reports?topic=lumio&period=last-30d")
        seen = page.evaluate(_OVERFLOW)
        assert seen["width"] <= seen["viewport"] and not seen["found"], seen
        sizes = page.eval_on_selector_all(
            ".report .figure",
            """fs => fs.map(f => [f.firstElementChild.textContent,
                                 parseFloat(getComputedStyle(f.firstElementChild).fontSize),
                                 parseFloat(getComputedStyle(f.querySelector('.v')).fontSize)])""",
        )
        assert sizes and all(words <= 16 < figure for _, words, figure in sizes), sizes
        # Its charts as the dashboard's: each drawn at its own size, scrolling
        # in its box, its title the page's text wrapped to the screen (drawn
        # in the picture, shrunk to the screen with it, labels and title came
        # out at half their size).
        page.wait_for_function(
            "[...document.querySelectorAll('.report img')].every(i => i.complete && i.naturalWidth)"
        )
        charts = page.eval_on_selector_all(
            ".report img.chart",
            """imgs => imgs.map(img => {
                 const fig = img.closest('figure'), cap = fig && fig.querySelector('figcaption');
                 const box = cap ? cap.getBoundingClientRect() : null;
                 return {alt: img.alt, scale: img.getBoundingClientRect().width / img.naturalWidth,
                         overflow: getComputedStyle(img.parentElement).overflowX,
                         title: cap ? cap.textContent : '', left: box && box.left,
                         right: box && box.right};
               })""",
        )
        assert len(charts) >= 2, charts
        vw = PHONE["width"]
        for c in charts:
            assert c["scale"] > 0.95 and c["overflow"] == "auto", c
            assert " — lumio — " in c["title"] and c["left"] >= 0 and c["right"] <= vw, c
    finally:
        context.close()


def test_the_demos_report_reads_in_lines_of_words_on_a_phone(browser: Any, tmp_path: Path) -> None:
    """The demo's last week (posts of plain sentences; the module's site holds
    long links, which widen their columns anyway): squeezed to fit the
    screen first, its stories and its influencers' reasons were a word to a
    line (a row 300 px high), its days three lines each ("7 / novembre /
    2026")."""
    from typer.testing import CliRunner

    from veille.cli import build_app

    root = tmp_path / "demo"
    result = CliRunner().invoke(build_app(), ["demo", str(root), "--days", "14"])
    assert result.exit_code == 0, (result.output, result.exception)
    add_role_users(root)
    with serve(root) as own:
        context = _context(browser, own, PHONE, "fr")
        try:
            page = context.new_page()
            page.goto(own.url + "/reports?topic=lumio&period=last-7d")
            seen = page.evaluate(_REPORT_LINES)
        finally:
            context.close()
    assert {name for name, _ in seen["prose"]} == {"Publication", "Histoire", "Pourquoi"}, seen
    narrow = [f"{name} {width:.0f}px" for name, width in seen["prose"] if width < 13 * 16]
    assert not narrow, "sentences squeezed into a narrow column:\n" + "\n".join(narrow)
    assert seen["days"] and max(seen["days"]) == 1, seen["days"]


def test_the_calendars_posts_are_read_in_lines_of_words_on_a_phone(
    browser: Any, tmp_path: Path
) -> None:
    """Posts of plain sentences (the calendar of the module's site holds a
    long link, which widens its column anyway): squeezed to fit the screen
    first, the text column was a word or two to a line ("Jo|fê|to")."""
    from veille.publish import add_account
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        add_account(ws.state, "masto", "mastodon", "https://mastodon.example",
                    secret="env:PHONE_MASTO_TOKEN")  # fmt: skip
    with serve(root) as own:
        with httpx.Client(base_url=own.url, timeout=60) as c:
            token = csrf_from(c.get("/login").text)
            c.post("/login", data={"username": "manager", "password": PASSWORD,
                                   "csrf_token": token})  # fmt: skip
            at = to_come(datetime(2026, 12, 24, 9, 30))
            entry = {"account": "masto", "at": f"{at:%Y-%m-%dT%H:%M}", "title": "",
                     "text": "Nos équipes restent là pendant les fêtes, écrivez-nous si la "
                             "fibre vous lâche.", "language": "fr", "action": "save"}  # fmt: skip
            token = csrf_from(c.get("/plan/calendar").text)
            assert c.post("/plan/calendar", data={"csrf_token": token, **entry}).status_code == 303
        context = _context(browser, own, PHONE, "fr", role="manager")
        try:
            page = context.new_page()
            page.goto(own.url + "/plan/calendar")
            seen = page.evaluate(_COLUMN, "Texte")
            assert seen["cells"] and min(seen["cells"]) >= 13 * 16, seen
        finally:
            context.close()


def _nav_link(page: Any, name: str) -> Any:
    return page.get_by_role("navigation").get_by_role("link", name=name, exact=True)


def test_the_menu_opens_and_closes_by_touch(browser: Any, site: Running) -> None:
    context = _context(browser, site, PHONE, "fr")
    try:
        page = context.new_page()
        page.goto(site.url + "/")
        menu = page.get_by_role("button", name="Menu")
        # Folded: the page starts with its content, not ten rows of links.
        assert menu.is_visible() and menu.get_attribute("aria-expanded") == "false"
        assert not _nav_link(page, "Boîte de réception").is_visible()
        assert not page.get_by_role("button", name="Se déconnecter").is_visible()
        header = page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] < 100, header
        box = menu.bounding_box()
        assert box is not None and box["width"] >= 24 and box["height"] >= 24, box
        menu.tap()
        assert menu.get_attribute("aria-expanded") == "true"
        # Everything the header holds is there: pages, language, sign out.
        assert page.get_by_role("button", name="English").is_visible()
        assert page.get_by_role("button", name="Se déconnecter").is_visible()
        inbox = _nav_link(page, "Boîte de réception")
        with page.expect_navigation():
            inbox.tap()
        assert page.url.endswith("/inbox")
        menu = page.get_by_role("button", name="Menu")
        assert menu.get_attribute("aria-expanded") == "false"
        menu.tap()
        assert _nav_link(page, "Flux").is_visible()
        menu.tap()
        assert not _nav_link(page, "Flux").is_visible()
        assert menu.get_attribute("aria-expanded") == "false"
    finally:
        context.close()


def test_the_menu_works_from_the_keyboard(browser: Any, site: Running) -> None:
    context = _context(browser, site, TABLET, "en")
    try:
        page = context.new_page()
        page.goto(site.url + "/stream")
        menu = page.get_by_role("button", name="Menu")
        for _ in range(5):  # skip link, brand, then the menu's button
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "menu-toggle":
                break
        assert page.evaluate("document.activeElement.id") == "menu-toggle"
        page.keyboard.press("Enter")
        assert menu.get_attribute("aria-expanded") == "true"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Dashboard"
        page.keyboard.press("Escape")
        assert menu.get_attribute("aria-expanded") == "false"
        assert not _nav_link(page, "Dashboard").is_visible()
        assert page.evaluate("document.activeElement.id") == "menu-toggle"
        page.keyboard.press("Space")
        assert _nav_link(page, "Dashboard").is_visible()
    finally:
        context.close()


def test_a_wide_screen_shows_the_whole_header_and_no_menu_button(
    browser: Any, site: Running
) -> None:
    context = _context(browser, site, {"width": 1280, "height": 900}, "en", touch=False)
    try:
        page = context.new_page()
        page.goto(site.url + "/")
        assert not page.get_by_role("button", name="Menu").is_visible()
        assert _nav_link(page, "Inbox").is_visible()
        assert page.get_by_role("button", name="Sign out").is_visible()
        # One row: the links sit beside the brand, as before the menu existed.
        brand = page.locator(".brand").bounding_box()
        inbox = _nav_link(page, "Inbox").bounding_box()
        assert brand and inbox and inbox["y"] < brand["y"] + brand["height"], (brand, inbox)
    finally:
        context.close()


def test_she_takes_an_item_marks_it_answered_and_done_by_touch(browser: Any, site: Running) -> None:
    context = _context(browser, site, PHONE, "fr")
    try:
        page = context.new_page()
        page.goto(site.url + "/inbox?q=camille")
        with page.expect_navigation():
            page.locator("main table a[href^='/inbox/']").first.tap()
        facts = page.locator("dl.inbox-facts")
        assert "analyst" not in facts.inner_text()
        # One tap takes it: no name to type on a phone's keyboard.
        with page.expect_navigation():
            page.get_by_role("button", name="M’attribuer").tap()
        assert page.get_by_role("status").first.inner_text() == "Attribution enregistrée."
        assert "analyst" in facts.inner_text()
        assert page.get_by_role("button", name="M’attribuer").count() == 0
        # A name typed into the field keeps its case: a phone does not turn
        # "analyst" into "Analyst", whom the workspace does not know.
        field = page.get_by_label("Attribuer à", exact=True)
        assert field.get_attribute("autocapitalize") == "none"
        assert field.get_attribute("autocorrect") == "off"
        with page.expect_navigation():
            page.get_by_role("button", name="Marquer répondu hors de veille").tap()
        page.get_by_label("État", exact=True).select_option("closed")
        with page.expect_navigation():
            page.get_by_role("button", name="Changer l’état").tap()
        assert page.get_by_label("État", exact=True).input_value() == "closed"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_the_sign_in_form_suits_a_phone_keyboard(browser: Any, site: Running) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(site.url + "/login")
        username = page.locator("#username")
        assert username.get_attribute("autocomplete") == "username"
        assert username.get_attribute("autocapitalize") == "none"
        assert page.locator("#password").get_attribute("autocomplete") == "current-password"
        # 16 px at least: iOS zooms into a smaller field and leaves the page zoomed.
        sizes = page.eval_on_selector_all(
            "input:not([type=hidden]), select, textarea",
            "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))",
        )
        assert sizes and min(sizes) >= 16, sizes
    finally:
        context.close()


def test_signed_out_the_language_switch_is_shown_on_a_phone(browser: Any, site: Running) -> None:
    """The sign-in page has no menu to open: its language buttons stay in sight
    (folded away with no Menu button, a French reader could not switch)."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(site.url + "/login")
        assert page.get_by_role("button", name="Menu").count() == 0
        french = page.get_by_role("button", name="Français")
        assert french.is_visible()
        with page.expect_navigation():
            french.tap()
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.get_by_role("button", name="English").is_visible()
    finally:
        context.close()


def test_the_inbox_filters_put_each_label_above_its_field(browser: Any, site: Running) -> None:
    context = _context(browser, site, PHONE, "fr")
    try:
        page = context.new_page()
        page.goto(site.url + "/inbox")
        pairs = page.eval_on_selector_all(
            ".inbox-filters label[for]",
            """labels => labels.map(l => {
                 const a = l.getBoundingClientRect();
                 const b = document.getElementById(l.htmlFor).getBoundingClientRect();
                 return [l.textContent.trim(), a.bottom, a.left, b.top, b.left];
               })""",
        )
        assert len(pairs) == 8, pairs
        astray = [p for p in pairs if p[1] > p[3] + 1 or abs(p[2] - p[4]) > 2]
        assert not astray, f"labels not above their fields: {astray}"
        # And those of the action on the selected items below the list: its
        # "Valeur" ended one line, its field began the next.
        pairs = page.eval_on_selector_all(
            "#bulk fieldset label[for]",
            """labels => labels.map(l => {
                 const a = l.getBoundingClientRect();
                 const b = document.getElementById(l.htmlFor).getBoundingClientRect();
                 return [l.textContent.trim(), a.bottom, a.left, b.top, b.left];
               })""",
        )
        assert len(pairs) == 2, pairs
        astray = [p for p in pairs if p[1] > p[3] + 1 or abs(p[2] - p[4]) > 2]
        assert not astray, f"labels not above their fields: {astray}"
    finally:
        context.close()


# What a finger taps on the inbox's pages: the views' links, checkboxes,
# links in tables (an item's number opens it), buttons, the brand.
_TARGETS = """
() => [...document.querySelectorAll(
    '.inbox-views a, input[type=checkbox], input[type=radio], table a, button, .brand a, select')]
  .filter(e => e.getClientRects().length)
  .map(e => [e.tagName.toLowerCase() + ' ' + (e.textContent || e.name || '').trim().slice(0, 20),
             e.getBoundingClientRect().width, e.getBoundingClientRect().height])
  .filter(([, w, h]) => w < 24 || h < 24)
"""


def test_tap_targets_are_at_least_24_px_on_a_touch_screen(browser: Any, site: Running) -> None:
    context = _context(browser, site, PHONE, "fr")
    try:
        page = context.new_page()
        small = []
        for path in ("/inbox", "/inbox/views", "/plan/calendar", "/topics"):
            page.goto(site.url + path)
            small += [f"{path}: {t}" for t in page.evaluate(_TARGETS)]
        assert not small, "targets too small for a finger:\n" + "\n".join(map(str, small))
    finally:
        context.close()


# The buttons of tables' rows whose words take more than a line.
_SPLIT_BUTTONS = """
() => [...document.querySelectorAll('main td button')].filter(b => b.getClientRects().length)
  .map(b => {
    const range = document.createRange();
    range.selectNodeContents(b);
    return [b.textContent.trim(), new Set([...range.getClientRects()].map(r => r.top)).size];
  }).filter(([, lines]) => lines > 1)
"""


def test_a_rows_buttons_keep_their_words_on_a_line_on_a_phone(browser: Any, site: Running) -> None:
    """A source's four buttons were stacked in a squeezed column, each split
    in two (« Tester / maintenant », « Collecter / maintenant »)."""
    context = _context(browser, site, PHONE, "fr", role="admin")
    try:
        page = context.new_page()
        split = []
        for path in ("/sources", "/users", "/inbox/canned"):
            page.goto(site.url + path)
            split += [f"{path}: {name}" for name, _ in page.evaluate(_SPLIT_BUTTONS)]
        assert not split, "buttons split over lines:\n" + "\n".join(split)
    finally:
        context.close()


# The cells of the page's tables whose bottom edge (their share of the row's
# line) is not the row's: a cell shorter than its row.
_CELLS_SHORT_OF_THEIR_ROW = """
() => [...document.querySelectorAll('main table tbody tr')].flatMap(r => {
  const bottom = r.getBoundingClientRect().bottom;
  return [...r.cells].filter(c => c.getClientRects().length)
    .map(c => [r.cells[0].textContent.trim().slice(0, 20), c.className, c.textContent.trim()
      .replace(/\\s+/g, ' ').slice(0, 30), bottom - c.getBoundingClientRect().bottom])
    .filter(([, , , short]) => Math.abs(short) > 1);
})
"""


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_rows_line_runs_under_its_buttons_on_a_phone(
    browser: Any, site: Running, lang: str
) -> None:
    """A row's line ran broken under its buttons: their cell (a flex box, not
    a table's cell) ended where its buttons did, its share of the line above
    the row's (the users' role and its Change role button stand taller)."""
    context = _context(browser, site, PHONE, lang, role="admin")
    try:
        page = context.new_page()
        short = []
        for path in ("/users", "/sources", "/plan/accounts"):
            page.goto(site.url + path)
            assert page.locator("main td.actions button").count(), path
            short += [f"{path}: {cells}" for cells in page.evaluate(_CELLS_SHORT_OF_THEIR_ROW)]
        assert not short, "cells short of their row's line (row, class, text, px):\n" + "\n".join(
            short
        )
    finally:
        context.close()


def test_the_dashboards_charts_stay_readable_on_a_phone(browser: Any, site: Running) -> None:
    context = _context(browser, site, PHONE, "en")
    try:
        page = context.new_page()
        page.goto(site.url + "/")
        # The charts are images, drawn when the page asks for them.
        page.wait_for_function(
            "[...document.querySelectorAll('.chart img')].every(i => i.complete && i.naturalWidth)"
        )
        charts = page.eval_on_selector_all(
            ".chart",
            """els => els.map(c => {
                 const img = c.querySelector('img'), box = c.getBoundingClientRect();
                 const drawn = img.getBoundingClientRect();
                 return {timeline: c.classList.contains('timeline'),
                         scale: drawn.width / img.naturalWidth,
                         overflow: getComputedStyle(c).overflowX,
                         left: drawn.left - box.left, right: drawn.right - box.right};
               })""",
        )
        assert charts and any(c["timeline"] for c in charts), charts
        for c in charts:
            # Drawn at its own size (labels of 10 px, not 5), scrolling in its box.
            assert c["scale"] > 0.95 and c["overflow"] == "auto", c
        for c in (c for c in charts if c["timeline"]):
            # The latest days in view: the drawing's right edge, its start beyond the left.
            assert abs(c["right"]) <= 1 and c["left"] < 0, c
        # Each chart's title is read whole, wrapped to the screen: drawn in
        # the picture, it scrolled with it ("— Nov 7 – Dec 6, 2026", its
        # start out of sight to the left of the latest days).
        title = page.get_by_text(re.compile(r"^Posts — lumio — .+\d{4}$"))
        assert title.count() == 1, "no title of the lumio timeline in the page's text"
        box = title.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


# Where each cell of a table's rows lies against the screen, and the lines
# each of its labels takes.
_ROWS_IN_SIGHT = """
table => {
  const vw = document.documentElement.clientWidth;
  const cells = [...table.tBodies[0].rows].flatMap(r => [...r.cells]).map(c => {
    const b = c.getBoundingClientRect();
    return [c.textContent.trim().slice(0, 30), b.left, b.right];
  }).filter(([, left, right]) => left < 0 || right > vw + 1);
  const split = [...table.querySelectorAll('label')].filter(l => l.getClientRects().length &&
    l.getBoundingClientRect().width > 2).map(l => {
      const range = document.createRange();
      range.selectNodeContents(l);
      const tops = new Set([...range.getClientRects()].filter(x => x.width).map(x => x.top));
      return [l.textContent.trim(), tops.size];
    }).filter(([, lines]) => lines > 1);
  return {cells, split, scrolls: table.scrollWidth > table.clientWidth + 1};
}
"""


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_plans_kpis_and_the_response_targets_fit_a_phone(
    browser: Any, site: Running, lang: str
) -> None:
    """Tables of fields: every field and button in sight, none to scroll to.
    The plan's KPIs to edit are a card each (side by side, a KPI's name
    was a word to a line, its Remove button cut to "Rem|cust|ser" at the
    table's edge, "Days each value covers" split); the response targets'
    fields leave their third column on the screen."""
    context = _context(browser, site, PHONE, lang, role="admin")
    try:
        page = context.new_page()
        page.goto(site.url + "/plan/edit")
        kpis = page.locator("table", has=page.locator("input[name=period_days]"))
        seen = kpis.evaluate(_ROWS_IN_SIGHT)
        assert not seen["cells"] and not seen["split"] and not seen["scrolls"], seen
        remove = page.get_by_role("button", name=re.compile("^(Remove|Retirer) customer-service"))
        assert remove.count() >= 2, remove.count()
        page.goto(site.url + "/inbox/hours")
        targets = page.locator("table", has=page.locator("input[name=first_urgent]"))
        seen = targets.evaluate(_ROWS_IN_SIGHT)
        assert not seen["cells"] and not seen["scrolls"], seen
    finally:
        context.close()


def test_form_labels_sit_above_their_fields_on_a_phone(
    browser: Any, site: Running, phone_pages: list[str]
) -> None:
    context = _context(browser, site, PHONE, "fr")
    try:
        page = context.new_page()
        astray = []
        for path in phone_pages:
            if not path.startswith(("/inbox/", "/plan/calendar", "/topics/", "/stream")):
                continue
            page.goto(site.url + path)
            pairs = page.eval_on_selector_all(
                "main form > label[for], main form > p > label[for]",
                # A box's label sits beside its box, as everywhere: its
                # first line level with the box (the topic's "Send its posts
                # to the inbox" stood on the line below a box of its own).
                """labels => labels.map(l => {
                     const field = document.getElementById(l.htmlFor);
                     const a = l.getBoundingClientRect(), b = field.getBoundingClientRect();
                     if (field.type === 'checkbox' || field.type === 'radio') {
                       const first = l.getClientRects()[0];
                       return [l.textContent.trim(), first.top < b.bottom && first.bottom > b.top];
                     }
                     const above = a.bottom <= b.top + 1 && Math.abs(a.left - b.left) <= 2;
                     return [l.textContent.trim(), above];
                   })""",
            )
            assert pairs, path
            astray += [f"{path}: {name}" for name, placed in pairs if not placed]
        assert not astray, "labels astray from their fields:\n" + "\n".join(astray)
    finally:
        context.close()


# Each label of a form's fieldsets against its field; and each checkbox or
# radio button against the first line of its own words.
_FIELDSET_LABELS = """
() => {
  const out = {labels: [], boxes: []};
  for (const l of document.querySelectorAll('main form fieldset label[for]')) {
    const field = document.getElementById(l.htmlFor);
    if (!field || !field.getClientRects().length) continue;
    const a = l.getBoundingClientRect(), b = field.getBoundingClientRect();
    out.labels.push([l.textContent.trim(), a.bottom, a.left, b.top, b.left]);
  }
  for (const box of document.querySelectorAll(
      'main fieldset label > input[type=checkbox], main fieldset label > input[type=radio]')) {
    const range = document.createRange();
    range.setStartAfter(box);
    range.setEndAfter(box.parentElement.lastChild);
    const first = [...range.getClientRects()].find(r => r.width > 0);
    const b = box.getBoundingClientRect();
    const beside = first.top < b.bottom && first.bottom > b.top;
    out.boxes.push([box.parentElement.textContent.trim(), beside]);
  }
  return out;
}
"""


@pytest.mark.parametrize(
    ("viewport", "lang"), [({"width": 1280, "height": 900}, "en"), (PHONE, "fr")],
    ids=["desktop-en", "phone-fr"],
)  # fmt: skip
def test_a_forms_fieldsets_put_each_label_above_its_field(
    browser: Any, site: Running, viewport: dict[str, int], lang: str
) -> None:
    """The guided start, the inbox's rules, views and hours: their fields sit
    in fieldsets, where labels and fields ran on as one paragraph."""
    context = _context(browser, site, viewport, lang, touch=viewport is PHONE, role="admin")
    try:
        page = context.new_page()
        astray, split = [], []
        for path in ("/plan/start", "/inbox/rules", "/inbox/views", "/inbox/hours", "/plan/edit"):
            page.goto(site.url + path)
            seen = page.evaluate(_FIELDSET_LABELS)
            if path != "/plan/edit":
                assert seen["labels"], path
            astray += [
                f"{path}: {p[0]}" for p in seen["labels"] if p[1] > p[3] + 1 or abs(p[2] - p[4]) > 2
            ]
            split += [f"{path}: {name}" for name, beside in seen["boxes"] if not beside]
        assert not astray, "labels beside or below their fields:\n" + "\n".join(astray)
        assert not split, "boxes parted from their words:\n" + "\n".join(split)
    finally:
        context.close()


# Labels that are neither above their field nor just before it on its line:
# a label at the end of one line and its field at the start of the next.
_PARTED_LABELS = """
() => [...document.querySelectorAll('main label[for]')].filter(l => {
  const field = document.getElementById(l.htmlFor);
  if (!field || !field.getClientRects().length || l.getBoundingClientRect().width < 2) return false;
  const a = l.getBoundingClientRect(), b = field.getBoundingClientRect();
  const above = a.bottom <= b.top + 1 && Math.abs(a.left - b.left) <= 2;
  const before = a.top < b.bottom && a.bottom > b.top && a.right <= b.left + 1;
  return !above && !before;
}).map(l => l.textContent.trim())
"""


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_label_is_parted_from_its_field_on_a_desktop(
    browser: Any, site: Running, phone_pages: list[str], lang: str
) -> None:
    context = _context(browser, site, {"width": 1280, "height": 900}, lang, touch=False,
                       role="admin")  # fmt: skip
    try:
        page = context.new_page()
        parted = []
        entries = [p for p in phone_pages if p.startswith("/plan/calendar/")]
        for path in ("/reports", "/plan/start", "/inbox/rules", "/inbox/views", "/inbox/hours",
                     "/inbox/canned", "/settings", "/alerts", "/stream?q=lumio&since=2026-01-01",
                     "/plan/calendar", *entries):  # fmt: skip
            page.goto(site.url + path)
            parted += [f"{path}: {name}" for name in page.evaluate(_PARTED_LABELS)]
        assert not parted, "labels parted from their fields:\n" + "\n".join(parted)
    finally:
        context.close()


# The lines each cell of the inbox's short columns takes.
_CELL_LINES = """
() => [...document.querySelectorAll('table.inbox-list tbody tr')].flatMap(r =>
  [...r.cells].slice(2, 4).map(c => {
    const range = document.createRange();
    range.selectNodeContents(c);
    const tops = new Set([...range.getClientRects()].filter(x => x.width).map(x => x.top));
    return [c.textContent.trim(), tops.size];
  }))
"""


def test_the_inbox_list_keeps_its_short_words_whole_on_a_desktop(
    browser: Any, site: Running
) -> None:
    """A long link or handle breaks inside its cell; a status or a priority
    is not cut mid-word to make room ("nouv|eau")."""
    context = _context(browser, site, {"width": 1280, "height": 900}, "fr", touch=False)
    try:
        page = context.new_page()
        page.goto(site.url + "/inbox")
        cells = page.evaluate(_CELL_LINES)
        assert cells and not [c for c in cells if c[1] > 1], cells
    finally:
        context.close()


def test_an_alerts_page_stacks_its_details_and_settings_on_a_phone(
    browser: Any, site: Running
) -> None:
    context = _context(browser, site, PHONE, "fr", role="manager")
    try:
        page = context.new_page()
        page.goto(site.url + "/alerts/lumio-outages")
        # Each term above its value, not a narrow column beside a wide one.
        rows = page.eval_on_selector_all(
            "dl.details dt",
            """dts => dts.map(t => [t.textContent, t.getBoundingClientRect().bottom,
                                    t.nextElementSibling.getBoundingClientRect().top])""",
        )
        assert rows and all(bottom <= top + 1 for _, bottom, top in rows), rows
        # The settings' labels (several to a paragraph) each above its field.
        # (« À » names its clock: « À (UTC) ».)
        for name in ("Fréquence", re.compile(r"^À \(.+\)$"), "Jour"):
            label = page.get_by_text(name, exact=True).bounding_box()
            field = page.get_by_label(name, exact=True).bounding_box()
            assert label and field and label["y"] + label["height"] <= field["y"] + 1, name
            assert abs(label["x"] - field["x"]) <= 2, name
    finally:
        context.close()


def test_the_inbox_list_shows_each_items_text_on_a_phone(browser: Any, site: Running) -> None:
    context = _context(browser, site, PHONE, "fr")
    try:
        page = context.new_page()
        page.goto(site.url + "/inbox")
        table = page.locator("table.inbox-list")
        # No sideways scrolling to reach the text: each item is a card.
        assert table.evaluate("t => t.scrollWidth <= t.clientWidth")
        text = page.get_by_role("link", name=re.compile("lumio ne marche plus"))
        box = text.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        # The other columns say what they are, their headings being hidden.
        row = page.locator("table.inbox-list tbody tr", has=text)
        assert "Priorité\u202f: " in row.evaluate(
            "r => [...r.cells].map(c => getComputedStyle(c, '::before').content).join(' ')"
        ).replace('"', "")
    finally:
        context.close()


def test_a_long_link_or_handle_does_not_widen_the_inbox_on_a_desktop(
    browser: Any, site: Running, phone_pages: list[str]
) -> None:
    context = _context(browser, site, {"width": 1280, "height": 900}, "fr", touch=False)
    try:
        page = context.new_page()
        for path in [p for p in phone_pages if p.startswith("/inbox")]:
            page.goto(site.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1280, f"{path} is {width}px wide on a 1280px screen"
    finally:
        context.close()
