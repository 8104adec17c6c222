"""CORS for the REST API only: the origins listed in ``[api] cors_origins``
may call ``/api/`` from a page of theirs, with a token; nothing else is
shared. Off (no ``Access-Control-Allow-Origin`` anywhere) while the list is
empty, which is the default.

Starlette's :class:`~starlette.middleware.cors.CORSMiddleware` does the work
(the preflight, the headers of each answer, refusing an origin not listed);
this wraps it so that it answers under ``/api/`` alone: the pages use a
session cookie and must never be read by another origin's script.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

#: What a client of the API sends: its token, a JSON body, its language.
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Accept-Language")
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
#: What a page may read of an answer besides the simple headers.
EXPOSED_HEADERS = ("Location", "Retry-After", "Content-Language", "WWW-Authenticate")


class ApiCors:
    """``CORSMiddleware`` for paths under ``/api/``; other paths pass by."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=list(ALLOWED_METHODS),
            allow_headers=list(ALLOWED_HEADERS),
            expose_headers=list(EXPOSED_HEADERS),
            # Tokens, not cookies: a page's credentials are never sent along.
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith("/api/"):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
