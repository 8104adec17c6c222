"""Scheduled reports through the alert outbox: a real SMTP server (aiosmtpd),
a loopback webhook receiver, an Atom file, the CLI."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from html import unescape
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from tests.alerts.conftest import Mailbox, Receiver, make_post, make_workspace
from veille.alerts.channels.webhook import signature
from veille.alerts.model import Alert, AlertBook, unsubscribe_token
from veille.alerts.stage import dispatch_once, engine_for
from veille.analytics.scope import parse_period
from veille.cli import build_app
from veille.i18n import format_period
from veille.query.topics import add_topic
from veille.workspace import Workspace

TZ = "Europe/Paris"
PARIS = ZoneInfo(TZ)


def _config(port: int = 25) -> str:
    return (
        f'[smtp]\nport = {port}\n\n[web]\nbase_url = "https://veille.example"\n\n'
        f'[workspace]\ntimezone = "{TZ}"\n'
    )


def _next_monday_8(after: datetime) -> datetime:
    """The first Monday 08:00 (Paris) strictly after ``after``."""
    local = after.astimezone(PARIS)
    day = local.date() + timedelta(days=(7 - local.weekday()) % 7)
    slot = datetime(day.year, day.month, day.day, 8, 0, tzinfo=PARIS)
    return slot if slot > local else slot + timedelta(days=7)


def _seed(ws: Workspace, week_start: datetime) -> None:
    """4 lumio posts in the reported week, 2 the week before, 2 off-topic."""
    posts = [
        make_post(1, "Lumio est génial", lang="fr", published_at=week_start + timedelta(hours=10)),
        make_post(2, "lumio panne", lang="fr", published_at=week_start + timedelta(days=1)),
        make_post(3, "lumio encore", lang="fr", published_at=week_start + timedelta(days=2)),
        make_post(4, "Lumio lamp", lang="en", published_at=week_start + timedelta(days=5)),
        make_post(5, "lumio avant", lang="fr", published_at=week_start - timedelta(days=3)),
        make_post(6, "lumio avant bis", lang="fr", published_at=week_start - timedelta(days=2)),
        make_post(7, "vexa only", lang="en", published_at=week_start + timedelta(days=1)),
        # veille listened to the whole week before: its count is a measure.
        make_post(8, "vexa avant", lang="fr", published_at=week_start - timedelta(days=8)),
    ]
    ws.store.upsert_posts(posts)


def _parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_weekly_report_email_once_per_period_across_restarts(
    tmp_path: Path, smtp_server: Mailbox
) -> None:
    root = tmp_path / "ws"
    ws = make_workspace(root, _config(smtp_server.port))
    slot = _next_monday_8(datetime.now(UTC))
    week = parse_period("last-week", timezone=TZ, now=slot)
    _seed(ws, week.since)
    add_topic(ws.store, "lumio", "lumio")
    AlertBook(ws.store).add(
        Alert(name="lumio-week", kind="report", topic="lumio", channel_url="mailto:com@example.org",
              frequency="weekly", weekday=0, at_time="08:00", language="fr")
    )  # fmt: skip
    engine = engine_for(ws)
    # Before the first Monday 08:00 after the alert was added: nothing.
    found, report = dispatch_once(engine, now=slot.timestamp() - 60)
    assert found == 0 and report.batches == 0
    assert smtp_server.messages == []
    found, report = dispatch_once(engine, now=slot.timestamp() + 300)
    assert (found, report.sent) == (1, 1)
    assert len(smtp_server.messages) == 1
    # Again in the same round, later the same week, and after a restart: no repeat.
    dispatch_once(engine, now=slot.timestamp() + 600)
    engine.close()
    ws.close()
    ws = Workspace.open(root)
    engine = engine_for(ws)
    for later in (timedelta(minutes=20), timedelta(days=3)):
        assert dispatch_once(engine, now=(slot + later).timestamp())[1].sent == 0
    assert len(smtp_server.messages) == 1

    msg = _parse(smtp_server.messages[0])
    first, last = week.since.date(), (week.until - timedelta(days=1)).date()
    assert msg["To"] == "com@example.org"
    title = "veille\u202f: Rapport sur «\u202flumio\u202f»\u202f:"
    # The week as a French reader writes it (« 23–29 nov. 2026 »), not ISO dates.
    assert msg["Subject"] == f"{title} {format_period(week.since, week.until, 'fr', TZ)}"
    assert str(first) not in msg["Subject"]
    assert msg["Content-Language"] == "fr"
    token = unsubscribe_token(AlertBook(ws.store).get("lumio-week"))
    unsubscribe = f"https://veille.example/alerts/lumio-week/unsubscribe?token={token}"
    assert msg["List-Unsubscribe"] == f"<{unsubscribe}>"
    text_part, html_part = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text_part is not None and html_part is not None
    text, html = text_part.get_content(), html_part.get_content()
    # The plain part gives the findings and figures, in French.
    assert "Constats" in text and "La conversation sur lumio a augmenté" in text
    # Each figure as the report gives it: its change, then the previous period's value.
    assert "Publications\u202f: 4 (+100\u202f%\u202f; période précédente\u202f: 2)" in text
    assert "Le rapport complet est joint en PDF." in text
    # One word for an e-mail in French, as the match alerts' e-mails say it.
    assert "Ne plus recevoir ces courriels" in text and "e-mails" not in text
    # The HTML part is the French report itself, still without script.
    assert '<html lang="fr">' in html and "Rapport d’écoute" in unescape(html)
    assert "<script" not in html.lower()
    # A story (near-duplicates counted once) is « histoire », as the stream
    # says it, not « Messages » beside « Publications ».
    assert "Histoires les plus reprises" in html and ">Histoires<" in html
    assert ">Messages<" not in html
    assert f'href="{unsubscribe}"' in html
    # Its charts are PNG parts beside it (Gmail and Outlook show no inline SVG
    # data: image), each where the page shows it.
    assert "data:image" not in html and "img-src data: cid:" in html
    related = msg.get_body(("related",))
    assert related is not None
    charts = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert len(charts) >= 2  # volume and platforms
    for chart in charts:
        assert chart.get_content().startswith(b"\x89PNG")
        assert f'src="cid:{chart["Content-ID"].strip("<>")}" width=' in html
    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    pdf = attachments[0]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == f"rapport-veille-lumio-{first}--{last}.pdf"
    assert pdf.get_content().startswith(b"%PDF")

    # The next week's report goes out the next Monday.
    dispatch_once(engine, now=(slot + timedelta(days=7, minutes=1)).timestamp())
    assert len(smtp_server.messages) == 2
    nxt = _parse(smtp_server.messages[1])
    following = parse_period("last-week", timezone=TZ, now=slot + timedelta(days=7, minutes=1))
    assert format_period(following.since, following.until, "fr", TZ) in nxt["Subject"]
    engine.close()
    ws.close()


def test_daily_report_webhook_json_retried_with_the_same_delivery_id(
    tmp_path: Path, receiver: Receiver
) -> None:
    ws = make_workspace(tmp_path / "ws", _config())
    now = datetime.now(UTC).astimezone(PARIS)
    slot = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), PARIS)
    slot = slot.replace(hour=7)
    day = parse_period("last-1d", timezone=TZ, now=slot)  # the day before the 07:00 report
    assert day.until == slot.replace(hour=0)
    _seed(ws, day.since - timedelta(hours=8))  # posts 1 and 2 fall in that day
    alert = AlertBook(ws.store).add(
        Alert(name="daily", kind="report", query="lumio", channel_url=f"webhook+{receiver.url}",
              frequency="daily", at_time="07:00")
    )  # fmt: skip
    receiver.script = [500]
    engine = engine_for(ws)
    _, report = dispatch_once(engine, now=slot.timestamp() + 60)
    assert report.failed == 1 and report.sent == 0
    _, report = dispatch_once(engine, now=slot.timestamp() + 120)
    assert report.sent == 1
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["delivery"] == receiver.requests[1]["delivery"]
    got = receiver.accepted()[0]
    body, headers = got["json"], got["headers"]
    assert headers["X-Veille-Signature"] == signature(
        alert.secret, headers["X-Veille-Timestamp"], got["body"]
    )
    assert body["kind"] == "report" and body["posts"] == []
    event = body["event"]
    assert event["period"]["since"] == day.since.isoformat()
    assert event["headline"]["posts"]["value"] == 2
    assert event["details"]["en"] and event["summary"]["en"].startswith("Report on “lumio”")
    assert event["link"].startswith("https://veille.example/reports?query=lumio&period=")
    engine.close()
    ws.close()


def test_report_to_an_atom_feed_links_the_report(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", _config())
    slot = _next_monday_8(datetime.now(UTC))
    _seed(ws, parse_period("last-week", timezone=TZ, now=slot).since)
    AlertBook(ws.store).add(
        Alert(name="feed", kind="report", query="lumio", channel_url="atom:feeds/r.xml",
              frequency="weekly", language="en")
    )  # fmt: skip
    engine = engine_for(ws)
    assert dispatch_once(engine, now=slot.timestamp() + 60)[1].sent == 1
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = ET.parse(ws.root / "feeds" / "r.xml").getroot().find("a:entry", ns)
    assert entry is not None
    assert (entry.findtext("a:title", namespaces=ns) or "").startswith("Report on “lumio”")
    link = entry.find("a:link", ns)
    assert link is not None and "/reports?query=lumio" in link.get("href", "")
    assert "Posts: 4 (+100%; previous period: 2)" in (entry.findtext("a:content", "", ns))
    engine.close()
    ws.close()


def test_weekly_report_not_sent_again_after_a_retention_purge_shorter_than_a_week(
    tmp_path: Path, smtp_server: Mailbox
) -> None:
    """Under retention_days = 3 the hourly upkeep deleted the week's report
    from the outbox (a delivered event older than the period) four days
    after it went out, and the next check, finding no delivery for the week
    that had just ended, sent the same report again (every few days until
    the next Monday). The newest event of each alert stays: it says which
    period was reported."""
    from veille.services.retention import apply_retention

    root = tmp_path / "ws"
    ws = make_workspace(root, _config(smtp_server.port) + "\n[privacy]\nretention_days = 3\n")
    slot = _next_monday_8(datetime.now(UTC))
    week = parse_period("last-week", timezone=TZ, now=slot)
    _seed(ws, week.since)
    add_topic(ws.store, "lumio", "lumio")
    AlertBook(ws.store).add(
        Alert(name="lumio-week", kind="report", topic="lumio", channel_url="mailto:com@example.org",
              frequency="weekly", weekday=0, at_time="08:00", language="fr")
    )  # fmt: skip
    engine = engine_for(ws)
    assert dispatch_once(engine, now=slot.timestamp() + 300)[1].sent == 1
    for days in (4, 5, 6):
        later = slot + timedelta(days=days)
        apply_retention(ws, now=later)
        assert dispatch_once(engine, now=later.timestamp() + 60)[1].sent == 0
    assert len(smtp_server.messages) == 1
    # The next week's report goes out, and the one before it may then go.
    following = slot + timedelta(days=7)
    assert dispatch_once(engine, now=following.timestamp() + 300)[1].sent == 1
    apply_retention(ws, now=following + timedelta(days=1))
    assert len(smtp_server.messages) == 2
    alert = AlertBook(ws.store).get("lumio-week")
    assert alert.id is not None
    first = f"report:{week.since.isoformat()}..{week.until.isoformat()}"
    assert not ws.state.has_delivery(alert.id, first)
    engine.close()
    ws.close()


def test_cli_adds_a_report_alert_and_test_sends_it(tmp_path: Path, smtp_server: Mailbox) -> None:
    root = tmp_path / "ws"
    make_workspace(root, _config(smtp_server.port)).close()
    runner = CliRunner()
    app = build_app()
    ws_opt = ["--workspace", str(root)]
    res = runner.invoke(app, ["topic", "add", "lumio", "lumio", *ws_opt])
    assert res.exit_code == 0, res.output
    bad = runner.invoke(app, ["alert", "add", "lumio", "--report", "--every", "instant",
                              "--to", "mailto:a@example.org", *ws_opt])  # fmt: skip
    assert bad.exit_code == 2 and "needs a schedule" in bad.output
    bad = runner.invoke(app, ["alert", "add", "lumio", "--report", "--period", "2026-01..x",
                              "--to", "mailto:a@example.org", *ws_opt])  # fmt: skip
    assert bad.exit_code == 2 and "--period" in bad.output
    add = ["alert", "add", "lumio", "--report", "--day", "mon", "--at", "08:00",
           "--to", "mailto:a@example.org", "--language", "en"]  # fmt: skip
    res = runner.invoke(app, [*add, *ws_opt])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["alert", "list", "--format", "json", *ws_opt])
    assert '"lumio-report"' in res.output and "weekly mon 08:00" in res.output
    res = runner.invoke(app, ["alert", "test", "lumio-report", *ws_opt])
    assert res.exit_code == 0, res.output
    assert len(smtp_server.messages) == 1
    msg = _parse(smtp_server.messages[0])
    assert msg["Subject"].startswith("veille: Report on “lumio”: ")
    assert msg["Content-Language"] == "en"
    pdf = next(msg.iter_attachments())
    assert pdf.get_content().startswith(b"%PDF")


def test_report_through_apprise_gives_the_findings_as_text(
    tmp_path: Path, receiver: Receiver
) -> None:
    ws = make_workspace(tmp_path / "ws", _config())
    slot = _next_monday_8(datetime.now(UTC))
    _seed(ws, parse_period("last-week", timezone=TZ, now=slot).since)
    target = receiver.url.replace("http://", "json://")
    AlertBook(ws.store).add(
        Alert(name="chat", kind="report", query="lumio", channel_url=target, frequency="weekly",
              language="fr")
    )  # fmt: skip
    engine = engine_for(ws)
    assert dispatch_once(engine, now=slot.timestamp() + 60)[1].sent == 1
    body = receiver.accepted()[0]["json"]
    assert body["title"].startswith("Rapport sur «\u202flumio\u202f»\u202f:")
    assert "- La conversation sur lumio a augmenté de 100" in body["message"]
    assert "https://veille.example/reports?query=lumio" in body["message"]
    engine.close()
    ws.close()


def test_report_email_figures_read_as_the_report_gives_them(tmp_path: Path) -> None:
    """The plain-text e-mail gives each figure with its change and the previous
    period's value; net sentiment beside the previous period's (not a bare
    delta that reads as it); a quiet period says 0 against 0, never "new"."""
    from veille.alerts.channels.base import Delivery
    from veille.alerts.reports import report_event, report_mail
    from veille.models import Sentiment

    ws = make_workspace(tmp_path / "ws", _config())
    week = parse_period("2026-03-23..2026-03-29", timezone=TZ)
    mood = {
        "positive": Sentiment("positive", 0.9, 0.9),
        "negative": Sentiment("negative", 0.9, 0.9),
    }
    ws.store.upsert_posts([
        make_post(1, "lumio bien", published_at=week.since + timedelta(hours=9),
                  sentiment=mood["positive"]),
        make_post(2, "lumio super", published_at=week.since + timedelta(days=1),
                  sentiment=mood["positive"]),
        make_post(3, "lumio nul", published_at=week.since - timedelta(days=2),
                  sentiment=mood["negative"]),
        # veille listened to the whole week before: its count is a measure.
        make_post(4, "vexa avant", published_at=week.since - timedelta(days=8)),
    ])  # fmt: skip
    engine = engine_for(ws)

    def mail(period: str, lang: str) -> str:
        alert = Alert(name="lumio-week", kind="report", query="lumio", language=lang,
                      channel_url="mailto:com@example.org", frequency="weekly", id=1)  # fmt: skip
        event = report_event(engine, alert, parse_period(period, timezone=TZ))
        delivery = Delivery("d1", alert, [], datetime.now(UTC), "report", event)
        return report_mail(delivery, engine.ctx, "https://veille.example/unsubscribe")[1]

    text = mail("2026-03-23..2026-03-29", "en")
    assert "  - Posts: 2 (+100%; previous period: 1)" in text
    assert "  - Net sentiment: +1.00 (previous period: \u22121.00)" in text
    fr = mail("2026-03-23..2026-03-29", "fr")
    assert "  - Publications\u202f: 2 (+100\u202f%\u202f; période précédente\u202f: 1)" in fr
    assert "  - Sentiment net\u202f: +1,00 (période précédente\u202f: \u22121,00)" in fr
    quiet = mail("2026-04-13..2026-04-19", "en")  # after the posts: listened to, and quiet
    assert "  - Posts: 0 (previous period: 0)" in quiet
    assert "  - Net sentiment: – (previous period: –)" in quiet
    assert "new" not in quiet.split("Headline figures")[1].split("Open the report")[0]
    assert "No post about lumio this period, nor the period before." in quiet
    engine.close()
    ws.close()


def test_report_email_gives_no_change_against_a_week_partly_held(tmp_path: Path) -> None:
    """veille's posts begin two days before the week reported: 2 posts
    against 1 read "+100%" where veille held 2 of the 7 days before. The
    figure gives no change now, and the event says how much it holds."""
    from veille.alerts.channels.base import Delivery
    from veille.alerts.reports import DOCUMENT, report_event, report_mail

    ws = make_workspace(tmp_path / "ws", _config())
    week = parse_period("2026-03-23..2026-03-29", timezone=TZ)
    ws.store.upsert_posts([
        make_post(1, "lumio bien", published_at=week.since + timedelta(hours=9)),
        make_post(2, "lumio super", published_at=week.since + timedelta(days=1)),
        make_post(3, "lumio nul", published_at=week.since - timedelta(days=2)),
    ])  # fmt: skip
    engine = engine_for(ws)

    def mail(lang: str) -> tuple[dict[str, Any], str]:
        alert = Alert(name="lumio-week", kind="report", query="lumio", language=lang,
                      channel_url="mailto:com@example.org", frequency="weekly", id=1)  # fmt: skip
        event = report_event(engine, alert, week)
        delivery = Delivery("d1", alert, [], datetime.now(UTC), "report", event)
        return event, report_mail(delivery, engine.ctx, "https://veille.example/unsubscribe")[1]

    event, text = mail("en")
    assert "  - Posts: 2 (–; previous period: 1)" in text
    assert "+100" not in text
    posts = event["headline"]["posts"]
    assert (posts["change"], posts["previous_held_days"], posts["previous_days"]) == (None, 2, 7)
    _event, fr = mail("fr")
    assert "  - Publications\u202f: 2 (–\u202f; période précédente\u202f: 1)" in fr
    assert "+100" not in fr
    # The page it carries says why.
    assert "veille holds only 2 of the 7 days of the period before" in unescape(
        event[DOCUMENT]["html"]
    )
    engine.close()
    ws.close()


def test_report_email_says_unknown_engagement_is_unknown(tmp_path: Path) -> None:
    """A blog read through its feed gives no counts (stored as 0): the e-mail
    said "Engagement: 0" of it. Unknown now reads "–", and a sum over a mix
    says which posts it covers."""
    from veille.alerts.channels.base import Delivery
    from veille.alerts.reports import report_event, report_mail
    from veille.models import Author, Engagement

    ws = make_workspace(tmp_path / "ws", _config())
    week = parse_period("2026-03-23..2026-03-29", timezone=TZ)
    blog = [
        make_post(i, "lumio sur le blog", platform="rss", author=Author(handle="blog"),
                  published_at=week.since + timedelta(hours=i),
                  engagement=Engagement(given=False))  # a feed gives no counts
        for i in (1, 2, 3)
    ]  # fmt: skip
    ws.store.upsert_posts(blog)
    engine = engine_for(ws)

    def mail(lang: str) -> tuple[dict[str, object], str]:
        alert = Alert(name="lumio-week", kind="report", query="lumio", language=lang,
                      channel_url="mailto:com@example.org", frequency="weekly", id=1)  # fmt: skip
        event = report_event(engine, alert, week)
        delivery = Delivery("d1", alert, [], datetime.now(UTC), "report", event)
        return event, report_mail(delivery, engine.ctx, "https://veille.example/unsubscribe")[1]

    event, text = mail("en")
    assert "  - Engagement: – (previous period: –)" in text
    assert "  - Reach: – (previous period: –)" in text
    assert event["headline"]["engagement"]["value"] is None  # type: ignore[index]
    ws.store.upsert_posts([
        make_post(4, "lumio panne", published_at=week.since + timedelta(days=1),
                  engagement=Engagement(likes=5, shares=1), followers=200),
    ])  # fmt: skip
    event, text = mail("en")
    # Its posts begin in the week: veille holds none of the week before.
    assert event["headline"]["engagement"] == {  # type: ignore[index]
        "value": 6, "previous": None, "change": None, "previous_held_days": 0,
        "previous_days": 7, "covered": 1, "posts": 4
    }  # fmt: skip
    assert (
        "  - Engagement: 6 (previous period: –), on 1 of 4 posts (those that gave interaction "
        "counts)" in text
    )
    _event, fr = mail("fr")
    assert (
        "  - Interactions\u202f: 6 (période précédente\u202f: –), sur 1 des 4 publications "
        "(celles qui ont donné leur nombre d’interactions)" in fr
    )
    engine.close()
    ws.close()


def test_an_hourly_report_in_a_half_hour_zone_covers_the_local_hour_that_just_ended(
    tmp_path: Path, receiver: Receiver
) -> None:
    """In Delhi (UTC+05:30) the report sent at 06:00 covered 04:30-05:30
    (the UTC hour before): it said so, left out the half hour just ended
    and counted a post of 04:40."""
    delhi = ZoneInfo("Asia/Kolkata")
    ws = make_workspace(tmp_path / "ws", '[workspace]\ntimezone = "Asia/Kolkata"\n')
    now = datetime.now(UTC).astimezone(delhi)
    slot = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    ws.store.upsert_posts(
        [
            make_post(1, "lumio just now", published_at=slot - timedelta(minutes=20)),
            make_post(2, "lumio before", published_at=slot - timedelta(minutes=80)),
        ]
    )
    AlertBook(ws.store).add(
        Alert(name="hourly", kind="report", query="lumio", channel_url=f"webhook+{receiver.url}",
              frequency="hourly")
    )  # fmt: skip
    engine = engine_for(ws)
    _, report = dispatch_once(engine, now=slot.timestamp() + 60)
    assert report.sent == 1
    event = receiver.accepted()[0]["json"]["event"]
    since = datetime.fromisoformat(event["period"]["since"])
    until = datetime.fromisoformat(event["period"]["until"])
    assert (since, until) == (slot - timedelta(hours=1), slot)
    assert event["period"]["since"].endswith("+05:30")
    assert event["headline"]["posts"]["value"] == 1
    engine.close()
    ws.close()


def _nights_the_clocks_change() -> list[datetime]:
    """02:30 (as ``datetime`` reads it) on the next night Paris goes back and
    the next it goes forward, after today: a report is sent only at times
    after its alert was made, and an alert is made at the machine's time."""
    from veille.timefmt import clock_change

    found: dict[bool, datetime] = {}
    day = datetime.now(UTC).date() + timedelta(days=1)
    while len(found) < 2:
        at = datetime.combine(day, datetime.min.time(), PARIS).replace(hour=2, minute=30)
        if clock_change(at) is not None:
            found.setdefault(at.replace(fold=1).utcoffset() == timedelta(hours=1), at)
        day += timedelta(days=1)
    return sorted(found.values())


