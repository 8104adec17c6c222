"""Signing in and out, the first-run page, and the health check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from veille.errors import PostsUnavailable, StoreError, StoreUnavailable, UsageError
from veille.services import signin, users
from veille.web.deps import (
    DEVICE_COOKIE,
    SESSION_COOKIE,
    clear_session_cookie,
    current_user,
    plural_translator,
    redirect,
    render,
    set_device_cookie,
    set_session_cookie,
    state,
    translator,
    workspace,
)

router = APIRouter()


def throttled_text(request: Request, exc: signin.LoginThrottled) -> str:
    """Why a sign-in is refused for now, in the reader's language: this
    username from this address, or this username from everywhere (guesses
    spread over many addresses), with how long to wait."""
    ngettext = plural_translator(request)
    if exc.account:
        return ngettext(
            "Too many failed attempts for this username from several places. "
            "Try again in %(num)s second.",
            "Too many failed attempts for this username from several places. "
            "Try again in %(num)s seconds.",
            exc.retry_after,
        )
    return ngettext(
        "Too many failed attempts for this username. Try again in %(num)s minute, "
        "or ask an admin to reset your password.",
        "Too many failed attempts for this username. Try again in %(num)s minutes, "
        "or ask an admin to reset your password.",
        max(1, -(-exc.retry_after // 60)),
    )


def _safe_next(target: str | None) -> str:
    """Only a path of this site (never ``//evil.example`` or a full URL)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> JSONResponse:
    """``{"status": "ok", "stores": {"state": "ok", "posts": "ok"}}``, or 503
    ``{"status": "unavailable", …}`` while a store does not answer, ``stores``
    saying which (JSON either way, for a load balancer and whoever it pages)."""
    from veille.web.api.errors import RETRY_SECONDS, UNREACHABLE_HINT, server_failed, unreachable
    from veille.web.health import app_probes, store_named

    ws = workspace(request)
    stores: dict[str, str] = {}
    failed: StoreUnavailable | None = None
    probes: list[tuple[str, object, Callable[[], object]]] = [
        ("state", ws.state, lambda: users.count_users(ws.state))
    ]
    ping = getattr(ws.posts, "ping", None)
    if ws.posts is not ws.state and ping is not None:
        probes.append(("posts", ws.posts, ping))
    asking = app_probes(request.app)
    for part, store, probe in probes:
        # Asked at every check (never kept), each waited for a few seconds
        # at most: a store that does not answer in time is down to a load
        # balancer, which must read it rather than time out.
        try:
            asking.check(part, probe, store_named(store, part))
        except StoreError as exc:  # away, or answering only errors: not serving
            server_failed(request, exc, 503)
            if not isinstance(exc, StoreUnavailable):
                exc = (PostsUnavailable if part == "posts" else StoreUnavailable)(exc.message)
            stores[part], failed = "unavailable", failed or exc
        else:
            stores[part] = "ok"
    if "posts" not in stores:  # one store holds both, or one veille cannot ask
        stores["posts"] = stores["state"]
    if failed is not None:
        body = {
            "status": "unavailable",
            "stores": stores,
            "message": str(unreachable(failed)),
            "hint": str(UNREACHABLE_HINT),
        }
        return JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_SECONDS)})
    # Whether veille serve is still making its default views as it starts.
    warming = bool(getattr(request.app.state, "warming", False))
    said: dict[str, Any] = {"status": "ok", "stores": stores, "warming": warming}
    return JSONResponse(
        said | _unreadable(request) | _dangling(request) | _unfinished_erasures(request)
    )


def _unfinished_erasures(request: Request) -> dict[str, Any]:
    """Erasures begun and not done (a ``veille privacy erase`` killed
    midway): how many for anyone, read at each check (a data-protection
    officer must not wait a minute to see one finished); which, with what to
    do, for a signed-in user, the person named by the keyed hash the erasure
    log gives (never by their handle, as the log does not)."""
    from veille.services.privacy import subject_of, unfinished_erasures, unfinished_unnamed
    from veille.web.api.errors import client_language

    ws = workspace(request)
    found = unfinished_erasures(ws)
    said: dict[str, Any] = {"unfinished_erasures": len(found)}
    if found and current_user(request) is not None:
        say, _lang = client_language(request)
        listed = []
        for e in found:
            subject = subject_of(ws.state, e.handle, e.platform)
            message, hint = unfinished_unnamed(e, subject)
            listed.append(
                {"subject": subject, "platform": e.platform, "started_at": e.started_at.isoformat(),
                 "message": say(message), "hint": say(hint)}
            )  # fmt: skip
        said["erasures"] = listed
    return said


