"""Screenshots of the main pages in English and French, for the docs.

    python -m tests.web.screenshots            # writes docs/img/*.jpg

A workspace of the simulator's recent posts, the brand's and competitors'
topics and an alert, served on 127.0.0.1 and photographed by Debian's
chromium (the same setup as the browser tests).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.web.browser import ARGS, CHROMIUM
from tests.web.server import add_role_users, serve, store_listening_posts

PAGES = {
    "dashboard": "/",
    "stream": "/stream?q=lumio",
    "topic": "/topics/lumio",
    "alert": "/alerts/lumio-outages",
    "sources": "/sources",
    "influencers": "/influencers",
    "api-docs": "/api/docs",
}


def build(root: Path) -> None:
    from veille.query.topics import add_topic
    from veille.services import alerts, sources
    from veille.workspace import Workspace, init_workspace

    init_workspace(root)
    config = root / "veille.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "[organization]\n",
            '[organization]\nbrand_topic = "lumio"\ncompetitor_topics = ["vexa", "orbita"]\n',
            1,
        ),
        encoding="utf-8",
    )
    store_listening_posts(root, 1200)
    add_role_users(root)
    with Workspace.open(root) as ws:
        for name in ("lumio", "vexa", "orbita"):
            add_topic(ws.store, name, name)
        alerts.add_alert(
            ws,
            alerts.AlertSpec(
                to="mailto:team@example.org", query="lumio AND (panne OR outage)",
                name="lumio-outages",
            ),
        )  # fmt: skip
        sources.add_source(ws.state, "feeds", "https://example.org/blog/feed.xml", name="blog")
        sources.add_source(
            ws.state, "mastodon", "tag:lumio@mastodon.example", name="mastodon-lumio"
        )


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    from veille.web.deps import SESSION_COOKIE

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="veille-shots-") as tmp:
        root = Path(tmp) / "ws"
        build(root)
        with serve(root) as site, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            host = site.url.split("//", 1)[1].split(":")[0]
            for lang in ("en", "fr"):
                context = browser.new_context(
                    locale="fr-FR" if lang == "fr" else "en-GB",
                    extra_http_headers={"Accept-Language": lang},
                    viewport={"width": 1280, "height": 860},
                )
                cookie = {"name": SESSION_COOKIE, "value": site.session("admin")}
                context.add_cookies([{**cookie, "domain": host, "path": "/"}])
                page = context.new_page()
                for name, path in PAGES.items():
                    response = page.goto(site.url + path)
                    if response is None or response.status != 200:
                        print(f"skipped {path}: HTTP {response.status if response else '?'}")
                        continue
                    page.wait_for_load_state("networkidle")
                    target = out / f"{name}-{lang}.jpg"
                    page.screenshot(path=str(target), type="jpeg", quality=80)
                    print(f"wrote {target}")
                context.close()
            browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/img"))