def test_a_daily_report_at_0230_goes_once_on_each_night_the_clocks_change(
    tmp_path: Path, receiver: Receiver
) -> None:
    """02:30 comes twice in Paris the night the clocks go back and never the
    night they go forward: the daemon, waking every quarter of an hour
    through each night, sends the report once, at the first 02:30 and at
    03:30 summer time."""
    ws = make_workspace(tmp_path / "ws", _config())
    AlertBook(ws.store).add(
        Alert(name="nightly", kind="report", query="lumio", channel_url=f"webhook+{receiver.url}",
              frequency="daily", at_time="02:30")
    )  # fmt: skip
    engine = engine_for(ws)
    for at in _nights_the_clocks_change():
        expected = at.astimezone(UTC)  # the first 02:30, or 03:30 summer time
        assert expected.astimezone(PARIS).strftime("%H:%M") in ("02:30", "03:30")
        sent_at = []
        start = datetime.combine(at.date(), datetime.min.time(), UTC) - timedelta(hours=2)
        dispatch_once(engine, now=start.timestamp())  # the day before's, not sent until now
        for quarter in range(1, 6 * 4):
            now = start + timedelta(minutes=15 * quarter)
            before = len(receiver.accepted())
            dispatch_once(engine, now=now.timestamp())
            sent_at += [now] * (len(receiver.accepted()) - before)
        assert sent_at == [expected], (at, sent_at)
    engine.close()
    ws.close()
