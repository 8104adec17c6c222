"""The user's own settings (language, time zone, password, API tokens), the language
switcher, and (admins) the workspace's settings, read-only."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from veille.config import as_dict
from veille.errors import UsageError
from veille.i18n import LANGUAGES
from veille.services import signin, users
from veille.services import tokens as tokens_service
from veille.urlmask import mask_url
from veille.web.deps import (
    DEVICE_COOKIE,
    SESSION_COOKIE,
    RowId,
    Viewer,
    check_token,
    current_user,
    error_text,
    redirect,
    render,
    set_language_cookie,
    state,
    token_scope,
    translator,
    workspace,
)
from veille.web.routes.auth import _safe_next, throttled_text
from veille.web.routes.users import account_error

router = APIRouter()

_SECRET_KEY = re.compile(r"(password|secret|token|key)(?!_env)", re.I)
_URL_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_WHOLE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\S*\Z")
MASK = "••••••"


def masked(value: Any, key: str = "") -> Any:
    """Settings as shown: secrets replaced, credentials in URLs hidden."""
    if isinstance(value, dict):
        return {k: masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, key) for v in value]
    if isinstance(value, str):
        if value and _SECRET_KEY.search(key):
            return MASK
        shown = _URL_USERINFO.sub(MASK + "@", value)
        # A password or token in the query string too (postgresql://…?password=,
        # veille+http://…?token=): masked as everywhere else (veille.urlmask).
        return mask_url(shown) if _WHOLE_URL.match(shown) else shown
    return value


def _listening_port(request: Request) -> int | None:
    """The port this server took the request on, where it is not
    veille.toml's ``[web] port`` (``veille serve --port 8748`` overrides
    it): the page showed ``port 8000`` while the app answered on 8748.
    ``None`` when they agree or the server does not say (a Unix socket)."""
    server = request.scope.get("server")
    if not server or server[1] is None:
        return None
    port = int(server[1])
    return port if port != workspace(request).settings.web.port else None


def _links_base(request: Request) -> str:
    """Where links in e-mails and feeds point (veille.served_at)."""
    from veille.served_at import links_base

    ws = workspace(request)
    return links_base(ws.settings, ws.state)[0]


def _names_this_server(request: Request, links: str) -> bool:
    """Whether ``links`` (:func:`_links_base`) is the address this page was
    asked at (``veille demo --serve`` on the next free port sets base_url
    so): the page told to set base_url in veille.toml "if they should point
    to this server" when the links already did."""
    from urllib.parse import urlsplit

    base = urlsplit(links)
    try:
        port = base.port or {"http": 80, "https": 443}.get(base.scheme)
    except ValueError:
        return False
    return bool(base.hostname) and (base.hostname, port) == (
        request.url.hostname,
        request.url.port or {"http": 80, "https": 443}.get(request.url.scheme),
    )


def _page(request: Request, **extra: Any) -> HTMLResponse:
    status = extra.pop("status", 200)
    user = current_user(request)
    assert user is not None
    tokens = tokens_service.list_tokens(state(request), user.username)
    # Read once (the state store's records of where the web app serves).
    links = _links_base(request)
    context: dict[str, Any] = {
        "languages": LANGUAGES,
        "tokens": tokens,
        "token_states": {t.id: tokens_service.token_state(t) for t in tokens},
        # The scopes this user's tokens may have (their role is the ceiling).
        "scopes": [
            sc for sc in users.SCOPES if users.scope_allows(users.scope_ceiling(user.role), sc)
        ],
        "scope_names": users.SCOPE_NAMES,
        "new_token": None,
        "error": None,
        "token_form": {},
        # What the time zone field shows: the zone typed and refused, else the saved one.
        "zone_typed": user.timezone,
        "workspace_settings": masked(as_dict(workspace(request).settings))
        if user.is_admin
        else None,
        "listening_port": _listening_port(request) if user.is_admin else None,
        "base_url_here": _names_this_server(request, links),
        "links_base": links,
    }
    context.update(extra)
    return render(request, "settings/index.html", context, status_code=status)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, user: Viewer) -> Response:
    return _page(request)


