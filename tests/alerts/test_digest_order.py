"""A digest lists its posts newest first, as the mention stream and the Atom
feed do: posts found in two collections (a Bluesky post older than the
Mastodon ones collected before it) were listed in the order they were
found, so a daily e-mail read 3:30 PM, 4:30 PM, then 12:30 PM. A chat
message, which shows 10, showed the first 10 found where the e-mail keeps
the newest: it keeps the newest 10 too. Read as received: the e-mail
through a real SMTP server (aiosmtpd), the chat message through apprise's
json:// to a loopback receiver."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default

from tests.alerts.conftest import make_post, make_workspace
from veille.alerts.model import Alert, AlertBook
from veille.alerts.outbox import AlertEngine
from veille.pipeline import build_pipeline


def _ingest_out_of_order(ws, now: datetime, n: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Posts 1.. n-1 on Mastodon, the newest last, then an older post ``n`` on
    Bluesky, collected later."""
    build_pipeline(ws).ingest(
        [make_post(i, f"Lumio {i}", published_at=now - timedelta(hours=n - i)) for i in range(1, n)]
    )
    build_pipeline(ws).ingest(
        [make_post(n, f"Lumio {n}", platform="bluesky", published_at=now - timedelta(hours=n + 5))]
    )


def test_the_digest_lists_the_newest_first(tmp_path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(
        tmp_path / "ws",
        f'[smtp]\nport = {smtp_server.port}\n\n[workspace]\ntimezone = "America/Montreal"\n',
    )
    AlertBook(ws.store).add(Alert(name="lumio", query="lumio", channel_url="mailto:a@example.org",
                                  frequency="daily", at_time="08:00"))  # fmt: skip
    now = datetime.now(UTC)
    _ingest_out_of_order(ws, now)
    AlertEngine(ws.store, ws.settings, ws.root).dispatch(
        now=(now + timedelta(days=1, hours=1)).timestamp()
    )
    ws.close()
    (raw,) = smtp_server.messages
    msg = email.message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    for kind in ("plain", "html"):
        part = msg.get_body((kind,))
        assert part is not None
        body = part.get_content()
        where = [body.index(f"https://example.org/p/{i}") for i in (2, 1, 3)]
        assert where == sorted(where), body


def test_a_chat_message_keeps_the_newest_first(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    chat = receiver.url.replace("http://", "json://")
    AlertBook(workspace.store).add(
        Alert(name="lumio", query="lumio", frequency="hourly", channel_url=chat)
    )
    now = datetime.now(UTC)
    _ingest_out_of_order(workspace, now, n=12)  # 12 posts in one message of 10
    AlertEngine(workspace.store, workspace.settings, workspace.root).dispatch(
        now=(now + timedelta(hours=1)).timestamp()
    )
    (request,) = receiver.requests
    said = request["json"]["message"]
    shown = [f"p/{i})" for i in range(11, 1, -1)]  # the newest 10, newest first
    where = [said.index(p) for p in shown]
    assert where == sorted(where), said
    assert "p/1)" not in said and "p/12)" not in said, said
