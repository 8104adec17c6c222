"""An alert's messages about a post without an author (an empty handle, see
``veille.models.Author``) say "author unknown" / "auteur inconnu" where they
said a bare "@": the digest e-mail (text and HTML), chat messages and the Atom
feed, whose entry then names no empty person (RFC 4287: a person construct's
name is human-readable text). A spike's or a sentiment shift's "Authors" list
leaves such posts out, as every per-author figure does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from tests.alerts.conftest import make_post
from veille.alerts.channels import ChannelContext, Delivery, DeliveryItem, channel_for
from veille.alerts.channels.chat import markdown
from veille.alerts.channels.email import render
from veille.alerts.model import Alert, AlertBook
from veille.alerts.monitors import check_monitors
from veille.alerts.outbox import AlertEngine
from veille.models import Author
from veille.pipeline import build_pipeline

UNKNOWN = {"en": "author unknown", "fr": "auteur inconnu"}


def _delivery(lang: str, channel: str = "mailto:a@example.org") -> Delivery:
    alert = Alert(name="nobody", query="lumio", channel_url=channel, language=lang)
    posts = [make_post(1, "Lumio panne", author=Author(handle="")), make_post(2, "Lumio ok")]
    return Delivery("d1", alert, [DeliveryItem(p) for p in posts], datetime.now(UTC))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_digest_and_chat_say_the_author_is_unknown(workspace, lang: str) -> None:  # type: ignore[no-untyped-def]
    ctx = ChannelContext(workspace.settings, workspace.root)
    _subject, text, html = render(_delivery(lang), ctx)
    _title, chat = markdown(_delivery(lang, "json://example.org"), ctx)
    for body in (text, html, chat):
        assert f"Mastodon · {UNKNOWN[lang]} ·" in body or f"**{UNKNOWN[lang]}**" in body, body
        # (a chat breaks a mention with a zero-width space: a handle is no ping)
        assert "@user2" in body.replace("@\u200b", "@")
        assert "@ " not in body and "@*" not in body and "@<" not in body


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_atom_entry_names_no_empty_author(workspace, lang: str) -> None:  # type: ignore[no-untyped-def]
    ctx = ChannelContext(workspace.settings, workspace.root)
    channel_for("atom:feeds/n.xml", ctx).send(_delivery(lang, "atom:feeds/n.xml"))
    feed = feedparser.parse(str(workspace.root / "feeds" / "n.xml"))
    assert not feed.bozo
    authors = {e.link: e.get("author") for e in feed.entries}
    assert authors == {"https://example.org/p/1": UNKNOWN[lang], "https://example.org/p/2": "user2"}


def test_spike_authors_leave_out_posts_without_an_author(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(name="spike", kind="spike", query="lumio", channel_url=f"webhook+{receiver.url}",
              params={"threshold": 3.0, "weeks": 4})
    )  # fmt: skip
    now = datetime(2026, 11, 2, 15, 5, tzinfo=UTC)
    posts = [
        make_post(100 + w, "Lumio as usual", published_at=now - timedelta(weeks=w, minutes=30))
        for w in range(1, 5)
    ]
    posts += [
        make_post(i, "Lumio battery fire", author=Author(handle="" if i % 3 else "witness"),
                  published_at=now - timedelta(minutes=50 - i))
        for i in range(12)
    ]  # fmt: skip
    build_pipeline(workspace, skip=("alerts", "enrich")).ingest(posts)
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    assert check_monitors(engine, now=now.timestamp()) == 1
    engine.dispatch(now=now.timestamp() + 61)
    event = receiver.requests[0]["json"]["event"]
    assert event["authors"] == [["witness", 4]]
    assert "Authors: witness (4)" in event["details"]["en"]
    assert "Auteurs\u202f: witness (4)" in event["details"]["fr"]