@router.post("/language")
def switch_language(
    request: Request, lang: Annotated[str, Form()] = "en", next: Annotated[str, Form()] = "/"
) -> Response:
    """The switcher in every page's header: remembered in a cookie, and for a
    signed-in user in their account."""
    language = lang if lang in LANGUAGES else "en"
    user = current_user(request)
    if user is not None:
        # A token saves it in its user's account only with the write scope.
        check_token(request)
    if user is not None and users.get_user(state(request), user.username) is not None:
        users.set_language(state(request), user.username, language)
    response = redirect(_safe_next(next))
    set_language_cookie(request, response, language)
    return response


@router.post("/settings/timezone", response_class=HTMLResponse)
def change_own_timezone(
    request: Request, user: Viewer, timezone: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """The zone the pages show this user's times in; empty: the workspace's."""
    _ = translator(request)
    try:
        chosen = users.set_timezone(state(request), user.username, timezone)
    except UsageError as exc:
        return _page(request, error=error_text(request, exc), status=400, zone_typed=timezone)
    if chosen:
        said = _("Times are now shown to you in %(zone)s.", zone=chosen)
    else:
        said = _("Times are now shown to you in the workspace's time zone (%(zone)s).",
                 zone=workspace(request).settings.workspace.timezone)  # fmt: skip
    return redirect("/settings", message=said)


@router.post("/settings/password", response_class=HTMLResponse)
@token_scope
def change_own_password(
    request: Request,
    user: Viewer,
    current: Annotated[str, Form(max_length=2000)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _ = translator(request)
    st = state(request)
    try:
        signin.authenticate(
            st,
            user.username,
            current,
            address="settings",
            device=request.cookies.get(DEVICE_COOKIE, ""),
        )
    except signin.LoginThrottled as exc:
        # Not "wrong": the password was not even checked (someone guessed it).
        return _page(request, error=throttled_text(request, exc), status=429)
    except signin.LoginFailed:
        return _page(request, error=_("The current password is wrong."), status=400)
    try:
        users.set_password(
            st,
            user.username,
            password,
            actor=user.username,
            keep_session=request.cookies.get(SESSION_COOKIE),
        )
    except UsageError as exc:
        return _page(request, error=account_error(_, exc), status=400)
    return redirect("/settings", message=_("Your password is changed."))


@router.post("/settings/tokens", response_class=HTMLResponse)
@token_scope
def create_token(
    request: Request,
    user: Viewer,
    name: Annotated[str, Form(max_length=100)] = "",
    scope: Annotated[str, Form(max_length=20)] = "",
    expires: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    _ = translator(request)
    try:
        when = tokens_service.parse_expiry(expires, workspace(request).settings.workspace.timezone)
        _rec, secret = tokens_service.create_token(
            state(request), user.username, name, scope=scope or None, expires_at=when,
            actor=user.username,
        )  # fmt: skip
    except UsageError as exc:
        typed = {"name": name, "scope": scope, "expires": expires}  # kept, to correct
        return _page(request, error=error_text(request, exc), status=400, token_form=typed)
    # Shown once, on this page; never stored in clear.
    return _page(request, new_token=secret)


@router.post("/settings/tokens/{token_id}/revoke", response_class=HTMLResponse)
@token_scope
def revoke_token(request: Request, token_id: RowId, user: Viewer) -> Response:
    _ = translator(request)
    mine = {t.id for t in tokens_service.list_tokens(state(request), user.username)}
    if token_id not in mine:
        return _page(request, error=_("There is no such token."), status=404)
    try:
        tokens_service.revoke_token(state(request), token_id, actor=user.username)
    except UsageError:
        return _page(request, error=_("There is no such token."), status=404)
    return redirect("/settings", message=_("Token revoked."))
