"""``veille serve`` behind a proxy on another machine: ``[web]
trusted_proxies`` names the proxies whose ``X-Forwarded-For`` gives the
visitor's address (loopback addresses stand for the machines here)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import add_role_users, do_login, serve
from veille.config import parse_settings
from veille.errors import ConfigError
from veille.workspace import init_workspace

PROXY = "127.0.0.2"  # the proxy's machine, as the web app sees it


def _client(url: str, own: str, forwarded: str | None = None) -> httpx.Client:
    """A client connecting from ``own``; with ``forwarded``, as a proxy that
    passes on that visitor's address."""
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    transport = httpx.HTTPTransport(local_address=own)
    return httpx.Client(base_url=url, timeout=30, transport=transport, headers=headers)


def test_an_attacker_behind_the_proxy_does_not_lock_everyone_out(tmp_path: Path) -> None:
    """Behind a proxy on another machine every visitor had the proxy's
    address (X-Forwarded-For was believed from 127.0.0.1 only), so five wrong
    passwords for a username from anywhere locked that person out for
    everyone for 15 minutes. With the proxy in `[web] trusted_proxies`, the
    limit is per visitor again; a client that is not a trusted proxy cannot
    pass for someone else by sending the header itself."""
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[web]\n", f'[web]\ntrusted_proxies = ["127.0.0.1", "{PROXY}"]\n', 1),
        encoding="utf-8",
    )
    served, server = serve(root)
    try:
        with _client(served.url, PROXY, "203.0.113.66") as attacker:
            said = [do_login(attacker, "analyst", "not the password").text for _ in range(6)]
        assert "Too many failed attempts" in said[-1]
        # Not a proxy: its own X-Forwarded-For names the visitor it wants to lock out.
        with _client(served.url, "127.0.0.3", "198.51.100.7") as spoofer:
            said = [do_login(spoofer, "analyst", "not the password").text for _ in range(6)]
        assert "Too many failed attempts" in said[-1]
        with _client(served.url, PROXY, "198.51.100.7") as visitor:
            answer = do_login(visitor, "analyst")
            if answer.status_code == 429:
                # Ten failures for the account from anywhere: a delay of seconds
                # (docs/web.md, Signing in), not a lockout.
                assert "from several places" in answer.text, answer.text
                time.sleep(int(answer.headers["retry-after"]) + 0.5)
                answer = do_login(visitor, "analyst")
            assert answer.status_code == 303, answer.text
            assert visitor.get("/").status_code == 200
    finally:
        server.stop()


def test_a_proxy_named_otherwise_than_by_address_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"\[web\] trusted_proxies .*'proxy.lan' is not an IP"):
        parse_settings({"web": {"trusted_proxies": ["127.0.0.1", "proxy.lan"]}})
    assert parse_settings({"web": {"trusted_proxies": ["::1"]}}).web.trusted_proxies == ("::1",)
