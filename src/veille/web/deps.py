"""What every route shares: the workspace, who is signed in, role checks,
CSRF protection, the language and :func:`render`.

Usage in a route module::

    from veille.web.deps import Analyst, render, workspace

    @router.get("/topics")
    def topics(request: Request, user: Analyst) -> HTMLResponse:
        ws = workspace(request)
        return render(request, "topics/list.html", {"topics": ...})

``Analyst`` is ``Annotated[User, Depends(require("analyst"))]``; write
``Depends(require("analyst"))`` where an annotation does not fit.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, NoReturn, TypeVar
from urllib.parse import quote, unquote

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from veille import i18n as fmt
from veille.errors import StoreLocked, Text, VeilleError, tr, translated
from veille.inbox.model import event_word
from veille.inbox.model import word as inbox_word
from veille.services import signin
from veille.services import tokens as tokens_service
from veille.services import users as users_service
from veille.services.tokens import TokenRecord
from veille.services.users import User, check_role
from veille.store.base import PostStore, StateStore
from veille.web.i18n import LANG_COOKIE, choose_language, formatting_locale
from veille.web.security import is_https
from veille.web.token_refusals import RateLimited, ScopeRefused, TokenRefused
from veille.workspace import Workspace

SESSION_COOKIE = "veille_session"
#: The browser's device cookie (:func:`veille.services.signin.device_cookie`).
DEVICE_COOKIE = "veille_device"
CSRF_COOKIE = "veille_csrf"
FLASH_COOKIE = "veille_flash"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NO_USER = object()

F = TypeVar("F", bound=Callable[..., Any])


# -- the workspace ----------------------------------------------------------------


def workspace(request: Request) -> Workspace:
    """The app's workspace. Its stores open one connection per thread, so a
    request served on any thread reads and writes through its own."""
    ws: Workspace = request.app.state.workspace
    return ws


def state(request: Request) -> StateStore:
    return workspace(request).state


def posts(request: Request) -> PostStore:
    return workspace(request).posts


# -- who is signed in ------------------------------------------------------------


def bearer_token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_user(request: Request) -> User | None:
    """The user of this request's API token (``Authorization: Bearer``) or
    session cookie, or ``None``."""
    cached = getattr(request.state, "user", _NO_USER)
    if cached is None or isinstance(cached, User):
        return cached
    token = bearer_token(request)
    st = state(request)
    if token is not None:
        access = tokens_service.token_access(st, token)
        user = access.user
        # What require() checks (the scope, the rate limit) or says (why a
        # token is refused: an expired one is told so, not "unknown").
        request.state.token = access.token if user is not None else None
        request.state.token_refused = access
    else:
        user = users_service.user_for_session(st, request.cookies.get(SESSION_COOKIE, ""))
    request.state.user = user
    return user


def without_user(request: Request) -> None:
    """Answer the rest of this request as nobody's when its user is not known
    yet: an error page rendered because the state store failed must not ask
    it again (and wait for it again) who is signed in."""
    if not isinstance(getattr(request.state, "user", _NO_USER), User):
        request.state.user = None


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


class LoginRequired(Exception):
    """No one is signed in: a page sends the browser to /login (or to /setup
    while no account exists); the app turns this into that redirect."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def login_url(request: Request) -> str:
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return "/login?next=" + quote(path, safe="/")


def refuse_role(request: Request, user: User, role: str) -> NoReturn:
    """403 for ``user``, whose role is below ``role``: said in the reader's
    language by the error page, what they typed in a form shown back."""
    request.state.role_needed = role
    # A form sent by someone whose role was lowered since it was opened:
    # what they typed is shown back, not lost.
    request.state.form_kept = typed_fields(getattr(request.state, "sent_form", None))
    raise HTTPException(
        403,
        tr("your role is %(have)s; this needs the %(role)s role",
           have=users_service.role_name(user.role), role=users_service.role_name(role)),
    )  # fmt: skip


