"""Secrets in channel URLs (passwords, bot tokens, webhook keys) are never
echoed: not by the CLI, not in error messages, not in the outbox's errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veille.alerts.channels.apprise_mask import mask_channel_url
from veille.alerts.model import Alert, AlertBook
from veille.cli import build_app
from veille.workspace import Workspace, init_workspace

SECRET_URLS = [
    ("mailto://user:hunter2pass@gmail.com", "hunter2pass"),
    ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654",
     "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
    ("json://bob:s3cr3tpw@hooks.example.org/in", "s3cr3tpw"),
    ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general", "TIiajkdnlazkcOXrIdevi7FQ"),
    ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "JHMHI8qBe7bk2ZwO5U711o3dV_js"),
    ("webhook+https://hooks.example.org/services/T000/B000/XyZ123abcDEF456ghiJKL789",
     "XyZ123abcDEF456ghiJKL789"),
    ("webhook+https://ops:topsecret@hooks.example.org/in?token=abc123def", "topsecret"),
    ("webhook+https://hooks.example.org/in?token=abc123def&room=ops", "abc123def"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "secret"), SECRET_URLS)
def test_mask_hides_the_secret_and_keeps_the_place(url: str, secret: str) -> None:
    shown = mask_channel_url(url)
    assert secret not in shown
    assert shown.startswith(url.split(":", 1)[0])  # still says which channel
    if "example.org" in url or "gmail.com" in url:
        assert ("example.org" in shown) or ("gmail.com" in shown)


def test_plain_channels_are_shown_as_they_are() -> None:
    assert mask_channel_url("mailto:ops@example.org,pr@example.org") == (
        "mailto:ops@example.org,pr@example.org"
    )
    assert mask_channel_url("atom:feeds/acei.xml") == "atom:feeds/acei.xml"
    assert mask_channel_url("ntfy://ntfy.example.org/alerts") == "ntfy://ntfy.example.org/alerts"


@pytest.fixture
def ws_root(tmp_path: Path) -> Path:
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        book = AlertBook(ws.store)
        for i, (url, _) in enumerate(SECRET_URLS):
            book.add(Alert(name=f"a{i}", channel_url=url, query="acei"))
    return root


def test_cli_list_and_show_mask_channel_urls(ws_root: Path) -> None:
    runner, app = CliRunner(), build_app()
    env = {"COLUMNS": "400"}
    listing = runner.invoke(app, ["alert", "list", "-w", str(ws_root), "--format", "json"], env=env)
    assert listing.exit_code == 0, listing.output
    for i, (_, secret) in enumerate(SECRET_URLS):
        assert secret not in listing.output
        shown = runner.invoke(app, ["alert", "show", f"a{i}", "-w", str(ws_root)], env=env)
        assert shown.exit_code == 0, shown.output
        assert secret not in shown.output
    # The owner can still read it back on purpose.
    full = runner.invoke(app, ["alert", "show", "a0", "--secret", "-w", str(ws_root)], env=env)
    assert "hunter2pass" in full.output


def test_alert_add_error_does_not_echo_the_password(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    runner, app = CliRunner(), build_app()
    args = ["alert", "add", "--query", "x", "--name", "m", "-w", str(root),
            "--to", "mailto://user:hunter2pass@gmail.com"]  # fmt: skip
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert "hunter2pass" not in res.output


def test_webhook_failure_is_recorded_without_the_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing webhook's error (kept in the outbox, shown by `alert
    deliveries`, logged) names the URL with its key masked."""
    from datetime import UTC, datetime

    from veille.alerts.channels import ChannelContext, ChannelError, Delivery, channel_for
    from veille.config import HttpSettings, Settings

    token = "XyZ123abcDEF456ghiJKL789"
    url = f"webhook+http://127.0.0.1:9/services/T000/{token}?sig=abc123def"
    ctx = ChannelContext(Settings(http=HttpSettings(allow_private_networks=True)), tmp_path)
    alert = Alert(name="w", channel_url=url, query="x")
    delivery = Delivery(id="w:1", alert=alert, items=[], created_at=datetime.now(UTC))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ChannelError) as err:
        channel_for(url, ctx).send(delivery)
    assert "127.0.0.1" in err.value.message
    assert token not in str(err.value) and "abc123def" not in str(err.value)
    assert token not in caplog.text
