"""Dates and times on the pages as the reader's region writes them: a
browser that asks for en-GB reads 3 Nov 2026, 16:45 (day first, a 24-hour
clock), not the American Nov 3, 2026, 4:45 PM; the words stay English."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from tests.conftest import make_post
from veille.publish import add_account
from veille.publish.calendar import add_entry

from .conftest import Served

Login = Callable[..., httpx.Response]
BRITISH = {"Accept-Language": "en-GB,en;q=0.9"}
AMERICAN = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture(scope="module")
def dated(live_server: Served) -> Served:
    with live_server.workspace() as ws:
        when = datetime(2026, 11, 3, 16, 45, tzinfo=UTC)
        ws.store.upsert_posts([make_post("region1", "regionwatch news", published_at=when)])
        add_account(ws.state, "region-masto", "mastodon", "https://mastodon.example",
                    secret="env:REGION_MASTO_TOKEN")  # fmt: skip
        # Saved as on the day of that post, when 12 January 2027 was to come
        # (a time past is refused), so that the page shows that very date.
        add_entry(ws.state, ws.settings, account="region-masto", text="Maintenance tonight",
                  at="2027-01-12 09:30", now=when)  # fmt: skip
    return live_server


def _text(page: httpx.Response) -> str:
    assert page.status_code == 200, page.text[:2000]
    return html.unescape(page.text)


def test_a_british_reader_reads_days_first_and_a_24_hour_clock(
    dated: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "analyst")
    stream = _text(client.get("/stream", params={"q": "regionwatch"}, headers=BRITISH))
    assert "3 Nov 2026, 16:45" in stream
    assert "Nov 3, 2026" not in stream
    calendar = _text(client.get("/plan/calendar", headers=BRITISH))
    assert "12 Jan 2027, 09:30 (UTC)" in calendar
    assert "posts in the calendar" in calendar or "post in the calendar" in calendar
    dashboard = _text(client.get("/", headers=BRITISH))
    # The period the figures count: "7 Nov – 6 Dec 2026", day before month.
    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2}\s*–\s*\d{1,2} [A-Z][a-z]{2} \d{4}", dashboard)


def test_an_american_reader_and_a_french_one_keep_their_own(
    dated: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "analyst")
    stream = _text(client.get("/stream", params={"q": "regionwatch"}, headers=AMERICAN))
    assert "Nov 3, 2026, 4:45\u202fPM" in stream
    calendar = _text(client.get("/plan/calendar", headers={"Accept-Language": "fr-FR,fr"}))
    assert "12 janv. 2027 à 09:30 (UTC)" in calendar
    # A region Babel does not know is read as the language alone.
    odd = _text(client.get("/plan/calendar", headers={"Accept-Language": "en-QQ"}))
    assert "Jan 12, 2027, 9:30\u202fAM (UTC)" in odd