def require(role: str) -> Callable[[Request], User]:
    """A dependency admitting users of ``role`` or above. Nobody signed in:
    303 to /login for a page (to /setup while there is no account yet), 401
    for the API; a role too low: 403."""
    check_role(role)

    def dependency(request: Request) -> User:
        user = current_user(request)
        if user is None:
            if is_api(request):
                raise TokenRefused(request)
            if users_service.count_users(state(request)) == 0:
                raise LoginRequired("/setup")
            raise LoginRequired(login_url(request))
        if not user.can(role):
            refuse_role(request, user, role)
        token: TokenRecord | None = getattr(request.state, "token", None)
        if token is not None:
            _check_token(request, token, role)
        return user

    # Read by the authorization tests (which role each route asks for).
    dependency.role = role  # type: ignore[attr-defined]
    return dependency


def token_scope(func: F) -> F:
    """Mark a route that needs the ``admin`` scope of a token whatever the
    role it asks for (a token must not make tokens or change a password)."""
    func.token_scope = "admin"  # type: ignore[attr-defined]
    return func


def scope_needed(request: Request, role: str) -> str:
    """The scope a token needs for this request: ``admin`` for what needs
    the admin role (or is marked :func:`token_scope`), ``write`` for any
    other change (POST, PUT, PATCH, DELETE), ``read`` otherwise."""
    if role == "admin" or getattr(request.scope.get("endpoint"), "token_scope", None):
        return "admin"
    return "write" if request.method in UNSAFE_METHODS else "read"


def check_token(request: Request) -> None:
    """For a route open to anyone that still acts for whoever calls it (the
    language switcher saves the language in the caller's account): when the
    caller came with an API token, that token's scope and rate limit apply
    as on any route that :func:`require` guards. Call after
    :func:`current_user`."""
    token: TokenRecord | None = getattr(request.state, "token", None)
    if token is not None:
        _check_token(request, token, "viewer")


def _check_token(request: Request, token: TokenRecord, role: str) -> None:
    """A token's scope, then its rate limit (counted once a request)."""
    needed = scope_needed(request, role)
    if not users_service.scope_allows(token.scope, needed):
        raise ScopeRefused(token.scope, needed)
    if getattr(request.state, "token_counted", False):
        return
    request.state.token_counted = True
    limit = workspace(request).settings.api.rate_limit_per_minute
    try:
        wait = tokens_service.count_token_request(state(request), token, limit)
    except StoreLocked:
        # SQLite counts in a file of its own, which a long write of the
        # database (an import) does not hold: only other counts, a few
        # microseconds each, ever make this wait. Held the store's whole
        # timeout even so, the call goes on uncounted rather than fail.
        return
    if wait is not None:
        raise RateLimited(limit, wait)


Viewer = Annotated[User, Depends(require("viewer"))]
Analyst = Annotated[User, Depends(require("analyst"))]
Manager = Annotated[User, Depends(require("manager"))]
Admin = Annotated[User, Depends(require("admin"))]

#: The largest id a store's row has (SQLite's and PostgreSQL's 64-bit integers).
MAX_ROW_ID = 2**63 - 1
#: A row's id in an address (``/inbox/{item_id}``): past :data:`MAX_ROW_ID` it
#: names nothing, a 404 as any unknown address, where the store could not
#: bind it (a 500).
RowId = Annotated[int, Path(ge=0, le=MAX_ROW_ID)]


# -- sessions and CSRF -----------------------------------------------------------


def set_session_cookie(request: Request, response: Response, raw: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        max_age=users_service.SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=is_https(request), path="/"
    )


def set_device_cookie(request: Request, response: Response, username: str) -> None:
    """Give the browser that just signed in to ``username`` its device cookie
    (a new one at each sign-in). Kept at sign-out: it names the browser, not
    a session."""
    response.set_cookie(
        DEVICE_COOKIE,
        signin.device_cookie(state(request), username),
        max_age=signin.DEVICE_DAYS * 86400,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/",
    )


