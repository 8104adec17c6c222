"""CORS for the REST API only: the origins listed in ``[api] cors_origins``
may call ``/api/`` from a page of theirs, with a token; nothing else is
shared. Off (no ``Access-Control-Allow-Origin`` anywhere) while the list is
empty, which is the default.

Starlette's :class:`~starlette.middleware.cors.CORSMiddleware` does the work
(the preflight, the headers of each answer, refusing an origin not listed);
this wraps it so that it answers under ``/api/`` alone: the pages use a
session cookie and must never be read by another origin's script. A
preflight it would refuse (an origin not listed, or with the list empty; a
method or header the API does not take) is answered as the API answers any
refusal, in JSON naming what was asked and what to do, where Starlette
answers a bare ``400 Disallowed CORS origin``.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from veille.errors import tr

#: What a client of the API sends: its token, a JSON body, its language.
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Accept-Language")
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
#: What a page may read of an answer besides the simple headers.
EXPOSED_HEADERS = ("Location", "Retry-After", "Content-Language", "WWW-Authenticate")


class ApiCors:
    """``CORSMiddleware`` for paths under ``/api/``; other paths pass by.
    With no origin listed, only the refusal of a preflight is answered."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...] = ()) -> None:
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
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        refused = self.refusal(Request(scope))
        if refused is not None:
            await refused(scope, receive, send)
        elif self.origins:
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def refusal(self, request: Request) -> Response | None:
        """The JSON refusal of a preflight this API does not answer, else ``None``."""
        from veille.web.api.errors import client_language, error_response

        headers = request.headers
        origin = headers.get("origin")
        asked = headers.get("access-control-request-method")
        if request.method != "OPTIONS" or origin is None or asked is None:
            return None
        say, lang = client_language(request)
        if not self.cors.is_allowed_origin(origin):
            return error_response(
                403,
                "forbidden",
                tr("the pages of %(origin)s may not call this API", origin=repr(origin)),
                tr(
                    "An admin lists the origins whose pages may call the API in [api] "
                    "cors_origins of veille.toml (%(listed)s); a program that is not a "
                    "browser's page needs no CORS.",
                    listed=_listed(self.origins),
                ),
                say,
                lang,
            )
        if asked not in ALLOWED_METHODS:
            return error_response(
                400,
                "invalid_input",
                tr("this API does not take the method %(method)s", method=repr(asked)),
                tr("Use one of: %(methods)s.", methods=", ".join(ALLOWED_METHODS)),
                say,
                lang,
            )
        wanted = [h.strip() for h in headers.get("access-control-request-headers", "").split(",")]
        odd = [h for h in wanted if h and h.lower() not in self.cors.allow_headers]
        if odd:
            return error_response(
                400,
                "invalid_input",
                tr("this API does not take the header %(header)s", header=repr(odd[0])),
                tr(
                    "Send only %(headers)s (and the headers every browser may send).",
                    headers=", ".join(ALLOWED_HEADERS),
                ),
                say,
                lang,
            )
        return None


def _listed(origins: tuple[str, ...]) -> object:
    """What the setting holds, said without naming its origins: an origin
    refused is not told whose pages may call."""
    return tr("empty now: CORS is off") if not origins else tr("which does not list it")
