"""A scheduled e-mailed report reads the posts once: its figures, queued in
the outbox, and the page e-mailed with them come from the same read, and a
retry sends the report that was queued (a real SMTP server, aiosmtpd)."""

from __future__ import annotations

import email
import socket
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.conftest import make_post, make_workspace
from tests.alerts.test_reports import TZ, _config, _next_monday_8, _seed
from veille.alerts.model import Alert, AlertBook
from veille.alerts.outbox import AlertEngine
from veille.alerts.stage import dispatch_once
from veille.analytics.scope import parse_period
from veille.query.topics import add_topic
from veille.store.protocols.analytics import AnalyticsPosts
from veille.store.split import JoinedStores, _declared

# The reads of posts (filing a topic's backlog, done once, is a write).
AGGREGATIONS = _declared(AnalyticsPosts) - {"file_topic_backlog"}


class CountingStore(JoinedStores):
    """The workspace's own store, counting the aggregations read through it."""

    def __init__(self, posts: Any, state: Any) -> None:
        super().__init__(posts, state)
        self.reads: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        found = super().__getattr__(name)
        if name not in AGGREGATIONS or not callable(found):
            return found

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.reads[name] += 1
            return found(*args, **kwargs)

        return counted

    def transaction(self) -> Any:  # one SQLite file keeps posts and state
        return self.state.transaction()


class FlakyMailbox:
    """aiosmtpd on loopback that answers 451 (try later) to the first ``refuse`` messages."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.messages: list[bytes] = []
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[FlakyMailbox]:
    from aiosmtpd.controller import Controller

    box = FlakyMailbox()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def _parts(raw: bytes) -> tuple[str, str]:
    msg = email.message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), unescape(html.get_content())


def _setup(tmp_path: Path, port: int) -> tuple[Any, CountingStore, AlertEngine, datetime]:
    ws = make_workspace(tmp_path / "ws", _config(port))
    slot = _next_monday_8(datetime.now(UTC))
    week = parse_period("last-week", timezone=TZ, now=slot)
    _seed(ws, week.since)  # 4 lumio posts in the week, 2 the week before
    add_topic(ws.store, "lumio", "lumio")
    AlertBook(ws.store).add(
        Alert(name="lumio-week", kind="report", topic="lumio", channel_url="mailto:com@example.org",
              frequency="weekly", weekday=0, at_time="08:00", language="en")
    )  # fmt: skip
    store = CountingStore(ws.posts, ws.state)
    return ws, store, AlertEngine(store, ws.settings, ws.root), slot


def test_an_emailed_report_reads_the_posts_once(tmp_path: Path, mailbox: FlakyMailbox) -> None:
    from veille.analytics.report import workspace_report_data

    ws, store, engine, slot = _setup(tmp_path, mailbox.port)
    # What one report's figures read, for comparison.
    week = parse_period("last-week", timezone=TZ, now=slot)
    one = CountingStore(ws.posts, ws.state)

    class View:
        settings, store = ws.settings, one

    workspace_report_data(View(), period=week, topic="lumio")
    assert one.reads["headline_figures"] == 1

    found, report = dispatch_once(engine, now=slot.timestamp() + 300)
    assert (found, report.sent) == (1, 1)
    # Queued and sent: the figures were read once, not again to draw the page.
    assert store.reads == one.reads
    text, html = _parts(mailbox.messages[0])
    assert "Posts: 4 (+100%; previous period: 2)" in text
    assert "Report on “lumio”" in text
    assert ">Posts<" in html and ">4<" in html.replace(" ", "")
    engine.close()
    ws.close()


def test_a_retried_report_sends_what_was_queued(tmp_path: Path, mailbox: FlakyMailbox) -> None:
    ws, store, engine, slot = _setup(tmp_path, mailbox.port)
    mailbox.refuse = 1
    found, report = dispatch_once(engine, now=slot.timestamp() + 300)
    assert found == 1 and report.sent == 0 and mailbox.messages == []
    # Two more posts of the week arrive (collected late) before the retry.
    week = parse_period("last-week", timezone=TZ, now=slot)
    ws.store.upsert_posts(
        [make_post(n, f"lumio late {n}", published_at=week.since + timedelta(days=3))
         for n in (8, 9)]
    )  # fmt: skip
    reads = store.reads.copy()
    found, report = dispatch_once(engine, now=slot.timestamp() + 360)
    assert report.sent == 1
    assert store.reads == reads  # the retry read no figure
    text, html = _parts(mailbox.messages[0])
    # The text and the page say the same: the report that was queued.
    assert "Posts: 4 (+100%; previous period: 2)" in text
    assert "lumio late" not in html
    engine.close()
    ws.close()


def test_an_erased_author_is_not_in_a_queued_report(tmp_path: Path, mailbox: FlakyMailbox) -> None:
    from veille.services.privacy import erase_author

    ws, _store, engine, slot = _setup(tmp_path, mailbox.port)
    mailbox.refuse = 1
    dispatch_once(engine, now=slot.timestamp() + 300)
    assert mailbox.messages == []
    # user1 wrote "Lumio est génial" in the week, which the queued page shows.
    erase_author(ws, "user1")
    dispatch_once(engine, now=slot.timestamp() + 360)
    text, html = _parts(mailbox.messages[0])
    assert "Lumio est génial" not in html and "user1" not in html
    assert "user1" not in text
    engine.close()
    ws.close()


def _kept_pages(ws: Any) -> list[str]:
    """The pages kept in the outbox rows of reports (what a backup of the
    workspace carries)."""
    import json
    import sqlite3

    with sqlite3.connect(ws.root / "veille.db") as conn:
        rows = conn.execute("SELECT payload FROM deliveries WHERE payload IS NOT NULL").fetchall()
    return [json.loads(p)["document"]["html"] for (p,) in rows if "document" in json.loads(p)]


def test_a_purged_post_is_not_in_a_queued_report(tmp_path: Path, mailbox: FlakyMailbox) -> None:
    ws, _store, engine, slot = _setup(tmp_path, mailbox.port)
    mailbox.refuse = 1
    dispatch_once(engine, now=slot.timestamp() + 300)
    assert mailbox.messages == [] and any("Lumio est génial" in p for p in _kept_pages(ws))
    # The retention purge removes the week's first post before the retry.
    week = parse_period("last-week", timezone=TZ, now=slot)
    report = ws.store.purge_posts_before(week.since + timedelta(days=1))
    # "Lumio est génial", the two of the week before and the off-topic one before them
    assert report.posts == 4
    assert not any("Lumio est génial" in p for p in _kept_pages(ws))
    dispatch_once(engine, now=slot.timestamp() + 360)
    _text, html = _parts(mailbox.messages[0])
    assert "Lumio est génial" not in html and "lumio panne" in html
    engine.close()
    ws.close()


def test_a_sent_reports_page_does_not_outlive_its_posts(
    tmp_path: Path, mailbox: FlakyMailbox
) -> None:
    ws, _store, engine, slot = _setup(tmp_path, mailbox.port)
    dispatch_once(engine, now=slot.timestamp() + 300)
    assert len(mailbox.messages) == 1
    # The alert's newest row stays (the scheduler's memory of what it sent);
    # once retention has purged the posts of its week, their texts go too.
    week = parse_period("last-week", timezone=TZ, now=slot)
    ws.store.purge_posts_before(week.until)
    assert not any("Lumio" in p or "lumio panne" in p for p in _kept_pages(ws))
    engine.close()
    ws.close()