def csrf_token(request: Request) -> str:
    """This browser's CSRF token: derived from the session when signed in
    (so it changes at each login), else a random value kept in a cookie
    (the login and first-run forms)."""
    session = request.cookies.get(SESSION_COOKIE, "")
    if session and current_user(request) is not None:
        return hmac.new(session.encode(), b"veille-csrf", hashlib.sha256).hexdigest()
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return str(token)


def _keep_csrf_cookie(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE, new, httponly=True, samesite="strict", secure=is_https(request), path="/"
        )


def csrf_exempt(func: F) -> F:
    """Mark a route that must accept a POST without a CSRF token (one-click
    unsubscribe from a mail client, RFC 8058): it must then authorize the
    request by a secret of its own."""
    func.csrf_exempt = True  # type: ignore[attr-defined]
    return func


async def csrf_protect(request: Request) -> None:
    """Refuse (403) a POST, PUT, PATCH or DELETE without this browser's CSRF
    token in the ``csrf_token`` form field or the ``X-CSRF-Token`` header.
    API calls authenticated by a Bearer token are exempt (a browser never
    adds that header by itself)."""
    if request.method not in UNSAFE_METHODS:
        return
    if getattr(request.scope.get("endpoint"), "csrf_exempt", False):
        return
    if bearer_token(request) is not None:
        return
    given = request.headers.get(CSRF_HEADER, "")
    form: FormData | None = None
    if not given:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = request.state.sent_form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else ""
    session = request.cookies.get(SESSION_COOKIE, "")
    signed_in = bool(session) and current_user(request) is not None
    expected = csrf_token(request) if signed_in else request.cookies.get(CSRF_COOKIE, "")
    if not expected or not given or not hmac.compare_digest(given, expected):
        # The error page reads this to say "reload the form", not "your role".
        request.state.csrf_refused = True
        if given and not signed_in and request.url.path not in _SIGN_IN_FORMS:
            # A form sent from a page signed in, by a browser signed out
            # since (in another tab, a password changed, the session over):
            # the page says to sign in again, and where the form was.
            request.state.signed_out = True
            request.state.form_page = _form_page(request)
        request.state.form_kept = typed_fields(form)
        raise FormExpired()


#: Forms sent while signed out, whose token is the CSRF cookie's.
_SIGN_IN_FORMS = frozenset({"/login", "/setup"})
#: Fields never shown back on a refused form's page: secrets and the token
#: (any name holding these words), and what the form's page, not a person, filled in.
_NOT_SHOWN = re.compile(r"password|token|secret|csrf|current|confirm|apikey|(^|_)key($|_)", re.I)
_NOT_TYPED = frozenset({"test", "version", "next"})


def typed_fields(form: FormData | None) -> list[tuple[str, str]]:
    """What a refused form held, to show back so that nothing typed is lost
    (the text fields filled in; never a password or a token)."""
    if form is None:
        return []
    return [
        (name, value[:10_000])
        for name, value in form.multi_items()
        if isinstance(value, str) and value.strip() and name not in _NOT_TYPED
        and not _NOT_SHOWN.search(name)
    ]  # fmt: skip


def _form_page(request: Request) -> str:
    """The page a refused form was sent from (the Referer of this origin),
    else the address it was sent to, for a link back after signing in."""
    from urllib.parse import urlsplit

    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return request.url.path


class FormExpired(HTTPException):
    """403: a change without this browser's CSRF token (a form left open past
    a new sign-in, or a script that did not send ``X-CSRF-Token``). Not a
    matter of role: the page says to reload the form; the API's ``hint``
    says which header to send."""

    message = "the form's security token is missing or out of date"
    hint = (
        "Reload the page and send the form again. A script calling the API with "
        "the session cookie must send the header 'X-CSRF-Token' with the token of "
        "the page's <meta name=\"csrf-token\">, or use 'Authorization: Bearer TOKEN'."
    )

    def __init__(self) -> None:
        super().__init__(403, self.message)


# -- language and rendering -----------------------------------------------------


