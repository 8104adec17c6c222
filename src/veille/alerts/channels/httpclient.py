"""Outgoing HTTP for channels.

Addresses are checked with :mod:`veille.http`'s guard. The POST itself uses
httpx directly because the signed body must go out byte for byte and the
outbox, not the client, owns retries; swap to ``veille.http.HttpClient`` once
it takes a raw ``content=`` body and ``retries=0``.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

from veille.alerts.channels.base import ChannelError
from veille.config import Settings


def _check_address(url: str, settings: Settings) -> None:
    if settings.http.allow_private_networks:
        return
    from veille.http import blocked_reason

    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise ChannelError(f"cannot resolve {host!r}: {exc}") from exc
    for info in infos:
        reason = blocked_reason(str(info[4][0]))
        if reason:
            raise ChannelError(
                f"{host} resolves to {info[4][0]}, a {reason} address",
                hint="Set [http] allow_private_networks = true to allow it.",
            )


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    settings: Settings,
    timeout: float,
    client: Any = None,
) -> int:
    """POST ``body`` (through ``client``, an httpx.Client, when given); the
    status code, or a :class:`ChannelError`."""
    import httpx

    _check_address(url, settings)
    try:
        resp = (client or httpx).post(
            url,
            content=body,
            headers={"User-Agent": settings.http.user_agent, **headers},
            timeout=timeout,
            follow_redirects=False,
        )
    except httpx.TimeoutException as exc:
        raise ChannelError(f"{url}: no answer within {timeout:g} s") from exc
    except httpx.HTTPError as exc:
        raise ChannelError(f"{url}: {exc.__class__.__name__}: {exc}") from exc
    if resp.status_code >= 300:
        raise ChannelError(f"{url} answered HTTP {resp.status_code}")
    return resp.status_code
