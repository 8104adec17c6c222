"""Posts carrying injection payloads in their text, title, author name and
URLs, on every page that shows posts: no script runs, no dialog opens, no
Content-Security-Policy violation is reported, and no payload becomes an
element, an event handler, a ``javascript:`` link or an evaluated template.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.web.browser import (
    WatchedPage,
    browser_fixture,  # noqa: F401 (registers the browser fixture)
    needs_chromium,
    watched_fixture,  # noqa: F401 (registers the watched fixture)
)
from tests.web.server import Running, add_role_users, has_route, serve
from tests.web.xss_corpus import EVALUATED, PAYLOADS, URLS

pytestmark = [pytest.mark.browser, needs_chromium]

# Pages that show stored posts, their authors or what a query matched.
PAGES = (
    "/",
    "/stream",
    "/stream?q=xsstest",
    "/stream?q=" + quote('xsstest "<script>"'),
    "/influencers",
    "/influencers?q=xsstest",
    "/trends",
    "/topics/xss",
    "/alerts/xss",
    "/alerts",
    "/posts/mastodon%3Axss0",
    "/inbox",
    "/plan",
    # Today's surfaces: the inbox's topic filter and an item with a failed
    # reply ("Send again"), the plan's audience column and capacity form, the
    # pickers past 30 topics (a <datalist>), a skipped row's reason.
    "/inbox?topic=xss",
    "/inbox?topic=" + quote('"><script>alert(60)</script>'),
    "/inbox/1",
    "/inbox/views",
    "/plan/edit",
    "/stream?topic=" + quote('"><svg onload=alert(61)>'),
    "/reports",
    "/stream?q=" + quote('title:(xsstest OR "<script>alert(62)</script>")'),
    "/stream?q=" + quote("lang:xss<img src=x onerror=alert(63)>,en"),
    "/stream?q=" + quote("xsstest<svg/onload=alert(64)>~2"),
)

# Run in the page after it loaded: whatever an injected payload would leave.
_SCAN = """
() => {
  const found = [];
  if (window.__xss) found.push('window.__xss was set');
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = (attr.value || '').replace(/[\\s\\u0000-\\u001f]+/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(`${el.tagName} has ${name}=${attr.value}`);
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc'].includes(name)
          && (value.startsWith('javascript:') || value.startsWith('vbscript:')
              || value.startsWith('data:text/html') || name === 'srcdoc')) {
        found.push(`${el.tagName} ${name}=${attr.value}`);
      }
    }
    const tag = el.tagName.toLowerCase();
    if (tag === 'script' && !(el.getAttribute('src') || '').startsWith('/static/')) {
      found.push('a script element: ' + el.outerHTML.slice(0, 120));
    }
    if (['iframe', 'object', 'embed', 'base', 'frame', 'frameset'].includes(tag)) {
      found.push('an element that should not be there: ' + el.outerHTML.slice(0, 120));
    }
    if (tag === 'meta' && (el.getAttribute('http-equiv') || '').toLowerCase() === 'refresh') {
      found.push('a meta refresh: ' + el.outerHTML.slice(0, 120));
    }
  }
  return found;
}
"""


def _posts() -> list:  # type: ignore[type-arg]
    """One post per payload, the payload in its text, title and author name,
    and the dangerous URLs as its address and its author's."""
    from veille.models import Author, Engagement, Post

    now = datetime.now(UTC).replace(microsecond=0)
    posts = []
    for i, payload in enumerate(PAYLOADS):
        bad_url = URLS[i % len(URLS)]
        posts.append(
            Post.create(
                platform="mastodon",
                native_id=f"xss{i}",
                text=f"xsstest lumio {payload} #xsstest",
                title=f"xsstest {payload}",
                published_at=now - timedelta(minutes=10 + i),
                author=Author(
                    handle=f"xss{i}",
                    name=payload,
                    url=bad_url,
                    followers=1000 + i,
                ),
                url=bad_url,
                lang="en",
                engagement=Engagement(likes=i, shares=i, replies=i),
                links=(bad_url, "https://example.org/ok"),
                hashtags=("xsstest",),
            )
        )
    return posts


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    from veille.inbox.items import list_items
    from veille.inbox.model import ItemFilter
    from veille.pipeline.ingest import build_pipeline
    from veille.query.topics import add_topic
    from veille.services import alerts
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("xss")) / "ws")
    config = root / "veille.toml"
    # The dashboard shows the brand topic: make it the one full of payloads.
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "[organization]\n", '[organization]\nbrand_topic = "xss"\n', 1
        ),
        encoding="utf-8",
    )
    tokens = add_role_users(root)
    with Workspace.open(root) as ws:
        # Flagged for the inbox: each payload post is an item there too.
        add_topic(ws.store, "xss", "xsstest", inbox=True)
        build_pipeline(ws, skip=("enrich",)).ingest(_posts())
        for i in range(31):  # past 30 topics, the pickers are a field with a <datalist>
            add_topic(ws.store, f"xss-many-{i}", f"xsstest{i}")
        alerts.add_alert(
            ws, alerts.AlertSpec(to="atom:xss", topic="xss", name="xss", every="daily")
        )
        # A failed reply (the item page offers "Send again") made of payloads.
        first = min(i.id for i in list_items(ws.state, ItemFilter(limit=200)))
        now = int(datetime.now(UTC).timestamp())
        reply = ws.state.add_inbox_reply(first, "analyst", "xsstest " + PAYLOADS[0], "sending", now)
        ws.state.finish_inbox_reply(reply, status="failed", at=now, error=PAYLOADS[8])
        # A sent one whose platform answered with a script for its address.
        sent = ws.state.add_inbox_reply(first, "analyst", "xsstest sent", "sending", now)
        ws.state.finish_inbox_reply(sent, status="sent", at=now, remote_url=URLS[0])
    with serve(root) as server:
        server.tokens = tokens
        yield server