def lang(request: Request) -> str:
    """The language of this request (see :mod:`veille.web.i18n`)."""
    found = getattr(request.state, "lang", None)
    if found:
        return str(found)
    user = current_user(request)
    chosen = choose_language(
        user.language if user else None,
        request.cookies,
        request.headers.get("accept-language", ""),
        workspace(request).settings.workspace.ui_language,
    )
    request.state.lang = chosen
    return chosen


def formats(request: Request) -> str:
    """The locale this request's dates, times and numbers are written in: its
    language with the region the browser asks (``en_GB``), see
    :func:`veille.web.i18n.formatting_locale`."""
    found = getattr(request.state, "formats", None)
    if found:
        return str(found)
    chosen = formatting_locale(lang(request), request.headers.get("accept-language", ""))
    request.state.formats = chosen
    return chosen


def time_zone(request: Request) -> str:
    """The zone this request's times are shown (and a form's typed times
    read) in: the signed-in user's own, else the workspace's. Analytics keep
    the workspace's day boundaries whoever reads them."""
    return users_service.shown_zone(
        current_user(request), workspace(request).settings.workspace.timezone
    )


def translator(request: Request, language: str | None = None) -> Callable[..., str]:
    """``_("text %(name)s", name=…)``: the translation, filled in; ``_(exc.message)``
    translates an error's text made by :func:`veille.errors.tr` (and leaves
    another error's text as it is). ``language``: another than the
    request's (a document asked in it)."""
    language = language or lang(request)
    tr = request.app.state.translations[language]

    def gettext(message: str, **values: Any) -> str:
        if isinstance(message, Text):  # an error's message or hint (veille.errors.tr)
            return translated(message, tr.gettext, language, where="page", ngettext=tr.ngettext)
        if not isinstance(message, str):  # a template's missing value
            return str(message)
        text = str(tr.gettext(message))
        return text % values if values else text

    return gettext


def error_text(request: Request, exc: VeilleError) -> str:
    """An error's message and hint as a form shows them, in the reader's
    language (both made by :func:`veille.errors.tr` are translated)."""
    _ = translator(request)
    said = _(exc.message)
    if not exc.hint:
        return said
    # A message that ends its own sentence ("The Mastodon post is empty.")
    # takes no second stop before the hint.
    stop = "" if said.rstrip().endswith((".", "!", "?", "…")) else "."
    return f"{said}{stop} {_(exc.hint)}"


def plural_translator(request: Request) -> Callable[..., str]:
    """``ngettext("%(num)s post", "%(num)s posts", n)``: ``num`` is filled in."""
    tr = request.app.state.translations[lang(request)]
    language = lang(request)

    def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
        text = str(tr.ngettext(singular, plural, n))
        # Placeholders not given here are left for the caller ({% trans %}
        # blocks fill their own variables after this call).
        return text % _KeepMissing({"num": fmt.format_number(n, language), **values})

    return ngettext


class _KeepMissing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return f"%({key})s"


def flash(response: Response, message: str) -> None:
    """Show ``message`` (already translated) on the next page rendered."""
    response.set_cookie(FLASH_COOKIE, quote(message[:300]), httponly=True, samesite="lax")


def redirect(url: str, *, message: str | None = None) -> RedirectResponse:
    """A 303 to ``url`` (after a form's POST), with a message to show there."""
    response = RedirectResponse(url, status_code=303)
    if message:
        flash(response, message)
    return response


