"""The address policy every outgoing connection follows: which addresses
veille refuses to fetch or send to (private, loopback, link-local, CGNAT,
multicast, reserved, unspecified, IPv6 local), and how host names become
addresses. Used by :class:`veille.http.HttpClient` and the apprise channels
(:mod:`veille.alerts.channels.apprise_guard`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence

from veille.config import HttpSettings
from veille.errors import tr

Resolver = Callable[[str, int], Sequence[str]]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
"""``resolver(host, port) -> [ip, …]``: how host names become addresses."""

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_V6_LOCAL = (
    ipaddress.ip_network("fc00::/7"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fec0::/10"),
    ipaddress.ip_network("::1/128"),
    ipaddress.ip_network("::/128"),
)


def blocked_reason(ip: str) -> str | None:
    """Why ``ip`` may not be fetched by default, or ``None`` when it is public."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address):
        mapped = addr.ipv4_mapped or addr.sixtofour
        if mapped is not None:
            inner = blocked_reason(str(mapped))
            return f"{inner} (IPv4 inside IPv6)" if inner else None
        if addr.is_loopback:
            return "loopback"
        for net in _V6_LOCAL:
            if addr in net:
                return "IPv6 local" if not addr.is_unspecified else "unspecified"
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link-local"
    if addr.is_multicast:
        return "multicast"
    if isinstance(addr, ipaddress.IPv4Address) and addr in _CGNAT:
        return "carrier-grade NAT"
    if addr.is_private:
        return "private"
    if addr.is_reserved:
        return "reserved"
    if not addr.is_global:
        return "not public"
    return None


# The words of blocked_reason, said in each reader's language.
_REASONS = {
    "loopback": tr("loopback"),
    "IPv6 local": tr("IPv6 local"),
    "unspecified": tr("unspecified"),
    "link-local": tr("link-local"),
    "multicast": tr("multicast"),
    "carrier-grade NAT": tr("carrier-grade NAT"),
    "private": tr("private"),
    "reserved": tr("reserved"),
    "not public": tr("not public"),
}


def _said_reason(reason: str) -> str:
    inner, inside = (
        reason.removesuffix(" (IPv4 inside IPv6)"),
        reason.endswith(" (IPv4 inside IPv6)"),
    )
    said = _REASONS.get(inner, inner)
    return tr("%(reason)s (IPv4 inside IPv6)", reason=said) if inside else said


BLOCKED_HINT = tr(
    "veille does not send to or fetch private networks. If this is intended (a local test server), set [http] allow_private_networks = true or VEILLE_ALLOW_PRIVATE_NETWORKS=1."  # noqa: E501
)


def refusal(
    ip: str, settings: HttpSettings, allowed_networks: Sequence[IPNetwork] = ()
) -> str | None:
    """Why the workspace's address policy refuses ``ip`` (``None``: allowed).

    The one policy for every outgoing connection: sources, webhooks and the
    apprise channels (:mod:`veille.alerts.channels.apprise_guard`)."""
    if settings.allow_private_networks:
        return None
    if any(ipaddress.ip_address(ip.split("%", 1)[0]) in net for net in allowed_networks):
        return None
    return blocked_reason(ip)


def system_resolver(host: str, port: int) -> list[str]:
    """Addresses of ``host`` from the operating system's resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        ip = str(info[4][0])
        if ip not in seen:
            seen.append(ip)
    return seen