def test_no_payload_runs_on_any_page(site: Running, watched: WatchedPage) -> None:
    from veille.web.deps import SESSION_COOKIE

    host = site.url.split("//", 1)[1].split(":")[0]
    watched.context.add_cookies(
        [{"name": SESSION_COOKIE, "value": site.session("admin"), "domain": host, "path": "/"}]
    )
    page = watched.page
    problems: list[str] = []
    shown = 0
    seen: dict[str, str] = {}
    for path in PAGES:
        watched.incidents.clear()
        response = page.goto(site.url + path)
        status = response.status if response else 0
        template = "/posts/{post_id:path}" if path.startswith("/posts/") else path
        template = {
            "/topics/xss": "/topics/{name}",
            "/alerts/xss": "/alerts/{name}",
            "/inbox/1": "/inbox/{item_id}",
        }.get(template, template.split("?")[0])
        if status == 404 and not has_route(site.app, template):
            continue  # an area that has not landed in this build
        # 400 or 404: a refused query or a topic that is none, the page again
        # with its error shown (the payload in it, scanned like any other).
        assert status in (200, 400, 404), f"{path}: HTTP {status}"
        watched.settle()  # let any deferred payload (focus, toggle, a fetch) fire
        found = [str(x) for x in page.evaluate(_SCAN)]
        found += [f"dialog {d}" for d in watched.incidents.dialogs]
        found += [f"CSP {c}" for c in watched.incidents.csp + watched.csp_reports()]
        if EVALUATED in page.content():
            found.append(f"a template expression was evaluated ({EVALUATED})")
        if "xsstest" in page.content():
            shown += 1
        seen[path] = page.content()
        problems += [f"{path}: {f}" for f in found]
    assert not problems, "\n".join(problems)
    assert shown >= 5, "the pages did not show the payload posts, so the test proved nothing"
    # The new surfaces were there to attack: items of the topic, a reply to send again, a datalist.
    if has_route(site.app, "/inbox/{item_id}"):
        assert seen["/inbox?topic=xss"].count('name="ids"') >= 5
        assert "/retry" in seen["/inbox/1"], seen["/inbox/1"][-6000:]
    assert "<datalist" in seen["/stream?topic=" + quote('"><svg onload=alert(61)>')]
