"""One deadline for the whole of a request, its headers included.

httpx's timeouts hold for each read or write, not for the request: a server
that sends its status line and then one header line a second (a slowloris)
is never late on any read, and held a request, the source it belonged to and
the collection round waiting for it, for as long as it liked (hours: httpx
reads up to 64 KB of headers). :class:`Deadlines` holds the deadline of the
request each thread is sending; the network backend given to httpx's pool
cuts every read and write to the time left, and a read past it fails as a
read timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from ssl import SSLContext
from typing import Any

import httpcore
import httpx


class Deadlines:
    """The deadline (``time.monotonic()``) of the request each thread sends."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextmanager
    def after(self, seconds: float) -> Iterator[None]:
        """The requests this thread sends in the block end ``seconds`` from now."""
        self._local.when = time.monotonic() + seconds
        try:
            yield
        finally:
            self._local.when = None

    def cut(self, timeout: float | None, late: type[Exception]) -> float | None:
        """``timeout`` cut to the time left; ``late`` raised when none is."""
        when = getattr(self._local, "when", None)
        if when is None:
            return timeout
        left = when - time.monotonic()
        if left <= 0:
            raise late("the request ran past its time limit")
        return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadlines: Deadlines) -> None:
        self._inner = inner
        self._deadlines = deadlines

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadlines.cut(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadlines.cut(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadlines.cut(timeout, httpcore.ConnectTimeout)
        return _Stream(
            self._inner.start_tls(ssl_context, server_hostname, timeout), self._deadlines
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, deadlines: Deadlines) -> None:
        self._inner = httpcore.SyncBackend()
        self._deadlines = deadlines

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadlines.cut(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream, self._deadlines)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = self._deadlines.cut(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_unix_socket(path, timeout, socket_options)
        return _Stream(stream, self._deadlines)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def transport(limits: httpx.Limits, deadlines: Deadlines) -> httpx.HTTPTransport:
    """httpx's own transport, its connections made through the backend above."""
    out = httpx.HTTPTransport(limits=limits, trust_env=False)
    # httpx takes no network backend: its pool is built again with one, with
    # the parameters httpx gives it (no proxy: veille connects to the address
    # it checked itself).
    out._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_Backend(deadlines),
    )
    return out
