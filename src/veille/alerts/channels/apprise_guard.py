"""Apprise channels under veille's address policy.

**Why a socket-level guard.** apprise's plugins each send with their own
``requests.request(...)`` (a fresh session per call, redirects followed), and
some with smtplib, raw sockets or MQTT. Checking the URL's host before handing
it to apprise leaves three holes: a redirect to a private address, a DNS answer
that changes between our check and the plugin's own lookup, and targets that
are not the URL's host (``mailtos://…?smtp=10.0.0.1``). Patching requests or
urllib3 would change every caller in the process. Python's audit events
``socket.connect`` / ``socket.sendto`` fire for every socket any plugin opens,
with the address actually dialled (after DNS), so one hook sees them all.

The hook (:mod:`veille.alerts.channels.apprise_hook`) is added once per
process, on the first guarded send (audit hooks cannot be removed), and does
nothing unless the running context is inside :func:`guarded` (a
:class:`~contextvars.ContextVar`, which apprise copies into its worker
threads). Inside, an address that :func:`veille.netguard.refusal` refuses raises
:class:`RefusedConnection` (an ``OSError``, so the plugin fails as it would
for an unreachable host) and is recorded, so the channel can say which
address was refused. Local sockets (``AF_UNIX``: D-Bus, syslog) are refused
too: their target cannot be checked.

The URL's host is also checked when the channel is built (``alert add``, and
before each send), so a refused URL gets a clear error early.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from veille.alerts.channels.base import ChannelError
from veille.alerts.model import SEND_TO
from veille.config import HttpSettings
from veille.errors import UsageError, tr
from veille.netguard import (
    BLOCKED_HINT,
    IPNetwork,
    Resolver,
    _said_reason,
    refusal,
    system_resolver,
)

__all__ = ["BLOCKED_HINT", "Guard", "RefusedAddress", "RefusedConnection", "guarded"]


class RefusedAddress(UsageError, ChannelError):
    """A channel URL leads to an address the policy refuses: a usage error at
    ``alert add`` (exit 2), a channel error when found before a send."""


class RefusedConnection(PermissionError):
    """A guarded plugin tried to reach an address the policy refuses."""


@dataclass
class Guard:
    """The policy of one guarded send and what it refused."""

    settings: HttpSettings
    resolver: Resolver = system_resolver
    # Networks allowed even when private ones are refused (as HttpClient's).
    allowed_networks: Sequence[IPNetwork] = ()
    refused: list[str] = field(default_factory=list)

    def check(self, address: Any) -> None:
        if isinstance(address, tuple) and address and isinstance(address[0], str):
            host, port = address[0], int(address[1]) if len(address) > 1 else 0
            try:
                ips: list[str] = [str(ipaddress.ip_address(host.split("%", 1)[0]))]
            except ValueError:
                # A name given to connect() directly: Python resolves it itself.
                try:
                    ips = list(self.resolver(host, port))
                except OSError:
                    return  # the connect fails on its own
            for ip in ips:
                reason = refusal(ip, self.settings, self.allowed_networks)
                if reason:
                    self.refused.append(_address_refused(host, reason, ip))
                    raise RefusedConnection(f"veille refused {ip}: {reason} address")
            return
        if self.settings.allow_private_networks:
            return
        # AF_UNIX and other local families: nothing to check, so nothing goes out.
        self.refused.append(tr("a local socket (%(address)s)", address=repr(address)))
        raise RefusedConnection(f"veille refused a local socket {address!r}")


@contextmanager
def guarded(
    settings: HttpSettings,
    resolver: Resolver = system_resolver,
    allowed_networks: Sequence[str] = (),
) -> Iterator[Guard]:
    """Every socket opened in this context (and the threads apprise starts from
    it) goes through the address policy of ``settings``."""
    # Imported here: only a process that sends through apprise carries the hook.
    from veille.alerts.channels.apprise_hook import ACTIVE

    nets = [ipaddress.ip_network(n) for n in allowed_networks]
    guard = Guard(settings, resolver, nets)
    token = ACTIVE.set(guard)
    try:
        yield guard
    finally:
        ACTIVE.reset(token)


def _address_refused(host: str, reason: str, ip: str) -> str:
    """Why an address is refused, in each reader's language (its kind of
    network too: « de bouclage » for loopback)."""
    return tr("%(host)s is a %(reason)s address (%(ip)s)", host=host,
              reason=_said_reason(reason), ip=ip)  # fmt: skip


def host_refusal(
    host: str, port: int, settings: HttpSettings, resolver: Resolver = system_resolver
) -> str | None:
    """Why the policy refuses ``host`` (resolved), or ``None``. A name that does
    not resolve is not refused here (apprise's service hosts are sometimes
    tokens); the guard decides when the plugin connects."""
    host = host.strip("[]")
    try:
        ips = [str(ipaddress.ip_address(host.split("%", 1)[0]))]
    except ValueError:
        try:
            ips = list(resolver(host, port))
        except (OSError, UnicodeError):
            return None
    for ip in ips:
        reason = refusal(ip, settings)
        if reason:
            return _address_refused(host, reason, ip)
    return None


def refuse_url_host(url: str, settings: HttpSettings, *, shown: str) -> None:
    """A :class:`~veille.errors.UsageError` when ``url``'s host is refused (for
    channels built at ``alert add`` and before each send); ``shown`` is the URL
    as people may see it (masked)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise UsageError(
            tr(
                "%(field)s %(url)s is not a valid URL (%(error)s)",
                field=SEND_TO,
                url=shown,
                error=str(exc),
            )
        ) from exc
    if not host:
        raise UsageError(tr("%(field)s %(url)s names no host", field=SEND_TO, url=shown))
    default = 443 if parts.scheme == "https" else 80
    reason = host_refusal(host, port or default, settings)
    if reason:
        raise RefusedAddress(
            tr("%(field)s %(url)s: refused, %(reason)s", field=SEND_TO, url=shown, reason=reason),
            hint=BLOCKED_HINT,
        )
