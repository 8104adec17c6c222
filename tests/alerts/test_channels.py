"""Atom feeds and apprise channels, with real files and a loopback receiver."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser

from tests.alerts.conftest import make_post
from veille.alerts.channels import ChannelContext, Delivery, DeliveryItem, channel_for
from veille.alerts.model import Alert, AlertBook
from veille.errors import UsageError
from veille.pipeline import build_pipeline


def test_atom_feed_accumulates_newest_first(workspace) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(name="feed", query="lumio", channel_url="atom:feeds/lumio.xml")
    )
    build_pipeline(workspace).ingest([make_post(1, "Lumio <b>bold</b> first")])
    build_pipeline(workspace).ingest([make_post(2, "Lumio second")])
    feed = feedparser.parse(str(workspace.root / "feeds" / "lumio.xml"))
    assert not feed.bozo
    assert [e.link for e in feed.entries] == ["https://example.org/p/2", "https://example.org/p/1"]
    assert feed.entries[1].summary == "Lumio <b>bold</b> first"  # text, never rendered markup


def test_apprise_json_url_reaches_a_loopback_service(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    url = receiver.url.replace("http://", "json://")
    AlertBook(workspace.store).add(Alert(name="chat", query="vexa", channel_url=url, language="fr"))
    build_pipeline(workspace).ingest([make_post(1, "Vexa est en panne")])
    body = receiver.requests[0]["json"]
    assert "1 nouveau(x) résultat(s)" in body["title"]
    assert "**Vexa**" not in body["message"] and "*Vexa*" in body["message"]
    assert "https://example.org/p/1" in body["message"]


def test_unknown_channel_urls_are_refused_with_a_hint(workspace) -> None:  # type: ignore[no-untyped-def]
    ctx = ChannelContext(workspace.settings, workspace.root)
    for bad in ("nonsense", "mailto:", "zzz://nowhere"):
        try:
            channel_for(bad, ctx)
        except UsageError as exc:
            assert exc.hint or "mailto" in exc.message
        else:
            raise AssertionError(f"{bad} was accepted")


def test_webhook_refuses_private_addresses_unless_allowed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from veille.alerts.channels.base import ChannelError
    from veille.workspace import Workspace, init_workspace

    init_workspace(tmp_path / "w")
    ws = Workspace.open(tmp_path / "w")  # default settings: private networks refused
    alert = Alert(name="x", query="x", channel_url="webhook+http://127.0.0.1:9/h", secret="s")
    delivery = Delivery("d1", alert, [DeliveryItem(make_post(1, "x"))], datetime.now(UTC))
    try:
        channel_for(alert.channel_url, ChannelContext(ws.settings, ws.root)).send(delivery)
    except ChannelError as exc:
        assert "loopback" in exc.message
    else:
        raise AssertionError("a loopback webhook was sent with private networks refused")
    ws.close()
