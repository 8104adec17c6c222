r"""The web app's factory.

Shape (what every area codes against):

- :func:`create_app` builds the app; nothing happens at import time. Each
  module ``veille.web.routes.<name>`` named in :data:`ROUTE_MODULES` exposes
  ``router: APIRouter``; to add an area, add its name to the tuple. A name
  whose module is not there yet is skipped (areas land one at a time).
- :mod:`veille.web.deps`: ``workspace``, ``current_user``, ``require(role)``
  (also as the ``Viewer``/``Analyst``/``Manager``/``Admin`` annotations),
  CSRF on every POST/PUT/PATCH/DELETE (form field ``csrf_token`` or header
  ``X-CSRF-Token``; Bearer calls exempt; ``@csrf_exempt`` for a route that
  authorizes by a secret of its own), ``render``, ``redirect`` with a flash
  message.
- Templates under ``web/templates`` extend ``base.html``; static files under
  ``web/static`` are served at ``/static/``; French catalogs are every
  ``web/locale/fr/LC_MESSAGES/*.po``.
- Errors: an ``HTTPException`` or a :class:`~veille.errors.VeilleError`
  renders ``error.html`` for a page, and under ``/api/`` the API's JSON
  ``{"error": {"status", "code", "message", "hint"}}`` (a wrong path or
  method there included).

Beyond the team's interface (added, nothing renamed): ``deps.state`` and
``deps.posts`` (the request's stores), the role annotations above,
``deps.csrf_exempt``, ``deps.redirect(url, message=…)`` / ``deps.flash``
(a message shown on the next page), ``_("… %(name)s", name=…)`` filling its
placeholders, ``ngettext(s, p, n)`` filling ``%(num)s`` with ``n`` formatted
for the language, and ``format_decimal``/``format_percent``/``format_date``
in every template (all take the request's language unless given one). Routes
are served by FastAPI's thread pool; the workspace's stores open one
connection per thread. A FastAPI sub-application mounted under this one must
share its state (``sub.state = app.state``) for ``deps`` to find the
workspace, and does not get this app's CSRF dependency or error handlers:
prefer ``APIRouter``\ s.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from veille.config import Settings
from veille.errors import (
    Conflict,
    NotFound,
    StoreError,
    StoreLocked,
    StoreUnavailable,
    StoreUpgrading,
    VeilleError,
)
from veille.web.api.errors import (
    BUSY,
    BUSY_HINT,
    RETRY_SECONDS,
    UNREACHABLE_HINT,
    api_error,
    server_failed,
    unreachable,
)
from veille.web.cors import ApiCors
from veille.web.deps import (
    UNSAFE_METHODS,
    csrf_protect,
    is_api,
    render,
    translator,
    typed_fields,
    without_user,
)
from veille.web.i18n import load_translations
from veille.web.security import SecurityHeaders
from veille.workspace import Workspace

ROUTE_MODULES: tuple[str, ...] = (
    "auth", "users", "settings",
    "dashboard", "stream", "topics", "alerts", "sources", "influencers", "trends",
    "reports", "charts", "feeds", "plan", "calendar", "publish_accounts",
    "inbox_setup", "inbox_bulk", "inbox_rules", "inbox",
    "api",
)  # fmt: skip

WEB_DIR = Path(__file__).resolve().parent


def _templates() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from veille.web.template_cache import template_code_cache

    escaped = (("html", "xml", "svg"), True)
    env = Environment(
        loader=FileSystemLoader(str(WEB_DIR / "templates")),
        autoescape=select_autoescape(list(escaped[0]), default_for_string=escaped[1]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # {% trans %} blocks call gettext/ngettext from the render context (the
    # request's language); these stand in where a template has none.
    env.install_null_translations()  # type: ignore[attr-defined]
    env.filters["page_links"] = page_links
    # Each page's template compiled once, not at its first request after
    # every start of a web worker.
    env.bytecode_cache = template_code_cache(env, escaped)
    return env


# A page of the app named in a notice's hint, "(/topics/new)" or
# "(/inbox/rules, /inbox/teams)": after "(" or a separator, up to one.
# A command named in backticks, on one line.
_CODE = re.compile(r"`([^`\n]+)`")
PAGE = re.compile(r"(?<=[(\s])(/[a-z][a-z0-9_\-/%.]*[a-z0-9/])(?=[),;\s\u202f]|$)")


def page_links(text: Any) -> Any:
    """``text`` escaped, with the app's pages it names made links: a notice
    said "(/topics/new)" as words, a way out the reader had to type; and
    the commands it names in backticks (a KPI's reason: "run `veille plan
    snapshot`") shown as code, not with the backticks."""
    from markupsafe import Markup, escape

    def link(m: re.Match[str]) -> str:
        path = m.group(1)
        return f'<a href="{path}">{path}</a>' if not path.startswith("//") else path

    linked = PAGE.sub(link, str(escape(text)))
    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", linked))


def _routers() -> list[APIRouter]:
    found = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(f"veille.web.routes.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"veille.web.routes.{name}":
                continue  # that area has not landed yet
            raise
        found.append(module.router)
    return found


def create_app(root: Path | str, *, settings: Settings | None = None) -> FastAPI:
    """The web app over the workspace at ``root`` (its ``veille.toml``, or
    ``settings`` when given)."""
    ws = (
        Workspace.open(root)
        if settings is None
        else Workspace(root=Path(root).resolve(), settings=settings)
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            from veille.web.serve import stop_recording, stop_warm

            stop_warm(app)  # before its stores are closed
            stop_recording(app)  # likewise (its heartbeat writes to the state)
            probes = getattr(app.state, "store_probes", None)
            if probes is not None:  # (made at the first /healthz)
                probes.close()
            ws.close()

    app = FastAPI(
        title="veille",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        dependencies=[Depends(csrf_protect)],
    )
    # A page asked for while the workspace's database is upgraded (minutes,
    # once, after an upgrade of veille) says so at once rather than hanging.
    ws.answer_while_upgrading = True
    app.state.workspace = ws
    app.state.settings = ws.settings
    app.state.translations = load_translations()
    app.state.templates = _templates()
    app.add_middleware(SecurityHeaders)
    # Added last, so it runs first: a preflight is answered (or refused, in
    # JSON, CORS off included) before any other layer, and the API's answers
    # carry the listed origin's header.
    app.add_middleware(ApiCors, origins=ws.settings.api.cors_origins)
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    _add_error_handlers(app)
    for router in _routers():
        app.include_router(router)
    if not any(getattr(route, "path", None) == "/" for route in app.routes):
        _add_home_stand_in(app)
    return app


def _add_home_stand_in(app: FastAPI) -> None:
    """Until the dashboard's area is installed, ``/`` (where signing in
    leads) opens the user's settings rather than a 404."""
    from veille.web.deps import require

    @app.get("/", include_in_schema=False, dependencies=[Depends(require("viewer"))])
    def home() -> Response:
        return RedirectResponse("/settings", status_code=303)


def _error(request: Request, status: int, message: str, hint: str | None = None) -> Response:
    return render(
        request, "error.html", {"status": status, "message": message, "hint": hint},
        status_code=status,
    )  # fmt: skip


def _add_error_handlers(app: FastAPI) -> None:
    from veille.web.deps import LoginRequired

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response: Response
        if is_api(request):  # no route matched (a wrong path or method): the API's shape
            response = api_error(request, exc)
        else:
            response = _error(request, exc.status_code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(VeilleError)
    async def veille_error(request: Request, exc: VeilleError) -> Response:
        if is_api(request):
            return api_error(request, exc)
        if isinstance(exc, StoreError):
            return store_error(request, exc)
        status = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 400
        if request.method in UNSAFE_METHODS:
            # A form sent about a thing deleted meanwhile (a topic someone
            # removed while another edited it): what was typed is shown back.
            request.state.form_kept = typed_fields(getattr(request.state, "sent_form", None))
        _ = translator(request)  # a page: in the reader's language
        return _error(request, status, _(exc.message), _(exc.hint) if exc.hint else None)

    def store_error(request: Request, exc: StoreError) -> Response:
        """A page whose store failed: 503 while it does not answer or is
        locked (with when to try again), else 500; one line in the log, and
        the page made without asking the store anything more."""
        status = 503 if isinstance(exc, StoreUnavailable | StoreLocked) else 500
        server_failed(request, exc, status)
        without_user(request)
        _ = translator(request)
        message: str = exc.message
        hint: str | None = exc.hint
        if isinstance(exc, StoreUnavailable):
            message, hint = unreachable(exc), UNREACHABLE_HINT
        elif isinstance(exc, StoreLocked) and not isinstance(exc, StoreUpgrading):
            message, hint = BUSY, BUSY_HINT
        response = _error(request, status, _(message), _(hint) if hint else None)
        if status == 503:
            response.headers["Retry-After"] = str(RETRY_SECONDS)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
            # /plan/calendar/new, /inbox/abc: a path that names nothing, as
            # any other unknown address (not a form to fill in).
            return await http_error(request, StarletteHTTPException(404))
        if is_api(request):
            return api_error(request, exc)
        fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        _ = translator(request)
        return _error(
            request, 422, _("the form is incomplete or malformed: %(fields)s", fields=fields)
        )
