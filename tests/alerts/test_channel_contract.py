"""The channel contract, run over every registered channel (built-ins and
plugins of the ``veille.channels`` entry-point group) against real endpoints
on loopback: an SMTP server (aiosmtpd), an HTTP receiver, a file.

Each channel must: deliver a delivery's posts (their text and link), deliver
a monitor's event (its summary), and turn a failing endpoint into a
``ChannelError`` (which the outbox retries, then dead-letters), never another
exception. Channels whose medium has headers carry the delivery id, the same
on every retry, so receivers can drop repeats.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.conftest import Mailbox, Receiver, make_post, make_workspace
from veille.alerts.channels.base import (
    ChannelContext,
    ChannelError,
    Delivery,
    DeliveryItem,
    channel_for,
    channel_registry,
)
from veille.alerts.model import Alert
from veille.alerts.monitors import sample_event
from veille.workspace import Workspace


@dataclass
class Endpoint:
    """A real place a channel sends to, and how to read back what arrived."""

    url: str
    broken_url: str
    read: Callable[[], str]
    ctx: ChannelContext
    broken_ctx: ChannelContext
    carries_id: bool


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mail(ws: Workspace, box: Mailbox, receiver: Receiver, tmp: Path) -> Endpoint:
    settings = ws.settings
    good = replace(settings, smtp=replace(settings.smtp, host="127.0.0.1", port=box.port))
    bad = replace(settings, smtp=replace(settings.smtp, host="127.0.0.1", port=_closed_port()))
    return Endpoint(
        "mailto:team@example.org", "mailto:team@example.org",
        lambda: "\n".join(_mail_text(m) for m in box.messages),
        ChannelContext(good, ws.root), ChannelContext(bad, ws.root), True,
    )  # fmt: skip


def _mail_text(raw: bytes) -> str:
    from email import message_from_bytes, policy

    msg = message_from_bytes(raw, policy=policy.default)
    parts = [f"{k}: {v}" for k, v in msg.items()]
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            parts.append(part.get_content())
    return "\n".join(parts)


def _webhook(ws: Workspace, box: Mailbox, receiver: Receiver, tmp: Path) -> Endpoint:
    def read() -> str:
        return "\n".join(
            f"{r['delivery']}\n{r['body'].decode()}" for r in receiver.requests if r["status"] < 300
        )

    ctx = ChannelContext(ws.settings, ws.root)
    broken = f"webhook+http://127.0.0.1:{_closed_port()}/hook"
    return Endpoint(f"webhook+{receiver.url}", broken, read, ctx, ctx, True)


def _atom(ws: Workspace, box: Mailbox, receiver: Receiver, tmp: Path) -> Endpoint:
    path = tmp / "feeds" / "contract.xml"
    (tmp / "a-folder.xml").mkdir()  # a folder where the file should be: unwritable

    def read() -> str:
        return path.read_text(encoding="utf-8") if path.exists() else ""

    ctx = ChannelContext(ws.settings, ws.root)
    return Endpoint(f"atom:{path}", f"atom:{tmp / 'a-folder.xml'}", read, ctx, ctx, False)


def _apprise(ws: Workspace, box: Mailbox, receiver: Receiver, tmp: Path) -> Endpoint:
    def read() -> str:
        bodies = [r["json"] for r in receiver.requests if r["status"] < 300]
        return "\n".join(f"{b.get('title', '')}\n{b.get('message', '')}" for b in bodies)

    ctx = ChannelContext(ws.settings, ws.root)
    url = receiver.url.replace("http://", "json://")
    broken = f"json://127.0.0.1:{_closed_port()}/hook"
    return Endpoint(url, broken, read, ctx, ctx, False)


# One loopback endpoint per registered scheme. A channel registered without
# one here fails the suite: every channel is held to the contract.
ENDPOINTS: dict[str, Callable[[Workspace, Mailbox, Receiver, Path], Endpoint]] = {
    "mailto": _mail,
    "webhook+http": _webhook,
    "webhook+https": _webhook,  # the same channel; loopback has no TLS certificate
    "atom": _atom,
    "*": _apprise,
}


def _schemes() -> list[str]:
    return sorted(channel_registry())


@pytest.fixture
def env(tmp_path: Path, smtp_server: Mailbox, receiver: Receiver) -> Iterator[Any]:
    ws = make_workspace(tmp_path / "ws")

    def endpoint(scheme: str) -> Endpoint:
        if scheme not in ENDPOINTS:
            pytest.fail(f"channel {scheme!r} is registered but has no contract endpoint")
        return ENDPOINTS[scheme](ws, smtp_server, receiver, tmp_path)

    yield endpoint
    ws.close()


def _alert(url: str) -> Alert:
    return Alert(name="contract", query="lumio", channel_url=url, secret="s3cret", id=7)


def _posts(alert: Alert, delivery_id: str = "7.1") -> Delivery:
    post = make_post(1, "Lumio lamp recall in Lyon")
    return Delivery(delivery_id, alert, [DeliveryItem(post, [("text", 0, 5)])], datetime.now(UTC))


def test_every_builtin_channel_is_registered() -> None:
    assert {"mailto", "webhook+http", "webhook+https", "atom", "*"} <= set(channel_registry())


@pytest.mark.parametrize("scheme", _schemes())
def test_a_delivery_of_posts_arrives_with_text_and_link(env, scheme: str) -> None:  # type: ignore[no-untyped-def]
    end = env(scheme)
    channel = channel_for(end.url, end.ctx)
    channel.send(_posts(_alert(end.url)))
    got = end.read()
    assert "Lumio lamp recall in Lyon" in got.replace("*Lumio*", "Lumio")
    assert "https://example.org/p/1" in got


@pytest.mark.parametrize("scheme", _schemes())
def test_a_monitor_event_arrives_with_its_summary(env, scheme: str) -> None:  # type: ignore[no-untyped-def]
    end = env(scheme)
    alert = replace(_alert(end.url), kind="spike")
    event = sample_event(alert)
    channel_for(end.url, end.ctx).send(
        Delivery("7.spike", alert, [], datetime.now(UTC), "spike", event)
    )
    assert "Spike on “lumio”" in end.read()


@pytest.mark.parametrize("scheme", _schemes())
def test_a_failing_endpoint_is_a_channel_error(env, scheme: str) -> None:  # type: ignore[no-untyped-def]
    end = env(scheme)
    channel = channel_for(end.broken_url, end.broken_ctx)
    with pytest.raises(ChannelError):
        channel.send(_posts(_alert(end.broken_url)))


@pytest.mark.parametrize("scheme", _schemes())
def test_a_retry_carries_the_same_delivery_id(env, scheme: str) -> None:  # type: ignore[no-untyped-def]
    end = env(scheme)
    if not end.carries_id:
        pytest.skip(f"{scheme}: the medium carries no delivery id (a feed entry keeps its id)")
    channel = channel_for(end.url, end.ctx)
    delivery = _posts(_alert(end.url), "7.42")
    channel.send(delivery)
    channel.send(delivery)
    assert end.read().count("7.42") >= 2


def test_the_feed_keeps_one_entry_when_a_delivery_is_sent_twice(env) -> None:  # type: ignore[no-untyped-def]
    end = env("atom")
    channel = channel_for(end.url, end.ctx)
    delivery = _posts(_alert(end.url))
    channel.send(delivery)
    channel.send(delivery)
    assert end.read().count("<entry>") == 1


_PLUGIN = '''
from pathlib import Path


class SmsChannel:
    """A third-party channel: writes each delivery to the file named in its URL."""

    def __init__(self, url, ctx):
        self.path = Path(url.split(":", 1)[1])

    def send(self, delivery):
        with self.path.open("a") as fh:
            fh.write(f"{delivery.id} {len(delivery.items)}\\n")


class Impostor:
    def __init__(self, url, ctx):
        raise AssertionError("a plugin must not replace a built-in channel")
'''


def test_a_plugin_channel_registers_through_the_entry_point_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    dist = site / "veille_sms-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: veille-sms\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[veille.channels]\nsms = veille_sms_plugin:SmsChannel\n"
        "mailto = veille_sms_plugin:Impostor\n"
    )
    (site / "veille_sms_plugin.py").write_text(_PLUGIN)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "veille_sms_plugin", raising=False)
    registry = channel_registry()
    assert "sms" in registry
    assert registry["mailto"].__name__ == "EmailChannel"
    ws = make_workspace(tmp_path / "ws")
    out = tmp_path / "sms.txt"
    channel = channel_for(f"sms:{out}", ChannelContext(ws.settings, ws.root))
    channel.send(_posts(_alert(f"sms:{out}"), "7.9"))
    assert out.read_text() == "7.9 1\n"
    ws.close()
