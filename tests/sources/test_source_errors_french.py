"""Why a source's run failed, read in French from ``veille source health
--language fr``, one family of failure each, against a loopback HTTP server
the test starts: an HTTP 404 and 500, a timeout, a body that is not JSON, a
Mastodon instance answering something that is no timeline, a connection
refused and a TLS handshake with a server that speaks plain HTTP. The words
inside the sentence (Python's ``Expecting value: line 1 column 1 (char
0)``, httpx's ``[Errno 111] Connection refused``, the TLS layer's) stayed
English; a timeline that was no list read ``ValueError: …``."""

from __future__ import annotations

import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from veille.cli import build_app
from veille.config import HttpSettings
from veille.http import HttpClient
from veille.httpserver import LoggingHTTPServer
from veille.pipeline.collect import collect
from veille.services.sources import add_source
from veille.workspace import Workspace, init_workspace

# path -> (status, content type, body)
ANSWERS = {
    "/gone": (404, "text/html", b"<p>not here</p>"),
    "/broken": (500, "text/html", b"<p>oops</p>"),
    "/api/v1/timelines/tag/garbled": (200, "application/json", b"<html>maintenance</html>"),
    "/api/v1/timelines/tag/object": (200, "application/json", b'{"error": "Record not found"}'),
    "/broken.json": (200, "application/feed+json", b"{oops"),
    "/empty.json": (
        200,
        "application/feed+json",
        b'{"version": "https://jsonfeed.org/version/1.1"}',
    ),
}


class Answers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/slow":
            time.sleep(1.0)
        status, ctype, body = ANSWERS.get(path, (200, "text/plain", b"late"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up (the timeout)
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# source name -> (kind, target made from the server's base URL)
SOURCES = {
    "gone": ("feeds", "{base}/gone"),
    "broken": ("feeds", "{base}/broken"),
    "slow": ("feeds", "{base}/slow"),
    "garbled": ("mastodon", "{base}/tags/garbled"),
    "object": ("mastodon", "{base}/tags/object"),
    "json-feed": ("feeds", "{base}/broken.json"),
    "json-empty": ("feeds", "{base}/empty.json"),
    "refused": ("feeds", "http://127.0.0.1:{closed}/feed"),
    "tls": ("feeds", "https://127.0.0.1:{port}/feed"),
}


@pytest.fixture(scope="module")
def failed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, int]]:
    """A workspace whose sources each failed once, its root, the server's
    base URL and the closed port."""
    server = LoggingHTTPServer(("127.0.0.1", 0), Answers, "veille.tests.answers")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = int(server.server_address[1])
    base, closed = f"http://127.0.0.1:{port}", _closed_port()
    root = init_workspace(tmp_path_factory.mktemp("families") / "ws")
    http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0, timeout_seconds=0.3))
    try:
        with Workspace.open(root) as ws:
            for name, (kind, target) in SOURCES.items():
                add_source(ws.state, kind, target.format(base=base, closed=closed, port=port),
                           name=name)  # fmt: skip
            runs = collect(ws, http=http, force=True)
        assert not any(r.ok for r in runs) and len(runs) == len(SOURCES)
        yield root, base, closed
    finally:
        server.shutdown()
        server.server_close()


def _health(root: Path, name: str, *language: str) -> str:
    said = CliRunner().invoke(
        build_app(),
        ["source", "health", name, "--workspace", str(root), *language],
        env={"COLUMNS": "3000"},  # the table whole, not cut to a terminal
    )
    assert said.exit_code == 0, said.output
    return said.output


N = "\u202f"


@pytest.mark.parametrize(
    ("name", "french", "english_left"),
    [
        ("gone", "{base}/gone a répondu HTTP 404", "answered"),
        ("broken", "{base}/broken a répondu HTTP 500", "answered"),
        ("slow", "{base}/slow n’a pas répondu en 0,3 s", "did not answer"),
        (
            "garbled",
            "{base}/api/v1/timelines/tag/garbled?limit=40 n’a pas renvoyé de JSON valide "
            "(une valeur attendue à la ligne 1, colonne 1)",
            "Expecting value",
        ),
        (
            "object",
            "{base}/api/v1/timelines/tag/object a répondu un JSON qui n’est pas un fil "
            "Mastodon (une liste de publications)",
            "ValueError",
        ),
        (
            "json-feed",
            "{base}/broken.json n’est pas un flux lisible (un nom entre guillemets droits "
            "doubles attendu à la ligne 1, colonne 2)",
            "Expecting",
        ),
        (
            "json-empty",
            "{base}/empty.json n’est pas un flux lisible (il ne contient pas de liste "
            "d’éléments)",
            "no items list",
        ),
        (
            "refused",
            "impossible de joindre http://127.0.0.1:{closed}/feed" + N
            + ": la connexion a été refusée",
            "Connection refused",
        ),
        ("tls", "la négociation TLS a échoué (", "SSL"),
    ],
)  # fmt: skip
def test_each_family_of_failure_reads_in_french(
    failed: tuple[Path, str, int], name: str, french: str, english_left: str
) -> None:
    root, base, closed = failed
    said = _health(root, name, "--language", "fr")
    assert french.format(base=base, closed=closed) in said, said
    assert english_left not in said, said
    # In English, as before where nothing was to translate.
    assert name in _health(root, name)


def test_the_english_says_the_same_in_english(failed: tuple[Path, str, int]) -> None:
    root, _base, closed = failed
    assert "(a value expected at line 1, column 1)" in _health(root, "garbled")
    said = _health(root, "refused")
    assert f"cannot reach http://127.0.0.1:{closed}/feed: the connection was refused" in said
    said = _health(root, "object")
    assert "answered JSON that is not a Mastodon timeline (a list of posts)" in said


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the certificate")
def test_a_certificate_that_cannot_be_verified_reads_in_french(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = LoggingHTTPServer(("127.0.0.1", 0), Answers, "veille.tests.self-signed")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}/feed"
    root = init_workspace(tmp_path / "ws")
    try:
        with Workspace.open(root) as ws:
            add_source(ws.state, "feeds", url, name="self-signed")
            http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))
            (run,) = collect(ws, http=http, force=True)
        assert not run.ok
    finally:
        server.shutdown()
        server.server_close()
    said = _health(root, "self-signed", "--language", "fr")
    assert f"impossible de joindre {url}{N}: son certificat TLS n’a pas pu être vérifié (" in said
    assert "CERTIFICATE_VERIFY_FAILED" not in said
