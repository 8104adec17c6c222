"""The dashboard's figures are read once a minute at most for every viewer,
whatever their language: a French viewer after an English one of the same
period is shown the figures the English page was drawn from, worded and
charted in French, without the posts being read again (a first view at 1M
posts: 0.3-0.6 s of CPU, mostly reads), and a post arriving within the
minute is not shown in one language while the other hides it."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import make_post
from tests.web.conftest import add_role_users, do_login, serve
from tests.web.pages_data import seed
from veille.pipeline import build_pipeline
from veille.web.routes import dashboard
from veille.workspace import Workspace, init_workspace

URL = "/?period=last-7d"
# A topic's card: its name, then its count of posts (English "Posts", French "Publications").
_CARD = re.compile(
    r"<h2[^>]*>(?:<a[^>]*>)?(\w+)(?:</a>)?</h2>.*?<dt>(?:Posts|Publications)</dt><dd>([\d\u202f\u00a0,]+)",
    re.S,
)


def _posts(page: httpx.Response) -> dict[str, int]:
    """Each topic card's count of posts."""
    assert page.status_code == 200, page.text[:2000]
    found = {name: int(re.sub(r"\D", "", n)) for name, n in _CARD.findall(page.text)}
    assert found, "the dashboard shows no topic's count of posts"
    return found


@contextmanager
def _statements(store: Any) -> Iterator[list[str]]:
    """Every SQL statement the SQLite ``store`` runs meanwhile, on every
    thread (the server's threads each have their connection)."""
    said: list[str] = []
    conns = list(store._conns.values())
    for conn in conns:
        conn.set_trace_callback(said.append)
    opens = store._connect_thread

    def traced() -> sqlite3.Connection:
        conn: sqlite3.Connection = opens()
        conn.set_trace_callback(said.append)
        conns.append(conn)
        return conn

    store._connect_thread = traced
    try:
        yield said
    finally:
        del store._connect_thread
        for conn in conns:
            conn.set_trace_callback(None)


def _reads_posts(statements: list[str]) -> list[str]:
    return [s for s in statements if re.search(r"\bFROM\s+(posts|rollup\w*)\b", s, re.I)]


def test_a_french_viewer_after_an_english_one_is_shown_the_figures_read_for_it(
    tmp_path: Path,
) -> None:
    root = init_workspace(tmp_path / "ws")
    seed(root)
    add_role_users(root)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            do_login(client, "viewer")
            english = _posts(client.get(URL))
            assert english.get("lumio", 0) > 0
            # A post about lumio of two days ago arrives within the minute.
            with Workspace.open(root) as ws:
                build_pipeline(ws).ingest(
                    [
                        make_post(
                            "late",
                            "lumio again",
                            lang="fr",
                            published_at=datetime.now(UTC) - timedelta(days=2),
                        )
                    ]
                )
            client.cookies.set("veille_lang", "fr")
            with _statements(served.app.state.workspace.posts) as said:
                french = client.get(URL)
            assert "Publications" in french.text  # the page is in French
            # The same figures as the English viewer's, not read again:
            # the new post is in neither page until their minute is over.
            assert _posts(french) == english
            assert _reads_posts(said) == []
    finally:
        server.stop()


def _age(kept: Any, seconds: float) -> None:
    """Make every answer ``kept`` holds ``seconds`` older."""
    for key, (made, *rest) in list(kept._items.items()):
        kept._items[key] = (made - seconds, *rest)


def test_a_page_drawn_from_kept_figures_is_kept_no_longer_than_they_are(tmp_path: Path) -> None:
    """The French page drawn from figures read 30 s before (for the English
    one) is kept until their minute ends, not a minute more: past it, both
    languages show the post that came meanwhile."""
    root = init_workspace(tmp_path / "ws")
    seed(root)
    add_role_users(root)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            do_login(client, "viewer")
            english = _posts(client.get(URL))
            recents = served.app.state.listening_recent
            figures, pages = recents["dashboard-figures"], recents["dashboard"]
            _age(figures, figures.seconds / 2)  # read 30 s ago
            _age(pages, figures.seconds / 2)  # (the English page with them)
            with Workspace.open(root) as ws:
                build_pipeline(ws).ingest(
                    [
                        make_post(
                            "late",
                            "lumio again",
                            lang="fr",
                            published_at=datetime.now(UTC) - timedelta(days=2),
                        )
                    ]
                )
            client.cookies.set("veille_lang", "fr")
            assert _posts(client.get(URL)) == english  # within the figures' minute
            # 31 s later: the page is shown once more while the next is made.
            _age(figures, figures.seconds / 2 + 1)
            _age(pages, figures.seconds / 2 + 1)
            assert _posts(client.get(URL)) == english
            deadline = time.monotonic() + 120
            while pages._making and time.monotonic() < deadline:
                time.sleep(0.05)
            newer = dict(english, lumio=english["lumio"] + 1)
            assert _posts(client.get(URL)) == newer
            client.cookies.set("veille_lang", "en")
            # The English page, past its minute too, is drawn from the same figures.
            _posts(client.get(URL))
            deadline = time.monotonic() + 120
            while pages._making and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _posts(client.get(URL)) == newer
    finally:
        server.stop()


def test_the_warm_up_reads_the_default_dashboard_once_for_both_languages(
    tmp_path: Path,
) -> None:
    """``veille serve`` made the default dashboard once per language, reading
    every figure twice before its first visitor was served fast."""
    from veille.services.dashboard import overview
    from veille.web.app import create_app

    root = init_workspace(tmp_path / "ws")
    seed(root)
    with Workspace.open(root) as ws:
        overview(ws, dashboard.DEFAULT_PERIOD, lang="en")  # (files the topics' posts)
        with _statements(ws.posts) as one:
            overview(ws, dashboard.DEFAULT_PERIOD, lang="en")  # what one language's page reads
    app = create_app(root)
    with _statements(app.state.workspace.posts) as said:
        dashboard.warm(app)
    kept = app.state.listening_recent["dashboard"]
    assert {key[:2] for key in kept._items} == {("last-30d", "en"), ("last-30d", "fr")}
    assert _reads_posts(one)
    # Both languages drawn from figures read once.
    assert len(_reads_posts(said)) == len(_reads_posts(one))
