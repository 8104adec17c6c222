"""E-mails carry a ``Date:`` header, and every time they show is in the
workspace's time zone and says which (issue 17), captured by a real SMTP
server (aiosmtpd)."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest

from tests.alerts.conftest import make_post, make_workspace
from veille import timefmt
from veille.alerts.channels import ChannelContext, Delivery, DeliveryItem, channel_for
from veille.alerts.model import Alert
from veille.alerts.reports import period_label


def _send(tmp_path, smtp_server, lang: str, tz: str) -> EmailMessage:  # type: ignore[no-untyped-def]
    ws = make_workspace(
        tmp_path / f"ws-{lang}",
        f'[smtp]\nport = {smtp_server.port}\n\n[workspace]\ntimezone = "{tz}"\n',
    )
    alert = Alert(name="lumio", query="lumio", channel_url="mailto:team@example.org",
                  language=lang)  # fmt: skip
    post = make_post(1, "Lumio lamp", published_at=datetime(2026, 3, 1, 7, 0, tzinfo=UTC))
    delivery = Delivery("lumio:1", alert, [DeliveryItem(post)], datetime.now(UTC))
    before = len(smtp_server.messages)
    channel_for(alert.channel_url, ChannelContext(ws.settings, ws.root)).send(delivery)
    ws.close()
    assert len(smtp_server.messages) == before + 1
    msg = email.message_from_bytes(smtp_server.messages[-1], policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def _bodies(msg: EmailMessage) -> str:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content() + html.get_content()


@pytest.mark.parametrize(
    ("lang", "tz", "shown"),
    [
        ("en", "Europe/Paris", "Mar 1, 2026, 8:00\u202fAM (Europe/Paris)"),
        ("fr", "Europe/Paris", "1er mars 2026 à 08:00 (Europe/Paris)"),
        ("fr", "America/Toronto", "1er mars 2026 à 02:00 (America/Toronto)"),
    ],
)
def test_mail_times_are_in_the_workspace_zone_and_say_which(
    tmp_path, smtp_server, lang: str, tz: str, shown: str
) -> None:  # type: ignore[no-untyped-def]
    msg = _send(tmp_path, smtp_server, lang, tz)
    assert shown in _bodies(msg)
    assert "2026-03-01 07:00" not in _bodies(msg)


def test_mail_has_a_date_header_in_the_workspace_offset(tmp_path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    sent_after = datetime.now(UTC) - timedelta(seconds=1)
    msg = _send(tmp_path, smtp_server, "en", "America/Toronto")
    assert msg["Date"] is not None
    when = parsedate_to_datetime(str(msg["Date"]))
    assert when >= sent_after.replace(microsecond=0)
    assert when.utcoffset() == when.astimezone(ZoneInfo("America/Toronto")).utcoffset()


def test_report_period_in_hours_says_its_zone() -> None:
    since = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    until = since + timedelta(hours=1)
    assert period_label(since, until, "Europe/Paris", "fr") == (
        "1er mars 2026, 08:00 – 09:00 (Europe/Paris)"
    )
    assert period_label(since, until, "Europe/Paris") == (
        "Mar 1, 2026, 8:00\u202fAM – 9:00\u202fAM (Europe/Paris)"
    )
    # Whole days are dates in the workspace's zone (no clock to name), written
    # the reader's way, as the hours are.
    start, end = since - timedelta(hours=7), since + timedelta(days=6, hours=17)
    assert period_label(start, end, "UTC") == "Mar 1\u2009–\u20097, 2026"
    assert period_label(start, end, "UTC", "fr") == "1er–7 mars 2026"


def test_clock_and_moment() -> None:
    when = datetime(2026, 7, 14, 20, 5, tzinfo=UTC)
    assert timefmt.clock(when, "fr", "Europe/Paris") == "22:05"
    assert timefmt.clock(when, "en", "Europe/Paris") == "10:05\u202fPM"
    assert timefmt.moment(when, "en", "UTC") == "Jul 14, 2026, 8:05\u202fPM (UTC)"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_mail_and_page_write_a_time_alike(lang: str) -> None:
    """An e-mail (« 05 h 45 ») and the page it links to (« 05:45 ») wrote one
    time two ways: both now take the pages' format, the e-mail adding its zone."""
    from veille.i18n import format_datetime

    when = datetime(2026, 7, 14, 3, 45, tzinfo=UTC)
    page = format_datetime(when, lang, "Europe/Paris")
    assert timefmt.moment(when, lang, "Europe/Paris") == f"{page} (Europe/Paris)"
    assert " h " not in timefmt.moment(when, lang, "Europe/Paris")
