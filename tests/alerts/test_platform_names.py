"""An alert's messages name each post's platform as people write it, as the
pages, reports and findings do: "Hacker News", "X", "YouTube", not the codes
a program reads (``hackernews``, ``x``, ``youtube``), which the webhook's JSON
keeps. The e-mail is read as received, through a real SMTP server
(aiosmtpd) on loopback."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default

import pytest

from tests.alerts.conftest import make_post, make_workspace
from veille.alerts.channels import ChannelContext, Delivery, DeliveryItem, channel_for
from veille.alerts.channels.chat import markdown
from veille.alerts.model import Alert

PLATFORMS = {"hackernews": "Hacker News", "x": "X", "youtube": "YouTube", "linkedin": "LinkedIn"}


def _delivery(lang: str, channel: str) -> Delivery:
    alert = Alert(name="lumio", query="lumio", channel_url=channel, language=lang)
    posts = [make_post(i, f"Lumio {i}", platform=code) for i, code in enumerate(PLATFORMS)]
    return Delivery("lumio:1", alert, [DeliveryItem(p) for p in posts], datetime.now(UTC))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_digest_names_each_platform(tmp_path, smtp_server, lang: str) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(tmp_path / "ws", f"[smtp]\nport = {smtp_server.port}\n")
    channel_for("mailto:team@example.org", ChannelContext(ws.settings, ws.root)).send(
        _delivery(lang, "mailto:team@example.org")
    )
    ws.close()
    msg = email.message_from_bytes(smtp_server.messages[-1], policy=default)
    assert isinstance(msg, EmailMessage)
    for kind in ("plain", "html"):
        part = msg.get_body((kind,))
        assert part is not None
        body = part.get_content()
        for i, name in enumerate(PLATFORMS.values()):
            # "Hacker News · @user0 · …" under the post's text
            assert f"{name} · @user{i} ·" in body, body


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_chat_message_names_each_platform(workspace, lang: str) -> None:  # type: ignore[no-untyped-def]
    _title, chat = markdown(_delivery(lang, "json://example.org"), ChannelContext(
        workspace.settings, workspace.root))  # fmt: skip
    for i, name in enumerate(PLATFORMS.values()):
        assert f"**@\u200buser{i}** ({name}):" in chat, chat
