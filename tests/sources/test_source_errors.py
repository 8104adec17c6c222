"""Why a source's run failed, kept as its last error to be said in each
reader's language: the HTTP client's and the sources' sentences, errors an
older veille kept in English, and both state backends."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import init_state_workspace

from veille.config import HttpSettings
from veille.errors import Text, tr, translated
from veille.http import HttpClient
from veille.httperrors import HttpStatusError
from veille.httpserver import LoggingHTTPServer
from veille.pipeline.collect import collect
from veille.services.sources import add_source, health
from veille.sources.base import SOURCE_ERRORS, restored_source_error
from veille.web.i18n import load_translations
from veille.workspace import Workspace

SRC = Path(__file__).parents[2] / "src" / "veille"


def test_each_sentence_is_made_where_it_is_raised_and_has_its_french() -> None:
    made = " ".join(
        p.read_text(encoding="utf-8")
        for p in [
            SRC / "http.py",
            SRC / "httperrors.py",
            SRC / "netguard.py",
            *(SRC / "sources").glob("*.py"),
        ]
    )
    french = load_translations()["fr"]
    for template in SOURCE_ERRORS:
        assert re.search(rf'tr\(\s*"{re.escape(template)}"', made), template
        assert french.gettext(template) != template, template


def test_errors_kept_in_english_read_back_into_their_sentence() -> None:
    french = load_translations()["fr"]
    for template in SOURCE_ERRORS:
        names = re.findall(r"%\((\w+)\)[sr]", template)
        said = tr(template, **{n: f"v-{n}" for n in names})
        back = restored_source_error(str(said))
        assert isinstance(back, Text) and back == said and back.template == template
    # What no sentence fits (a service's own words) is shown as it is.
    assert restored_source_error("KeyError: 'id'") == "KeyError: 'id'"
    old = restored_source_error("https://e.example/f answered HTTP 503")
    assert translated(old, french.gettext, "fr") == "https://e.example/f a répondu HTTP 503"


def test_the_url_in_a_sentence_is_masked() -> None:
    url = "https://user:s3cret@e.example/feed?token=abc123"
    exc = HttpStatusError(tr("%(url)s answered HTTP %(status)s", url=url, status=401),
                          url=url, status=401)  # fmt: skip
    french = load_translations()["fr"]
    assert isinstance(exc.message, Text) and "s3cret" not in exc.message
    assert "s3cret" not in translated(exc.message, french.gettext, "fr")
    assert "abc123" not in translated(exc.message, french.gettext, "fr")


class Down(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def down_url() -> Iterator[str]:
    server = LoggingHTTPServer(("127.0.0.1", 0), Down, "veille.tests.down")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed"
    server.shutdown()
    server.server_close()


def test_a_source_error_is_kept_whole_by_each_backend(
    tmp_path: Path, state_kind: str, down_url: str
) -> None:
    root = init_state_workspace(tmp_path / "ws", state_kind)
    french = load_translations()["fr"]
    with Workspace.open(root) as ws:
        add_source(ws.state, "feeds", down_url, name="a")
        add_source(ws.state, "feeds", "https://e.example/old", name="b")
        http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))
        (run,) = collect(ws, names=["a"], http=http)
        assert not run.ok and run.error == f"{down_url} answered HTTP 503"
        with ws.state.transaction() as tx:  # as an older veille kept it
            tx.record_failure("b", datetime.now(UTC), error="https://e.example/old has no host",
                              failures=1, new_posts=0, next_due=datetime.now(UTC))  # fmt: skip
        errors = {h.source: h.last_error for h in health(ws.state)}
    assert str(errors["a"]) == f"{down_url} answered HTTP 503"
    assert translated(errors["a"] or "", french.gettext, "fr") == f"{down_url} a répondu HTTP 503"
    assert translated(errors["b"] or "", french.gettext, "fr") == (
        "https://e.example/old n’a pas d’hôte"
    )