def _kept(request: Request, name: str, make: Callable[[], list[Any]]) -> list[Any]:
    """What ``make`` reads from the saved topics, alerts and plan, kept for a
    minute (as the influencers page keeps its reads): it read every topic,
    alert, KPI and rule at each check, 12 ms each at 300 topics and 1,000
    alerts, which a load balancer checking every 2 s paid for. The stores'
    probes above are never kept."""
    from veille.web.listening import app_recent

    found: list[Any] = app_recent(request.app, "healthz").get(name, make)
    return found


def _unreadable(request: Request) -> dict[str, Any]:
    """The saved topics and alerts whose query no longer reads (each matches
    nothing new until edited): how many for anyone (/healthz answers without
    signing in), and which, with the parser's error and where to edit it, for
    a signed-in user."""
    from veille.services.unreadable import unreadable_queries

    found = _kept(request, "unreadable", lambda: unreadable_queries(state(request)))
    said: dict[str, Any] = {"unreadable_queries": len(found)}
    if current_user(request) is not None:
        said["unreadable"] = [{"kind": u.kind, "name": u.name} | u.as_json() for u in found]
    return said


def _dangling(request: Request) -> dict[str, Any]:
    """The alerts on a topic, and the plan's KPIs, channels and objectives
    naming a topic or an objective, that no longer exists (deleted before
    veille refused to delete what is in use): how many for anyone, and
    which, with what to do, for a signed-in user."""
    from veille.services.dangling import dangling_references

    found = _kept(request, "dangling", lambda: dangling_references(state(request)))
    said: dict[str, Any] = {"dangling_references": len(found)}
    if current_user(request) is not None:
        said["dangling"] = [d.as_json() for d in found]
    return said


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    if users.count_users(state(request)) == 0:
        return redirect("/setup")
    if current_user(request) is not None:
        return redirect(_safe_next(next))
    return render(request, "auth/login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    _ = translator(request)
    st = state(request)
    try:
        user = signin.authenticate(
            st,
            username,
            password,
            address=_address(request),
            device=request.cookies.get(DEVICE_COOKIE, ""),
        )
    except signin.LoginThrottled as exc:
        error = throttled_text(request, exc)
        page = render(
            request,
            "auth/login.html",
            {"next": _safe_next(next), "error": error, "username": username},
            status_code=429,
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except signin.LoginFailed:
        return render(
            request,
            "auth/login.html",
            {
                "next": _safe_next(next),
                "error": _("Wrong username or password."),
                "username": username,
            },
            status_code=401,
        )
    # A new session id at every login: one fixed before login is worthless.
    old = request.cookies.get(SESSION_COOKIE, "")
    if old:
        users.end_session(st, old)
    raw = users.start_session(st, user.username)
    response = redirect(_safe_next(next))
    set_session_cookie(request, response, raw)
    set_device_cookie(request, response, user.username)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    _ = translator(request)
    users.end_session(state(request), request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/login", message=_("You are signed out."))
    clear_session_cookie(request, response)
    return response


@router.get("/setup", response_class=HTMLResponse)
def setup_page(request: Request) -> Response:
    if users.count_users(state(request)) > 0:
        return redirect("/login")
    return render(request, "auth/setup.html", {"error": None, "username": ""})


@router.post("/setup", response_class=HTMLResponse)
def setup(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    confirm: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _ = translator(request)
    st = state(request)
    if users.count_users(st) > 0:
        return redirect("/login")
    error = None
    if password != confirm:
        error = _("The two passwords differ.")
    else:
        try:
            # No language saved yet: the browser's keeps applying until the
            # admin picks one with the switcher.
            user = users.add_first_admin(st, username, password)
        except UsageError as exc:
            error = _(exc.message) + (". " + _(exc.hint) if exc.hint else "")
    if error:
        return render(
            request, "auth/setup.html", {"error": error, "username": username}, status_code=400
        )
    raw = users.start_session(st, user.username)
    response = redirect("/", message=_("Welcome! Your admin account is ready."))
    set_session_cookie(request, response, raw)
    set_device_cookie(request, response, user.username)
    return response
