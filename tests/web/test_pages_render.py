"""Every listening page renders for a viewer, in English and in French, and
shows untrusted post fields escaped."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.web.conftest import Served
from tests.web.pages_data import HOSTILE_NAME, HOSTILE_TEXT, HOSTILE_TITLE, seed

# Each page and a word of its heading in each language.
PAGES = [
    ("/", "Dashboard", "Tableau de bord"),
    ("/stream", "Mention stream", "Flux des mentions"),
    ("/stream?q=lumio&sentiment=negative", "Mention stream", "Flux des mentions"),
    ("/topics", "Topics", "Sujets"),
    ("/topics/lumio", "Version history", "Historique des versions"),
    ("/alerts", "Alerts", "Alertes"),
    ("/sources", "Quarantine", "Quarantaine"),
    ("/influencers", "Influencers", "Influenceurs"),
    ("/trends", "Trends", "Tendances"),
    ("/reports", "Reports", "Rapports"),
    ("/reports?topic=lumio&period=last-7d", "Download", "Télécharger"),
]


@pytest.fixture(scope="module")
def seeded(live_server: Served) -> Served:
    seed(live_server.root, hostile=True)
    return live_server


@pytest.mark.parametrize(("lang", "column"), [("en", 1), ("fr", 2)])
@pytest.mark.parametrize(("path", "en", "fr"), PAGES)
def test_page_renders_for_a_viewer(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    path: str, en: str, fr: str, lang: str, column: int,
) -> None:  # fmt: skip
    client.cookies.set("veille_lang", lang)
    login(client, "viewer")
    page = client.get(path)
    assert page.status_code == 200, page.text[:2000]
    assert (en, fr)[column - 1] in page.text
    assert f'<html lang="{lang}">' in page.text


def test_pages_need_a_login(seeded: Served, client: httpx.Client) -> None:
    for path, _en, _fr in PAGES:
        page = client.get(path)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")


@pytest.mark.parametrize("path", ["/stream", "/stream?q=lumio", "/posts/mastodon:hostile"])
def test_post_fields_are_escaped(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response], path: str
) -> None:
    login(client, "viewer")
    html = client.get(path).text
    assert "mallory" in html  # the post is on the page
    for raw in (HOSTILE_TEXT, HOSTILE_NAME, HOSTILE_TITLE, "<script>alert"):
        assert raw not in html
    assert "&lt;script&gt;" in html
    # A javascript: link is never a link.
    assert "javascript:" not in html


def test_veille_serve_makes_the_dashboard_before_the_first_visitor(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The warm-up ``veille serve`` runs on a thread as it starts: the
    dashboard's default figures, in both languages, and the trends' default
    terms are kept before anyone asks, and a visitor's page is made from
    them."""
    from fastapi.testclient import TestClient

    from tests.web.conftest import add_role_users, do_login
    from veille.web.app import create_app
    from veille.web.routes import dashboard, trends
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    seed(root)
    add_role_users(root)
    app = create_app(root)
    dashboard.warm(app)
    kept = app.state.listening_recent["dashboard"]
    assert set(kept._items) == {("last-30d", "en"), ("last-30d", "fr")}
    found = kept._items[("last-30d", "en")][1][0]
    assert {t.name for t in found.topics} == {"lumio", "vexa"}
    trends.warm(app)
    terms = app.state.listening_recent["trends"]
    made = dict(terms._items)
    assert set(made) == {("", "", "last-30d")}
    with TestClient(app) as client:
        do_login(client, "viewer")
        page = client.get("/")
        shown = client.get("/trends")
    assert page.status_code == 200 and "lumio" in page.text
    assert set(kept._items) == {("last-30d", "en"), ("last-30d", "fr")}  # nothing new made
    assert shown.status_code == 200 and "Trends" in shown.text
    assert terms._items == made  # the same answer, not made again


def test_a_report_shown_again_within_the_minute_is_not_made_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The report page keeps each report (topic or query, period as dates,
    language) a minute for every viewer: a second view is the same page,
    another language another report."""
    from fastapi.testclient import TestClient

    from tests.web.conftest import add_role_users, do_login
    from veille.web.app import create_app
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    seed(root)
    add_role_users(root)
    app = create_app(root)
    with TestClient(app) as client:
        do_login(client, "viewer")
        first = client.get("/reports?topic=lumio&period=last-7d&lang=en")
        kept = app.state.listening_recent["reports"]
        made = dict(kept._items)
        again = client.get("/reports?topic=lumio&period=last-7d&lang=en")
        assert first.status_code == again.status_code == 200
        assert first.text == again.text and "lumio" in first.text
        assert kept._items == made and len(made) == 1
        client.get("/reports?topic=lumio&period=last-7d&lang=fr")
        assert len(kept._items) == 2
