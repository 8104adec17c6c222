"""The quarantine's errors read in the reader's language: a French reader of
/sources reads why each item is there in French, those quarantined by an
older veille (kept as English sentences) too."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest

from tests.web.conftest import Served
from veille.config import HttpSettings
from veille.http import HttpClient
from veille.httpserver import LoggingHTTPServer
from veille.pipeline.collect import collect
from veille.services.sources import add_source, quarantined
from veille.workspace import Workspace

FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>'
    "<item><title>Lumio</title><link>https://e.example/1</link>"
    "<pubDate>Fri, 30 Oct 2026 03:45:00 GMT</pubDate></item>"
    # Neither a title nor any text: quarantined.
    "<item><guid>urn:empty:2</guid><pubDate>Fri, 30 Oct 2026 04:00:00 GMT</pubDate></item>"
    "</channel></rss>"
)


@pytest.fixture
def feed_url() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = FEED.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = LoggingHTTPServer(("127.0.0.1", 0), Handler, "veille.tests.feed")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed"
    server.shutdown()
    server.server_close()


def test_a_french_reader_reads_why_items_are_in_quarantine(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    feed_url: str,
) -> None:  # fmt: skip
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "feeds", feed_url, name="lumio-feed")
        http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))
        (run,) = collect(ws, names=["lumio-feed"], http=http)
        assert run.ok and run.quarantined == 1
        # Two rows as an older veille kept them: English sentences.
        with ws.state.transaction() as tx:
            tx.quarantine(
                "lumio-feed",
                [("SourceError: page https://e.example/old has no date", {"url": "old"}),
                 ("KeyError: 'id'", {"n": 1})],
                datetime.now(UTC), ["old-1", "old-2"],
            )  # fmt: skip
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    page = html.unescape(client.get("/sources").text)
    assert "l’entrée «\u202furn:empty:2\u202f» n’a ni titre ni texte" in page
    assert "la page https://e.example/old n’a pas de date" in page
    assert "l’élément n’a pas pu être lu (KeyError: 'id')" in page
    assert "has neither a title" not in page and "has no date" not in page
    assert "SourceError" not in page
    with Workspace.open(live_server.root) as ws:
        # The command line speaks English, as before (without the class name).
        errors = sorted(str(q.error) for q in quarantined(ws.state))
    assert errors == [
        "entry 'urn:empty:2' has neither a title nor any text",
        "page https://e.example/old has no date",
        "the item could not be read (KeyError: 'id')",
    ]
    client.cookies.set("veille_lang", "en")
    page = html.unescape(client.get("/sources").text)
    assert "entry 'urn:empty:2' has neither a title nor any text" in page
