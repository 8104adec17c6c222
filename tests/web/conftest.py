"""The web app served for real: uvicorn on 127.0.0.1 (a port the system
chooses) on a thread, over a small workspace with one user of every role;
clients are httpx over loopback.

Helpers for every area's tests::

    def test_something(live_server, client, login):
        login(client, "analyst")            # signed in as the analyst user
        page = client.get("/topics")
        token = csrf_from(page.text)        # the form's CSRF token
        client.post("/topics", data={"csrf_token": token, ...})
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.browser import run_on_driver_thread
from tests.web.server import add_test_user, served_here, session_for
from veille.services import users
from veille.web.app import create_app
from veille.web.serve import LiveServer
from veille.workspace import CONFIG_NAME, Workspace, init_workspace

ROLES = users.ROLES  # viewer < analyst < manager < admin
_CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """The browser tests run on Playwright's thread, so that its event loop
    is never left running on the main thread (see ``tests/web/browser.py``)."""
    return run_on_driver_thread(item, nextitem)


def password_for(username: str) -> str:
    """The test users' passwords (the username, then a fixed suffix)."""
    return f"{username}-secret-pass"


def csrf_from(html: str) -> str:
    """The CSRF token a rendered page carries (a form's hidden field, or the
    ``csrf-token`` meta tag of base.html)."""
    found = _CSRF.search(html) or _META.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


@dataclass
class Served:
    """A running app: its base ``url``, workspace ``root`` and ``app``."""

    url: str
    root: Path
    app: Any

    def workspace(self) -> Workspace:
        """The same workspace, opened from the test (for checks and set-up)."""
        return Workspace.open(self.root)


def serve(root: Path) -> tuple[Served, LiveServer]:
    app = create_app(root)
    server = LiveServer(app).start()
    served_here(server.url, root, server)
    return Served(server.url, root, app), server


def add_role_users(root: Path) -> None:
    with Workspace.open(root) as ws:
        for role in ROLES:
            add_test_user(ws.state, role, password_for(role), role)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app over a workspace holding the users ``viewer``, ``analyst``,
    ``manager`` and ``admin`` (each with that role; see :func:`password_for`).
    Shared by the tests of a module."""
    root = init_workspace(tmp_path_factory.mktemp("web") / "ws")
    add_role_users(root)
    served, server = serve(root)
    try:
        yield served
    finally:
        server.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Served]:
    """As :func:`live_server` (the four role users), over a workspace of
    the test's own: for a test that changes what the others read."""
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    served, server = serve(root)
    try:
        yield served
    finally:
        server.stop()


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[Served]:
    """The app over an empty workspace (no account yet: the first-run page)."""
    root = init_workspace(tmp_path / "ws")
    served, server = serve(root)
    try:
        yield served
    finally:
        server.stop()


@pytest.fixture
def client(live_server: Served) -> Iterator[httpx.Client]:
    """An httpx client of the live server that does not follow redirects."""
    with httpx.Client(base_url=live_server.url, timeout=30) as c:
        yield c


def do_login(client: httpx.Client, username: str, password: str | None = None) -> httpx.Response:
    """Sign ``client`` in through the login form (the response of the POST)."""
    page = client.get("/login")
    token = csrf_from(page.text)
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password if password is not None else password_for(username),
            "csrf_token": token,
        },
    )


def page_as(served: Served, path: str, role: str, lang: str) -> str:
    """The markup of ``path`` as the test user ``role`` reads it in ``lang``
    (signed in through the login form; the page must answer 200)."""
    with httpx.Client(base_url=served.url, timeout=60, cookies={"veille_lang": lang}) as client:
        do_login(client, role)
        page = client.get(path)
    assert page.status_code == 200, page.text[:2000]
    return page.text


def name_organization(root: Path) -> None:
    """The workspace's organization: lumio the brand (``brand_topic``),
    vexa and orbita its competitors (``competitor_topics``)."""
    path = root / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    for key, value in {
        "brand_topic": '"lumio"',
        "competitor_topics": '["vexa", "orbita"]',
    }.items():
        text = re.sub(rf"(?m)^# {key} = .*$", f"{key} = {value}", text, count=1)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def login() -> Callable[..., httpx.Response | None]:
    """``login(client, "analyst")`` signs the client in as that test user.

    With the test password, the session is made by the service the login
    form calls (``users.start_session``) and set as the form's cookie is:
    the form's own work, an argon2 check (0.2 s of CPU each, by design), is
    what most tests only pass through; the form is tested by test_auth and
    the browser journeys (``do_login``). With a ``password`` given (the test
    is about that password), or on an app these helpers do not serve, it
    goes through the form and returns its answer."""

    def sign_in(
        client: httpx.Client, username: str, password: str | None = None
    ) -> httpx.Response | None:
        if password is None:
            raw = session_for(str(client.base_url), username)
            if raw is not None:
                from veille.web.deps import SESSION_COOKIE

                client.cookies.set(SESSION_COOKIE, raw, domain=client.base_url.host, path="/")
                return None
        response = do_login(client, username, password)
        assert response.status_code == 303, response.text
        return response

    return sign_in
