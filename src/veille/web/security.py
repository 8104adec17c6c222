"""Headers every response carries, and whether the request came over TLS.

The Content-Security-Policy allows scripts from the app's own origin only (no
inline script, no ``on…=`` attributes, no ``eval``); styles may also be inline
because the SVG charts the analytics library renders carry ``style``
attributes (a style cannot run code). A route may send its own policy (the
API's documentation page does); the middleware keeps it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import HTTPConnection

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


def is_https(conn: HTTPConnection) -> bool:
    """Whether the browser reached us over TLS: directly, or through a proxy
    that says so (``X-Forwarded-Proto: https``). The header only ever adds the
    ``Secure`` flag to cookies, so trusting it can do no harm."""
    if conn.url.scheme in ("https", "wss"):
        return True
    forwarded = conn.headers.get("x-forwarded-proto", "")
    return forwarded.split(",")[0].strip().lower() == "https"


class SecurityHeaders:
    """ASGI middleware adding :data:`HEADERS` and :data:`CSP` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = is_https(HTTPConnection(scope))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in HEADERS:
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", CSP.encode()))
                if https and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                if b"cache-control" not in present and not scope["path"].startswith("/static/"):
                    # Pages show what one user may see: no shared cache keeps them.
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