def context_helpers(request: Request) -> dict[str, Any]:
    """What every template gets besides its own context."""
    language = lang(request)
    shown = formats(request)  # the numbers' and dates' locale (en_GB)
    tz = time_zone(request)
    days_tz = workspace(request).settings.workspace.timezone
    gettext = translator(request)

    def pgettext(context: str, message: str, **values: Any) -> str:
        # One English word, two French ones: an alert is « active », a token
        # « actif » (the catalog's msgctxt tells them apart). ``values`` fill
        # its %(name)s, as _() does (the page escapes them as it shows them).
        found = str(request.app.state.translations[language].pgettext(context, message))
        return found % values if values else found

    def format_number(value: float, lang: str = shown) -> str:
        return fmt.format_number(value, lang)

    def format_decimal(
        value: float, digits: int = 1, lang: str = shown, *, trim: bool = True
    ) -> str:
        return fmt.format_decimal(value, lang, digits, trim=trim)

    def format_percent(share: float | None, digits: int = 0, lang: str = shown) -> str:
        return "–" if share is None else fmt.format_percent(share, lang, digits)

    def format_money(value: float, lang: str = shown) -> str:
        # The plan's money is in the workspace's one currency ([workspace] currency).
        return fmt.format_money(value, lang, workspace(request).settings.workspace.currency)

    def format_datetime(when: datetime, lang: str = shown, *, zone: bool = False) -> str:
        return fmt.format_datetime(when, lang, tz, zone=zone)

    def format_date(when: datetime, lang: str = shown) -> str:
        return fmt.format_date(when, lang, tz)

    def format_day(when: datetime, lang: str = shown) -> str:
        # A day the analytics counted: it began at midnight in the
        # workspace's zone, so it is named there (in the reader's, Montréal
        # would read each of Paris's days as the day before).
        return fmt.format_date(when, lang, days_tz)

    def platform_name(key: str) -> str:
        from veille.analytics.findings import platform_name as named

        return named(key)

    def language_name(code: str, lang: str = language) -> str:
        from veille.i18n import language_name as named

        return named(code, lang)

    return {
        "request": request,
        "user": current_user(request),
        "lang": language,
        "csrf_token": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "_": gettext,
        "gettext": gettext,
        # A stored text made by veille.errors.tr, in the reader's language;
        # any other (a person's note, a platform's words) as it is.
        "said": lambda text: gettext(text) if isinstance(text, Text) else text,
        # An inbox code in the reader's words ("in progress", « en cours »).
        "inbox_word": lambda code: gettext(inbox_word(code)),
        # A history entry's action in words ("back from snooze", « retour de l’attente »).
        "event_word": lambda action, detail=None: gettext(event_word(action, detail)),
        "ngettext": plural_translator(request),
        "pgettext": pgettext,
        # A sentence after a colon, as the reader's language writes it
        # (« Conseil : choisissez… »: French lower case).
        "after_colon": lambda text: fmt.after_colon(text, language),
        "format_number": format_number,
        "format_decimal": format_decimal,
        "format_percent": format_percent,
        # A column of shares read as a whole, as shown: adding up to 100%.
        "shares_shown": fmt.shares_shown,
        "format_money": format_money,
        "format_datetime": format_datetime,
        "format_date": format_date,
        "format_day": format_day,
        "language_name": language_name,
        # A platform as the dashboard and reports name it ("Hacker News"),
        # never its key ("hackernews").
        "platform_name": platform_name,
        "role_name": lambda code: gettext(users_service.role_name(code)),
        "workspace_name": workspace(request).settings.workspace.name,
        # The clock every time on a page is on, for labels that must say so
        # (the reader's own zone, else the workspace's), and the one the
        # analytics' days begin in.
        "timezone": tz,
        "workspace_timezone": days_tz,
        "currency": workspace(request).settings.workspace.currency,
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """``template`` (under ``web/templates``) rendered with ``context`` and
    :func:`context_helpers`."""
    values = context_helpers(request)
    flashed = request.cookies.get(FLASH_COOKIE)
    values["flash"] = unquote(flashed) if flashed else None
    values.update(context or {})
    html = request.app.state.templates.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    _keep_csrf_cookie(request, response)
    if flashed:
        response.delete_cookie(FLASH_COOKIE)
    return response


def set_language_cookie(request: Request, response: Response, language: str) -> None:
    response.set_cookie(
        LANG_COOKIE,
        language,
        max_age=365 * 86400,
        samesite="lax",
        secure=is_https(request),
        httponly=True,
    )
