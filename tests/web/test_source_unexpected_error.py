"""A source that fails on an error nobody meant it to raise (a plugin's bug,
a KeyError in its parser) says so in the reader's language, with what
happens next and what to do: it was stored and shown as Python's words
(``KeyError: 'x'``), in English on a French page too, and nobody was told
what to do. Its traceback is logged once, not at every pass."""

from __future__ import annotations

import html
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from tests.plugins import source_plugin
from tests.web.conftest import Served
from veille.cli import build_app
from veille.config import HttpSettings
from veille.http import HttpClient
from veille.httpserver import LoggingHTTPServer
from veille.pipeline.collect import collect
from veille.services.sources import add_source
from veille.workspace import Workspace

# A third-party source whose parser expects a field the service left out.
PLUGIN = """
from dataclasses import dataclass
from veille.sources.base import Batch, Source


@dataclass(frozen=True)
class BrittleConfig:
    url: str = ""


class BrittleSource(Source):
    name = "brittle"
    platform = "web"
    Config = BrittleConfig

    def config_from_target(self, target, options):
        return BrittleConfig(url=target)

    def collect(self, config, cursor, http):
        body = {} if config.url == "offline" else http.get(config.url).json()
        yield Batch(items=body["x"], cursor={})

    def to_post(self, raw, config):
        raise AssertionError("never reached")
"""

ENGLISH = (
    "the source failed on an unexpected error (KeyError: 'x'); it is retried at the "
    "next pass; if it persists, report it with the log"
)
FRENCH = (
    "la source a échoué sur une erreur inattendue (KeyError\u202f: 'x')\u202f; elle est "
    "réessayée au prochain passage\u202f; si l’erreur persiste, signalez-la avec le journal"
)


class Answers(BaseHTTPRequestHandler):
    """Answers ``{}``: valid JSON without the field the plugin reads."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def brittle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The plugin installed the way pip would (an entry point in
    ``veille.sources``), and the URL of a loopback server it reads."""
    with source_plugin(tmp_path / "site", monkeypatch, "brittle", "BrittleSource", PLUGIN):
        server = LoggingHTTPServer(("127.0.0.1", 0), Answers, "veille.tests.brittle")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/items"
        finally:
            server.shutdown()
            server.server_close()


def test_an_unexpected_error_is_said_in_the_readers_language_with_what_to_do(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    brittle: str, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "brittle", brittle, name="brittle-one")
        with caplog.at_level(logging.ERROR, logger="veille.collect"):
            for _ in range(3):  # the pass after, and the one after that
                (run,) = collect(ws, names=["brittle-one"], http=http, force=True)
                assert not run.ok
    assert str(run.error) == ENGLISH
    # The traceback is logged once; the passes after say it goes on.
    mine = [r for r in caplog.records if "brittle-one" in r.getMessage()]
    assert len(mine) == 3
    assert [r.exc_info is not None for r in mine] == [True, False, False]
    assert "report it with this traceback" in mine[0].getMessage()
    assert "3 times in a row" in mine[2].getMessage()

    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    page = html.unescape(client.get("/sources").text)
    assert FRENCH in page
    assert "unexpected error" not in page
    client.cookies.set("veille_lang", "en")
    assert ENGLISH in html.unescape(client.get("/sources").text)

    app = build_app()
    where = ["--workspace", str(live_server.root)]
    wide = {"COLUMNS": "2000"}  # the table whole, not cut to a terminal
    said = CliRunner().invoke(
        app, ["source", "health", "brittle-one", *where, "--language", "fr"], env=wide
    )
    assert said.exit_code == 0, said.output
    assert "erreur inattendue" in said.output and "réessayée au prochain" in said.output
    assert "unexpected error" not in said.output
    said = CliRunner().invoke(app, ["source", "health", "brittle-one", *where], env=wide)
    assert said.exit_code == 0, said.output
    assert "unexpected error" in said.output and "inattendue" not in said.output


def test_testing_a_source_that_fails_unexpectedly_says_so(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    brittle: str, tmp_path: Path,
) -> None:  # fmt: skip
    """Test now answered a 500 page, and ``veille source test`` a
    traceback, for a source whose parser raised a KeyError."""
    from tests.web.conftest import csrf_from

    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "brittle", "offline", name="brittle-two")
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/sources").text)
    tested = client.post("/sources/brittle-two/test", data={"csrf_token": token})
    assert tested.status_code == 200, tested.status_code
    assert FRENCH in html.unescape(tested.text)
    said = CliRunner().invoke(
        build_app(), ["source", "test", "brittle-two", "--workspace", str(live_server.root)]
    )
    assert said.exit_code == 1, said.output
    assert "unexpected error (KeyError: 'x')" in said.output
    assert "Traceback" not in said.output
    # As a user runs it: a process of its own, where no log is set up and
    # Python's last-resort handler prints an error's traceback on stderr.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), *sys.path])}
    ran = subprocess.run(
        [sys.executable, "-m", "veille", "source", "test", "brittle-two",
         "--workspace", str(live_server.root)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 1, ran.stderr
    assert "unexpected error (KeyError: 'x')" in ran.stdout + ran.stderr
    assert "Traceback" not in ran.stdout + ran.stderr, ran.stderr
