"""An agency's lists: hundreds of alerts (topics, sources) are shown a page
at a time with a search box, not as one table with the form to add one
below its last row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from tests.web.conftest import Served
from veille.alerts.model import Alert, AlertBook
from veille.query.topics import add_topic
from veille.services.paging import LIST_PAGE
from veille.services.sources import add_source
from veille.workspace import Workspace

Login = Callable[..., httpx.Response]
ALERTS = 2 * LIST_PAGE + 20
TOPICS = LIST_PAGE + 10
SOURCES = LIST_PAGE + 5


@pytest.fixture(scope="module")
def many(live_server: Served) -> Served:
    with Workspace.open(live_server.root) as ws:
        book = AlertBook(ws.store)
        for i in range(ALERTS):
            brand = "lumio" if i % 10 == 0 else f"brand{i:03d}"
            book.add(Alert(name=f"watch-{i:03d}", query=brand, channel_url=f"atom:f/{i}.xml"))
        for i in range(TOPICS):
            add_topic(ws.state, f"client-{i:03d}", "Élysée" if i % 20 == 0 else f"brand{i:03d}")
        for i in range(SOURCES):
            add_source(ws.state, "feeds", f"https://example.org/{i}.xml", name=f"feed-{i:03d}")
        # The last one fails: an agency must not look for it on page two.
        now = datetime.now(UTC)
        with ws.state.transaction() as tx:
            tx.record_failure(f"feed-{SOURCES - 1:03d}", now, error="HTTP 410 gone",
                              failures=3, new_posts=0, next_due=now)  # fmt: skip
    return live_server


def _names(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('<a href="/alerts/watch-')[1:]]


def test_alerts_come_a_page_at_a_time_with_the_form_reachable(
    many: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "analyst")
    first = client.get("/alerts")
    assert first.status_code == 200
    assert len(_names(first.text)) == LIST_PAGE
    assert f"{ALERTS} alerts." in first.text
    assert 'action="/alerts"' in first.text and "Create the alert" in first.text
    assert "Page 1 of 3" in first.text and "page=2" in first.text
    last = client.get("/alerts", params={"page": 3})
    assert len(_names(last.text)) == 20 and "Page 3 of 3" in last.text
    seen = {n for p in (1, 2, 3) for n in _names(client.get(f"/alerts?page={p}").text)}
    assert len(seen) == ALERTS  # every alert on one page or another, none twice


def test_alerts_are_found_by_what_they_watch(
    many: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "viewer")
    found = client.get("/alerts", params={"q": "LUMIO"})
    assert sorted(_names(found.text)) == [f"{i:03d}" for i in range(0, ALERTS, 10)]
    assert f"12 alerts of {ALERTS} found." in found.text
    assert "Page 1 of" not in found.text  # one page: no pager
    none = client.get("/alerts", params={"q": "nothing like it"})
    assert _names(none.text) == [] and "No alert matches these words." in none.text
    client.cookies.set("veille_lang", "fr")
    fr = client.get("/alerts", params={"q": "lumio"})
    assert f"12 alertes trouvées sur {ALERTS}." in fr.text


def test_topics_come_a_page_at_a_time_and_are_found_by_query(
    many: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "viewer")
    names = lambda html: html.count('<a href="/topics/client-')  # noqa: E731
    first = client.get("/topics")
    assert names(first.text) == LIST_PAGE and f"{TOPICS} topics." in first.text
    assert "Page 1 of 2" in first.text
    assert names(client.get("/topics", params={"page": 2}).text) == 10
    found = client.get("/topics", params={"q": "elysee"})  # accents and case ignored
    assert names(found.text) == 3 and f"3 topics of {TOPICS} found." in found.text


def test_the_dashboard_counts_the_topics_it_does_not_name(
    many: Served, client: httpx.Client, login: Login
) -> None:
    from veille.services.dashboard import MORE_NAMED, TOPICS_SHOWN

    login(client, "viewer")
    page = client.get("/").text
    rest = TOPICS - TOPICS_SHOWN - MORE_NAMED
    assert page.count('<a href="/stream?topic=client-') <= TOPICS_SHOWN + MORE_NAMED + TOPICS_SHOWN
    assert f'<a href="/topics">and {rest} more topics</a>' in page
    client.cookies.set("veille_lang", "fr")
    assert f'<a href="/topics">et {rest} autres sujets</a>' in client.get("/").text


def test_sources_come_a_page_at_a_time_failing_ones_first(
    many: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "analyst")
    rows = lambda html: html.count('<th scope="row">feed-')  # noqa: E731
    first = client.get("/sources").text
    assert rows(first) == LIST_PAGE and f"{SOURCES} sources." in first
    assert first.index(f"feed-{SOURCES - 1:03d}") < first.index("feed-000")  # failing first
    assert "Add a source" in first and "Page 1 of 2" in first
    assert rows(client.get("/sources", params={"page": 2}).text) == SOURCES - LIST_PAGE
    found = client.get("/sources", params={"q": "410"}).text
    assert rows(found) == 1 and f"1 source of {SOURCES} found." in found
