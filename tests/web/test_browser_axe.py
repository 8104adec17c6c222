"""axe-core on every page, in English and in French: no serious or critical
accessibility violation.

The pages are the app's own: every GET route that answers HTML, read from
``create_app`` (a page added tomorrow is checked too), the ones with a path
parameter opened on a topic, an alert and a post the fixture stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import (
    axe_violations,
    browser_fixture,  # noqa: F401 (registers the browser fixture)
    needs_chromium,
    with_axe,
)
from tests.web.server import Running, add_role_users, serve, store_listening_posts
from tests.web.test_authz import routes_of

pytestmark = [pytest.mark.browser, needs_chromium]

# Values for the path parameters of pages (what the fixture stores).
PATH_VALUES = {
    "name": "lyon",  # a topic, an alert and... whatever else is named
    "post_id": "mastodon:lyon0",
    "username": "viewer",
}
# Pages that are not pages: streams, downloads, feeds, JSON, forms' targets.
NOT_PAGES = ("/stream/events", "/stream/export", "/reports/download", "/healthz", "/api/")
# Pages only a signed-out browser sees (a signed-in one is sent on).
SIGNED_OUT = ("/login",)


def _fill(path: str) -> str | None:
    import re

    missing = []

    def value(m: Any) -> str:
        name = m.group(1)
        if name not in PATH_VALUES:
            missing.append(name)
            return ""
        return str(PATH_VALUES[name])

    filled = re.sub(r"\{([^}:]+)(:[^}]+)?\}", value, path)
    return None if missing else filled


def pages(app: Any) -> list[str]:
    from fastapi.responses import HTMLResponse

    found = []
    for route in routes_of(app):
        if route.method != "GET" or route.path.startswith(NOT_PAGES):
            continue
        if "unsubscribe" in route.path or route.path.startswith("/feeds"):
            continue  # reached from an e-mail with a secret; checked by their own tests
        ctx_class = _response_class(app, route.path)
        if ctx_class is not None and not issubclass(ctx_class, HTMLResponse):
            continue
        filled = _fill(route.path)
        if filled is not None and filled not in found:
            found.append(filled)
    return found


def _response_class(app: Any, path: str) -> Any:
    from fastapi.routing import iter_route_contexts

    for ctx in iter_route_contexts(app.routes):
        if ctx.path == path and "GET" in (ctx.methods or ()):
            cls = getattr(ctx, "response_class", None)
            return getattr(cls, "value", cls)  # DefaultPlaceholder holds the class
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    from veille.query.topics import add_topic
    from veille.services import alerts
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("axe")) / "ws")
    store_listening_posts(root)
    tokens = add_role_users(root)
    with Workspace.open(root) as ws:
        add_topic(ws.store, "lyon", "lumio AND lyon")
        alerts.add_alert(ws, alerts.AlertSpec(to="atom:lyon", topic="lyon", name="lyon"))
        # Guidelines with rules: the guidelines page lists them.
        from veille.plan.people import set_guidelines

        rules = '+++\nforbidden_words = ["free"]\nrequired_hashtags = ["Lumio"]\n+++\n'
        set_guidelines(ws.state, rules + "# Be kind", rules + "# Soyez aimables")
    with serve(root) as server:
        server.tokens = tokens
        yield server


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_serious_or_critical_violation_on_any_page(
    site: Running, browser: Any, lang: str
) -> None:
    from veille.web.deps import SESSION_COOKIE

    host = site.url.split("//", 1)[1].split(":")[0]
    locale = "fr-FR" if lang == "fr" else "en-GB"
    found: list[str] = []
    checked = 0
    for signed_in in (True, False):
        context = with_axe(
            browser.new_context(locale=locale, extra_http_headers={"Accept-Language": lang})
        )
        if signed_in:
            cookie = {"name": SESSION_COOKIE, "value": site.session("admin")}
            context.add_cookies([{**cookie, "domain": host, "path": "/"}])
        page = context.new_page()
        try:
            for path in pages(site.app) if signed_in else list(SIGNED_OUT):
                if signed_in and path in SIGNED_OUT:
                    continue
                response = page.goto(site.url + path)
                status = response.status if response else 0
                assert status < 500, f"{path}: HTTP {status}"
                if status == 404:
                    continue  # a page whose sample value does not exist here
                if "<html" not in (response.text() if response else "")[:500].lower():
                    continue  # a fragment a page fetches (a preview), not a page
                assert page.locator("html").get_attribute("lang") == lang, path
                checked += 1
                found += [f"{path} [{lang}]: {v}" for v in axe_violations(page)]
        finally:
            context.close()
    assert checked >= 3
    assert not found, "\n".join(found)
