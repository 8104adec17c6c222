"""A report's figures are read once a minute at most, whatever the language
it is shown in and as its PDF: the report in the other language, or its PDF
downloaded after the page, is drawn from the figures the page was drawn
from (reading them again was most of what each cost, 0.4 s of a topic's
week at 1M posts)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.conftest import make_post
from tests.web.conftest import add_role_users, do_login, serve
from tests.web.pages_data import seed
from veille.pipeline import build_pipeline
from veille.web.listening import Recent
from veille.workspace import Workspace, init_workspace

URL = "/reports?topic=lumio&period=last-7d"
_POSTS = re.compile(
    r'<div class="figure"><div>(?:Posts|Publications)</div>\s*<div class="v">(\d+)<'
)


def _two_days_ago() -> datetime:
    return datetime.now(UTC) - timedelta(days=2)


def _posts(page: httpx.Response) -> int:
    assert page.status_code == 200, page.text[:2000]
    found = _POSTS.search(page.text)
    assert found, "the report shows no headline count of posts"
    return int(found.group(1))


def test_the_other_language_and_the_pdf_are_drawn_from_the_figures_read(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    seed(root)
    add_role_users(root)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            do_login(client, "viewer")
            english = _posts(client.get(URL + "&lang=en"))
            assert english > 0  # the known posts saying lumio, of the last 7 days
            # A post about lumio of two days ago arrives within the minute.
            with Workspace.open(root) as ws:
                build_pipeline(ws).ingest(
                    [make_post("late", "lumio again", lang="fr", published_at=_two_days_ago())]
                )
            # The French report is the English one's figures, not read again.
            assert _posts(client.get(URL + "&lang=fr")) == english
            pdf = client.get(
                "/reports/download", params={"topic": "lumio", "period": "last-7d", "format": "pdf"}
            )
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            figures = served.app.state.listening_recent["report-data"]
            assert len(figures._items) == 1  # one topic and period: read once
    finally:
        server.stop()


def _age(kept: Recent, seconds: float) -> None:
    """Make every answer ``kept`` holds ``seconds`` older (as if that long
    had passed since each was made)."""
    for key, (made, *rest) in list(kept._items.items()):
        kept._items[key] = (made - seconds, *rest)


def test_a_report_drawn_from_kept_figures_is_not_kept_a_minute_more(tmp_path: Path) -> None:
    """The French report drawn from figures read 30 s before (for the
    English one) was then kept as a new page for a whole minute: a post
    that arrived meanwhile was missing from it for 90 s (up to two minutes),
    with no refresh asked. Its minute is now its figures' minute."""
    root = init_workspace(tmp_path / "ws")
    seed(root)
    add_role_users(root)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            do_login(client, "viewer")
            english = _posts(client.get(URL + "&lang=en"))
            recents = served.app.state.listening_recent
            figures, pages = recents["report-data"], recents["reports"]
            _age(figures, figures.seconds / 2)  # read 30 s ago
            with Workspace.open(root) as ws:
                build_pipeline(ws).ingest(
                    [make_post("late", "lumio again", lang="fr", published_at=_two_days_ago())]
                )
            # Within the figures' minute: the French page is drawn from them.
            assert _posts(client.get(URL + "&lang=fr")) == english
            # 31 s later the figures are past their minute: the page drawn
            # from them is shown once more while the next is made.
            _age(figures, figures.seconds / 2 + 1)
            _age(pages, figures.seconds / 2 + 1)
            assert _posts(client.get(URL + "&lang=fr")) == english
            deadline = time.monotonic() + 120
            while pages._making and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _posts(client.get(URL + "&lang=fr")) == english + 1
    finally:
        server.stop()
