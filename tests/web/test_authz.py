"""Every route of the app, pages and API, called by every role and by nobody.

The routes are read from ``create_app(...)``, so a route added tomorrow is
walked too; what each must answer comes from the role it declares with
``deps.require(role)``:

- nobody signed in: a page answers 303 to /login, the API 401;
- a role below the declared one: 403;
- the declared role or above: anything but 401 and 403 (the dummy path
  values may well give 404, and empty forms 400 or 422).

A route that declares no role fails, unless it is in :data:`PUBLIC` (the
login and first-run pages, the language switcher, health, static files, the
API's description, and the routes that authorize by a secret of their own:
one-click unsubscribe and the secret-token feeds).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.server import ROLES, Running, add_role_users, serve

# Public on purpose; every other route must declare a role.
PUBLIC_PATHS = {
    "/login",
    "/logout",
    "/setup",
    "/healthz",
    "/language",
    "/api/docs",
    "/api/openapi.json",
}
# Routes that check a secret in the URL instead of a login.
PUBLIC_PATTERNS = (re.compile(r"unsubscribe"), re.compile(r"(^|/)feeds?(/|$)"))


def is_public(path: str) -> bool:
    return (
        path in PUBLIC_PATHS
        or path.startswith("/static")
        or any(p.search(path) for p in PUBLIC_PATTERNS)
    )


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    role: str | None  # the role it requires; None: it declares none

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    def url(self) -> str:
        # Any value will do: authorization is decided before the value is looked up.
        return re.sub(r"\{([^}:]+)(:[^}]+)?\}", "nothing-here", self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _roles_of(dependant: Any) -> set[str]:
    """The roles required anywhere in a route's dependency tree."""
    found = set()
    for dep in getattr(dependant, "dependencies", ()):
        role = getattr(dep.call, "role", None)
        if isinstance(role, str):
            found.add(role)
        found |= _roles_of(dep)
    return found


def routes_of(app: Any) -> list[Route]:
    from fastapi.routing import APIRoute, iter_route_contexts

    out = []
    for ctx in iter_route_contexts(app.routes):
        original = ctx.original_route
        if not isinstance(original, APIRoute):
            continue  # the /static mount: files, public
        roles = _roles_of(ctx.dependant)
        # The strictest one decides (several are the same check nested).
        role = max(roles, key=ROLES.index) if roles else None
        for method in sorted(ctx.methods or ()):
            if method != "HEAD":
                out.append(Route(ctx.path, method, role))
    return out


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    from veille.workspace import init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("authz")) / "ws")
    tokens = add_role_users(root)
    with serve(root) as server:
        server.tokens = tokens
        yield server


def _call(
    server: Running, route: Route, who: str | None, client: httpx.Client | None = None
) -> httpx.Response:
    """``route`` asked by the user ``who`` (the role's name) or by nobody: the
    API with its token, a page with a fresh session and its CSRF token."""
    headers: dict[str, str] = {}
    if who is not None:
        if route.api:
            headers["Authorization"] = f"Bearer {server.tokens[who]}"
        else:
            from veille.web.deps import SESSION_COOKIE

            session, token = _session(server, who)
            headers["Cookie"] = f"{SESSION_COOKIE}={session}"
            headers["X-CSRF-Token"] = token
    kwargs: dict[str, Any] = {"headers": headers}
    if route.method in ("POST", "PUT", "PATCH"):
        kwargs["json" if route.api else "data"] = {}
    own = client is None
    client = client or httpx.Client(timeout=30)
    try:
        # Streamed, so that a server-sent events route answers its headers and is closed.
        with client.stream(route.method, server.url + route.url(), **kwargs) as response:
            return response
    finally:
        if own:
            client.close()


_SESSIONS: dict[tuple[str, str], tuple[str, str]] = {}


def _session(server: Running, who: str) -> tuple[str, str]:
    """A session of ``who`` and the CSRF token its pages carry (read from the
    settings page's ``<meta name="csrf-token">``, as stream.js reads it)."""
    key = (server.url, who)
    if key not in _SESSIONS:
        from veille.web.deps import SESSION_COOKIE

        session = server.session(who)
        page = httpx.get(server.url + "/settings", cookies={SESSION_COOKIE: session})
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
        assert found, f"no csrf-token meta on /settings for {who}: {page.status_code}"
        _SESSIONS[key] = (session, found.group(1))
    return _SESSIONS[key]


def _expected(route: Route, who: str | None) -> set[str]:
    if route.role is None:
        return {"public"}
    if who is None:
        if route.api:
            return {"401"}
        # A form posted by nobody may be refused by the CSRF check before the login check.
        return {"303 to /login", "403"} if route.method != "GET" else {"303 to /login"}
    if ROLES.index(who) < ROLES.index(route.role):
        return {"403"}
    return {"allowed"}


