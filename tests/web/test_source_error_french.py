"""A source's last error reads in the reader's language: a French reader of
/sources reads why each source failed (a 503, a timeout, a page that is not
a feed) in French, an error an older veille kept in English too; the
command line and the API keep the English."""

from __future__ import annotations

import contextlib
import html
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest

from tests.web.conftest import Served, csrf_from
from veille.config import HttpSettings
from veille.http import HttpClient
from veille.httpserver import LoggingHTTPServer
from veille.pipeline.collect import collect
from veille.services.sources import add_source, health
from veille.workspace import Workspace


class Failing(BaseHTTPRequestHandler):
    """/down answers 503, /slow answers after a second, /page is HTML."""

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(1.0)
        status, body = (503, b"busy") if self.path == "/down" else (200, b"<html><p>hi</p></html>")
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up (the timeout)
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def failing_url() -> Iterator[str]:
    server = LoggingHTTPServer(("127.0.0.1", 0), Failing, "veille.tests.failing")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def collect_failing(root: Any, base: str) -> None:
    """Three feeds that fail, collected once over real HTTP, and one source
    whose last error an older veille kept as an English sentence."""
    with Workspace.open(root) as ws:
        for name in ("down", "slow", "page"):
            add_source(ws.state, "feeds", f"{base}/{name}", name=f"f-{name}")
        add_source(ws.state, "feeds", f"{base}/old", name="f-old")
        http = HttpClient(
            HttpSettings(allow_private_networks=True, max_retries=0, timeout_seconds=0.3)
        )
        runs = collect(ws, names=["f-down", "f-slow", "f-page"], http=http)
        assert [r.ok for r in runs] == [False, False, False]
        (old,) = collect(ws, names=["f-old"], http=http, force=True)
        assert not old.ok
        with ws.state.transaction() as tx:  # as an older veille kept it
            tx.record_failure(
                "f-old", datetime.now(UTC), error=f"{base}/old answered HTTP 502",
                failures=1, new_posts=0, next_due=datetime.now(UTC),
            )  # fmt: skip


def test_a_french_reader_reads_why_sources_failed(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    failing_url: str,
) -> None:  # fmt: skip
    collect_failing(live_server.root, failing_url)
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    page = html.unescape(client.get("/sources").text)
    base = failing_url
    assert f"{base}/down a répondu HTTP 503" in page
    assert f"{base}/slow n’a pas répondu en 0,3 s" in page
    assert f"{base}/page n’est pas un flux lisible (" in page
    assert f"{base}/old a répondu HTTP 502" in page
    assert "answered HTTP" not in page and "did not answer" not in page
    assert "not a readable feed" not in page
    # The search box finds a source by its error's words as the page says them.
    found = html.unescape(client.get("/sources", params={"q": "répondu 503"}).text)
    assert f"{base}/down a répondu HTTP 503" in found and "f-slow" not in found
    # The command line speaks English, as before.
    with Workspace.open(live_server.root) as ws:
        errors = {h.source: str(h.last_error) for h in health(ws.state)}
    assert errors["f-down"] == f"{base}/down answered HTTP 503"
    assert errors["f-slow"] == f"{base}/slow did not answer within 0.3 s"
    assert errors["f-old"] == f"{base}/old answered HTTP 502"
    # Testing a source now says its refusal (the workspace keeps off private
    # networks) and what to do in French too.
    token = csrf_from(client.get("/sources").text)
    tested = html.unescape(client.post("/sources/f-down/test", data={"csrf_token": token}).text)
    assert f"{base}/down refusée\u202f: 127.0.0.1 est une adresse de bouclage" in tested
    assert "veille n’envoie rien aux réseaux privés" in tested
    assert "refused" not in tested and "does not send" not in tested
    # So does the API, whatever the reader's language.
    answer = client.get("/api/v1/sources/f-down/health", headers={"Accept-Language": "fr"})
    assert answer.json()["last_error"] == f"{base}/down answered HTTP 503"
    client.cookies.set("veille_lang", "en")
    page = html.unescape(client.get("/sources").text)
    assert f"{base}/down answered HTTP 503" in page
    assert f"{base}/page is not a readable feed (" in page
