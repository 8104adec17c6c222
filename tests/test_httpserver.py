"""veille's own HTTP servers (the posts endpoint, the simulator, the
ClickHouse test endpoint) log a request that failed instead of printing a
traceback on stderr; a client that hung up is not an error."""

from __future__ import annotations

import logging
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
