"""The links that work without logging in: one-click unsubscribe (each
alert's own derived token) and the Atom feed at a secret, revocable address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.alerts.conftest import make_post, make_workspace
from veille.alerts.model import Alert, AlertBook, unsubscribe_token
from veille.errors import NotFound
from veille.pipeline import build_pipeline
from veille.services import alerts as service


def _two_alerts(root: Path):  # type: ignore[no-untyped-def]
    ws = make_workspace(root)
    book = AlertBook(ws.store)
    book.add(Alert(name="a", query="lumio", channel_url="atom:feeds/a.xml"))
    book.add(Alert(name="b", query="vexa", channel_url="atom:feeds/b.xml"))
    return ws


def test_unsubscribe_token_is_per_alert_and_only_pauses_that_alert(tmp_path: Path) -> None:
    ws = _two_alerts(tmp_path / "ws")
    a, b = service.get_alert(ws, "a"), service.get_alert(ws, "b")
    ta, tb = unsubscribe_token(a), unsubscribe_token(b)
    assert ta and tb and ta != tb and len(ta) == 32
    # One character changed (the secret is random: its last one may be "0").
    altered = ta[:-1] + ("1" if ta.endswith("0") else "0")
    for name, token in (("a", tb), ("a", ""), ("a", altered), ("missing", ta)):
        with pytest.raises(service.InvalidToken):
            service.unsubscribe(ws, name, token)
    assert not service.get_alert(ws, "a").paused
    done = service.unsubscribe(ws, "a", ta)
    assert done.paused and "unsubscribed_at" in done.params
    assert service.get_alert(ws, "a").paused and not service.get_alert(ws, "b").paused
    # An alert without a secret has no token: nothing can unsubscribe it by link.
    assert unsubscribe_token(Alert(name="c", channel_url="atom:c.xml", query="x")) == ""
    ws.close()


def test_feed_token_serves_the_alerts_deliveries_until_revoked(tmp_path: Path) -> None:
    ws = _two_alerts(tmp_path / "ws")
    build_pipeline(ws).ingest(
        [make_post(1, "lumio one"), make_post(2, "lumio <b>two</b>"), make_post(3, "vexa")]
    )
    assert service.feed_token(ws, "a") is None
    token = service.new_feed_token(ws, "a")
    assert service.feed_token(ws, "a") == token
    feed = ET.fromstring(service.feed_for_token(ws, token))
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 2
    texts = [e.findtext("{http://www.w3.org/2005/Atom}content") for e in entries]
    assert "lumio <b>two</b>" in texts  # plain text content: a reader shows it, never runs it
    newer = service.new_feed_token(ws, "a")
    with pytest.raises(NotFound):
        service.feed_for_token(ws, token)
    service.revoke_feed_token(ws, "a")
    for old in (token, newer, ""):
        with pytest.raises(NotFound):
            service.feed_for_token(ws, old)
    # Removing an alert removes its address.
    again = service.new_feed_token(ws, "b")
    service.remove_alert(ws, "b")
    with pytest.raises(NotFound):
        service.feed_for_token(ws, again)
    ws.close()


def test_the_feed_shows_the_newest_posts_whatever_order_they_were_delivered_in(
    tmp_path: Path,
) -> None:
    """The demo's backlog: this week's posts are collected first, then older
    ones day by day, so the latest deliveries hold the oldest posts. The feed
    still shows the newest posts, newest first."""
    ws = make_workspace(tmp_path / "ws")
    AlertBook(ws.store).add(Alert(name="a", query="lumio", channel_url="atom:feeds/a.xml"))
    now = datetime.now(UTC).replace(microsecond=0)
    pipeline = build_pipeline(ws, skip=("enrich",))
    pipeline.ingest([make_post(n, f"lumio news number {n}", published_at=now - timedelta(hours=n))
                     for n in range(30)])  # fmt: skip
    for day in range(60, 0, -1):  # two months back, newest day first, one batch each
        n = 1000 + day
        pipeline.ingest([make_post(n, f"lumio archive {n}",
                                   published_at=now - timedelta(days=day + 7))])  # fmt: skip
    feed = ET.fromstring(service.feed_for_token(ws, service.new_feed_token(ws, "a")))
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == service.FEED_ENTRIES
    updated = [datetime.fromisoformat(e.findtext(f"{atom}updated") or "") for e in entries]
    assert updated == sorted(updated, reverse=True)  # newest first
    assert updated[0] == now
    ids = [e.findtext(f"{atom}id") or "" for e in entries]
    assert all(any(i.endswith(f":mastodon:{n}") for i in ids) for n in range(30))
    ws.close()