def _verdict(route: Route, r: httpx.Response) -> str:
    if r.status_code == 303 and r.headers.get("location", "").startswith(("/login", "/setup")):
        return "303 to /login"
    if r.status_code in (401, 403):
        return str(r.status_code)
    return "allowed"


def test_every_route_declares_a_role_or_is_public(running: Running) -> None:
    routes = routes_of(running.app)
    assert any(r.path.startswith("/api/v1/") for r in routes), "the API is not registered"
    undeclared = [str(r) for r in routes if r.role is None and not is_public(r.path)]
    assert not undeclared, (
        "these routes declare no role: give each Depends(require(ROLE)), or add it to "
        f"PUBLIC_PATHS if it is public on purpose: {undeclared}"
    )


def test_every_route_answers_each_role_as_it_declares(running: Running) -> None:
    wrong = []
    client = httpx.Client(timeout=30)  # no cookie jar use: each call sets its own
    for route in routes_of(running.app):
        if route.role is None:
            continue
        for who in (None, *ROLES):
            client.cookies.clear()
            r = _call(running, route, who, client)
            expected, got = _expected(route, who), _verdict(route, r)
            if got not in expected or r.status_code >= 500:
                want = " or ".join(sorted(expected))
                wrong.append(f"{route} as {who or 'nobody'}: {r.status_code}, expected {want}")
    client.close()
    assert not wrong, "\n".join(wrong)


def test_public_routes_answer_nobody_without_a_server_error(running: Running) -> None:
    failed = []
    for route in routes_of(running.app):
        if route.role is None and is_public(route.path):
            r = _call(running, route, None)
            # A form posted without the CSRF token is refused (403), rightly.
            refused = route.method == "GET" and r.status_code in (401, 403)
            if r.status_code >= 500 or refused:
                failed.append(f"{route}: {r.status_code}")
    assert not failed, failed


def test_api_errors_say_what_to_do(running: Running) -> None:
    """401 and 403 from the API are JSON naming the fix, not a login page."""
    with httpx.Client(base_url=running.url) as client:
        r = client.get("/api/v1/topics")
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"
        error = r.json()["error"]
        assert "veille token create" in error["hint"]
        r = client.post(
            "/api/v1/topics",
            json={"name": "x", "query": "x"},
            headers={"Authorization": f"Bearer {running.tokens['viewer']}"},
        )
        assert r.status_code == 403
        assert "analyst" in r.json()["error"]["message"]
        r = client.get("/api/v1/topics", headers={"Authorization": "Bearer vt_revoked-or-made-up"})
        assert r.status_code == 401


def test_a_revoked_token_is_refused(running: Running) -> None:
    from veille.services import tokens
    from veille.workspace import Workspace

    with Workspace.open(running.root) as ws:
        rec, secret = tokens.create_token(ws.state, "admin", "to revoke")
        auth = {"Authorization": f"Bearer {secret}"}
        assert httpx.get(running.url + "/api/v1/topics", headers=auth).status_code == 200
        tokens.revoke_token(ws.state, rec.id)
    assert httpx.get(running.url + "/api/v1/topics", headers=auth).status_code == 401


def test_the_users_page_says_who_answers_in_the_inbox_and_plans_posts(running: Running) -> None:
    """The Users page's roles say what each may do as the routes decide it:
    analysts answer in the inbox and add calendar posts (it gave answering
    to managers), viewers read all but the content calendar."""
    import html

    declared = {(r.method, r.path): r.role for r in routes_of(running.app)}
    assert declared[("POST", "/inbox/{item_id}/reply")] == "analyst"
    assert declared[("POST", "/plan/calendar")] == "analyst"
    assert declared[("GET", "/plan/calendar")] == "analyst"
    assert declared[("POST", "/inbox/rules")] == "manager"
    session, _token = _session(running, "admin")
    from veille.web.deps import SESSION_COOKIE

    page = httpx.get(running.url + "/users", headers={"Cookie": f"{SESSION_COOKIE}={session}"})
    words = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))
    roles = words[words.index("Roles") :]
    analyst = roles[roles.index("analyst") : roles.index("manager")]
    manager = roles[roles.index("manager") : roles.index("admin")]
    viewer = roles[roles.index("viewer") : roles.index("analyst")]
    assert "answers in the inbox" in analyst and "calendar" in analyst, analyst
    assert "answers in the inbox" not in manager, manager
    assert "content calendar" in viewer, viewer
