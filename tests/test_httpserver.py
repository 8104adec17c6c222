"""veille's own HTTP servers (the posts endpoint, the simulator, the
ClickHouse test endpoint, and the web app's socket) log a request that
failed instead of printing a traceback on stderr, a client that hung up
being no error, and answer without Nagle's algorithm: an answer written in
parts otherwise waits for the client's delayed ACK (40 ms a call)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest

from veille.httpserver import LoggingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/nodelay":
            on = self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            body = str(on).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == "/bug":
            raise RuntimeError("a handler's bug")
        raise ConnectionResetError(104, "Connection reset by peer")


@pytest.mark.parametrize(("path", "level", "said"), [
    ("/bug", logging.ERROR, "failed"),
    ("/gone", logging.DEBUG, "left mid-request"),
])  # fmt: skip
def test_a_failed_request_goes_to_the_log_not_stderr(
    path: str,
    level: int,
    said: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    server = LoggingHTTPServer(("127.0.0.1", 0), _Handler, "veille.tests.server")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with (
            caplog.at_level(logging.DEBUG, logger="veille.tests.server"),
            pytest.raises(httpx.HTTPError),
        ):
            httpx.get(f"http://127.0.0.1:{server.server_address[1]}{path}", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    records = [r for r in caplog.records if r.name == "veille.tests.server"]
    assert [r.levelno for r in records] == [level] and said in records[0].getMessage()
    assert (records[0].exc_info is not None) == (level == logging.ERROR)
    assert "Exception occurred" not in capfd.readouterr().err


def test_the_standard_servers_answer_without_nagle() -> None:
    server = LoggingHTTPServer(("127.0.0.1", 0), _Handler, "veille.tests.server")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        got = httpx.get(f"http://127.0.0.1:{server.server_address[1]}/nodelay", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert got.text != "0"


def test_the_web_apps_connections_answer_without_nagle() -> None:
    """``veille serve`` binds its own socket for uvicorn; asyncio turns
    Nagle off on the connections it accepts only from a socket named TCP."""
    from veille.web.serve import bind

    async def accept_one() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Protocol(asyncio.Protocol):
            def connection_made(self, transport: Any) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        listening = bind("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Protocol, sock=listening)
        port = listening.getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(accept_one()) != 0
