"""Why an API call with a token is refused, as the API answers it: no
token or one not taken (401, :func:`token_refusal`), a scope that does not
reach what it does (403), a rate limit reached (429). Raised by the role
checks of :mod:`veille.web.deps`; each says what to do (``hint``)."""

from __future__ import annotations

import re

from fastapi import HTTPException, Request

from veille.errors import Coded, Place, Text, tr
from veille.services import tokens as tokens_service
from veille.services import users as users_service

#: A scheme an Authorization header may name (Basic, Token, Digest…): one
#: this refusal names back; anything else may be a secret.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,19}")


def token_refusal(request: Request) -> Text:
    """Why this API call has no user: no token, a header that holds none, a
    secret that is not a veille token, or why its token is refused. Never
    says the secret sent."""
    from veille.web.deps import bearer_token

    secret = bearer_token(request)
    if secret is None:
        scheme = request.headers.get("authorization", "").strip().partition(" ")[0]
        if not scheme:
            return tr("this API needs a token")
        if scheme.lower() == "bearer":
            return tr("the Authorization header has no token after Bearer")
        if scheme.startswith(tokens_service.TOKEN_PREFIX):
            # The secret itself, sent without its scheme: never said back.
            return tr("the Authorization header must be 'Bearer TOKEN': Bearer is missing")
        value = request.headers.get("authorization", "").strip()[len(scheme) :].strip()
        if not _SCHEME.fullmatch(scheme) or not value:
            # One value alone (another service's secret, perhaps): not said back.
            return tr("the Authorization header must be 'Bearer TOKEN', not a value alone")
        return tr(
            "the Authorization header must be 'Bearer TOKEN', not %(scheme)s followed by a value",
            scheme=repr(scheme[:20]),
        )
    if not secret.startswith(tokens_service.TOKEN_PREFIX):
        return tr(
            "this is not a veille API token: those start with %(prefix)s",
            prefix=tokens_service.TOKEN_PREFIX,
        )
    access: tokens_service.TokenAccess | None = getattr(request.state, "token_refused", None)
    token = access.token if access is not None else None
    refused = access.refused if access is not None else "unknown"
    if token is not None and refused == "expired" and token.expires_at is not None:
        return tr(
            "this token expired on %(when)s", when=token.expires_at.isoformat(timespec="minutes")
        )
    if refused == "revoked":
        return tr("this token is revoked")
    return tr("this token is unknown or revoked")


class TokenRefused(HTTPException):
    """401: no token, or one the API does not take (:func:`token_refusal`)."""

    def __init__(self, request: Request) -> None:
        super().__init__(401, token_refusal(request), headers={"WWW-Authenticate": "Bearer"})
        access: tokens_service.TokenAccess | None = getattr(request.state, "token_refused", None)
        self.hint = access.hint() if access is not None else None


class ScopeRefused(HTTPException):
    """403: the token's scope does not reach what the request does."""

    def __init__(self, scope: str, needed: str) -> None:
        # Named in the reader's words with the code beside (« lecture (read) »),
        # as veille token list names them: the code is what --scope takes.
        names = users_service.SCOPE_NAMES
        shown_scope, shown_needed = (Coded(s, names.get(s, s)) for s in (scope, needed))
        super().__init__(
            403,
            tr("this token's scope is %(scope)s; this needs the %(needed)s scope",
               scope=shown_scope, needed=shown_needed),
        )  # fmt: skip
        made = f"veille token create USER --scope {needed}"
        self.hint = tr(
            "Call with a token of the %(needed)s scope (made on %(where)s), if the user's role "
            "allows it.",
            needed=shown_needed,
            where=Place(made, page="/settings", api=tr("/settings, or %(command)s", command=made)),
        )


class RateLimited(HTTPException):
    """429: the token made its requests of this minute."""

    def __init__(self, limit: int, wait: int) -> None:
        super().__init__(
            429,
            tr("this token made more than %(limit)s requests this minute", limit=limit),
            headers={"Retry-After": str(wait)},
        )
        self.hint = tr(
            "Wait %(seconds)s seconds (Retry-After), then call again; [api] "
            "rate_limit_per_minute in veille.toml sets the limit.",
            seconds=wait,
        )
