"""The HTTP servers veille runs itself (the posts endpoint, the platform
simulator, the ClickHouse test endpoint): the standard library's threading
server, whose request errors go to the log instead of stderr.

The standard server prints a traceback on stderr for any exception a
request raises, a client that hung up mid-answer included; in a daemon that
is noise without a time, and in a test run it lands between other tests'
output. Here a client that left is a DEBUG line and anything else an ERROR
with its traceback, under the logger of the server's module."""

from __future__ import annotations

import logging
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoggingHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server (daemon threads) that logs its request errors
    to ``logger`` (a name)."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], logger: str
    ) -> None:
        self.log = logging.getLogger(logger)
        super().__init__(address, handler)

    def get_request(self) -> tuple[Any, Any]:
        """An accepted connection, with Nagle's algorithm off: an answer is
        written in parts (headers, then the body or its chunks), and each
        part after the first otherwise waited for the client's delayed ACK,
        40 ms on every call (a served-posts count took 44 ms, now under 1)."""
        conn, address = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):  # the client hung up: nothing to answer
            self.log.debug("a client at %s left mid-request: %s", client_address, error)
            return
        self.log.error("a request from %s failed", client_address, exc_info=True)
