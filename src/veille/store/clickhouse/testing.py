"""ClickHouse's HTTP interface in front of chDB, for tests and local trials.

The package registries offer no recent ClickHouse server (Debian's is from
2018), so the ``clickhouse://`` path (clickhouse-connect over HTTP, as in
production) is tested against :class:`TestServer`: a process on a loopback
port that answers the part of ClickHouse's HTTP interface clickhouse-connect
uses (``POST /`` with the query in the URL and/or the body, ``param_*`` bound
parameters, ``database``, settings as URL parameters, ``default_format``,
compressed request bodies, ``Code: N. DB::Exception`` errors with
``X-ClickHouse-Exception-Code``, ``/ping``) by running each request in one
chDB session, one request at a time. The SQL is run by the same engine a
server runs (chDB is ClickHouse's own code, 26.9 here); what this does not
show is a server's own behaviour (users, quotas, clusters, replication).

``VEILLE_TEST_CLICKHOUSE_URL`` names a real server to test against instead
(``clickhouse://USER:PASSWORD@HOST:8123``); each contract test then creates a
database of its own there.

Run alone: ``python -m veille.store.clickhouse.testing FOLDER [PORT]``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from veille.httpserver import LoggingHTTPServer

TEST_URL_ENV = "VEILLE_TEST_CLICKHOUSE_URL"

# URL parameters of the HTTP interface that are not settings.
_NOT_SETTINGS = frozenset(
    {
        "query", "database", "default_format", "user", "password", "quota_key",
        "session_id", "session_timeout", "session_check", "query_id", "compress",
        "decompress", "client_protocol_version", "wait_end_of_query", "buffer_size",
        "enable_http_compression", "http_zlib_compression_level", "role", "stacktrace",
    }
)  # fmt: skip
_FORMAT = re.compile(r"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CODE = re.compile(r"Code: (\d+)")
_RESULT_SET = re.compile(r"^\s*(SELECT|WITH|SHOW|EXISTS|DESCRIBE|DESC|EXPLAIN)\b", re.IGNORECASE)


def _decoded(body: bytes, encoding: str | None) -> bytes:
    """A request body as sent with ``Content-Encoding``."""
    if not body or not encoding or encoding == "identity":
        return body
    if encoding == "gzip":
        import gzip

        return gzip.decompress(body)
    if encoding == "deflate":
        import zlib

        return zlib.decompress(body)
    if encoding == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    if encoding == "lz4":
        import lz4.frame

        return lz4.frame.decompress(body)
    raise ValueError(f"unsupported Content-Encoding {encoding!r}")


def _form_fields(body: bytes, kind: str) -> dict[str, str]:
    """The fields of a form body (``query``, ``param_*``)."""
    if kind.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + kind.encode() + b"\r\n\r\n" + body
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload.decode()
    return fields


class _Engine:
    """One chDB session, used by one request at a time, with the database and
    the settings of the request before (a client sends the same ones with
    each request: only a change costs a statement)."""

    def __init__(self, folder: Path) -> None:
        from chdb import session

        self.session = session.Session(str(folder))
        self.lock = threading.Lock()
        self.database = "default"
        self.settings: dict[str, str] = {}

    def _do(self, sql: str) -> None:
        self.session.query(sql, "TabSeparated")

    def run(
        self, sql: str, params: dict[str, str], settings: dict[str, str], database: str, fmt: str
    ) -> bytes:
        with self.lock:
            database = database or "default"
            if database != self.database:
                self._do(f"USE `{database}`")
                self.database = database
            for name in [n for n in self.settings if n not in settings]:
                self._do(f"SET {name} = DEFAULT")
                del self.settings[name]
            for name, value in settings.items():
                if self.settings.get(name) != value:
                    quoted = value.replace("\\", "\\\\").replace("'", "\\'")
                    self._do(f"SET {name} = '{quoted}'")
                    self.settings[name] = value
            return bytes(self.session.query(sql, fmt, params=params or None).bytes())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    engine: _Engine  # set on the class the server builds

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-ClickHouse-Timezone", "UTC")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if urlsplit(self.path).path.rstrip("/") == "/ping":
            self._send(200, b"Ok.\n")
            return
        self._answer(b"")

    def do_POST(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size) if size else b""
        self._answer(body)

    def _answer(self, body: bytes) -> None:
        args = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        try:
            body = _decoded(body, self.headers.get("Content-Encoding"))
            kind = self.headers.get("Content-Type", "")
            if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
                # A long query or long parameters: sent as form fields.
                args.update(_form_fields(body, kind))
                body = b""
            sql = args.get("query", "")
            if body:
                sql = f"{sql}\n{body.decode()}" if sql else body.decode()
            params = {k[6:]: v for k, v in args.items() if k.startswith("param_")}
            settings = {
                k: v
                for k, v in args.items()
                if k not in _NOT_SETTINGS and not k.startswith(("param_", "http_"))
            }
            bad = [k for k in settings if not _NAME.match(k)]
            if bad:
                raise ValueError(f"bad setting name {bad[0]!r}")
            fmt = args.get("default_format") or "TabSeparated"
            data = self.engine.run(sql, params, settings, args.get("database", ""), fmt)
        except Exception as exc:  # answered as ClickHouse answers an error
            text = str(exc)
            code = _CODE.search(text)
            self._send(
                500 if code else 400,
                (text if text.startswith("Code:") else f"Code: 0. DB::Exception: {text}").encode()
                + b"\n",
                {"X-ClickHouse-Exception-Code": code.group(1) if code else "0"},
            )
            return
        headers = {"X-ClickHouse-Summary": json.dumps({"read_rows": "0", "written_rows": "0"})}
        if data or _RESULT_SET.match(sql):
            # A result set: in the format its query names last, or the default.
            match = _FORMAT.search(sql[-200:])
            headers["X-ClickHouse-Format"] = match.group(1) if match else fmt
        self._send(200, data, headers)


def serve(folder: Path, port: int = 0) -> LoggingHTTPServer:
    """A server on 127.0.0.1 (``port`` 0: a free one) over the chDB ``folder``."""
    handler = type("Handler", (_Handler,), {"engine": _Engine(folder)})
    return LoggingHTTPServer(("127.0.0.1", port), handler, __name__)


class TestServer:
    """:func:`serve` in a process of its own (chDB opens one folder per
    process), over a temporary folder that :meth:`stop` removes."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="veille-ch-"))
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"clickhouse://127.0.0.1:{self.port}"

    def start(self) -> TestServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "veille.store.clickhouse.testing", str(self.folder / "chdb")],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("port "):
            self.stop()
            raise RuntimeError(f"the chDB HTTP server did not start: {line!r}")
        self.port = int(line.split()[1])
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ping", timeout=5):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> TestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# Told apart from the databases of other test runs on the same server.
_RUN = uuid.uuid4().hex


def fresh_database_url(base: str, folder: Path) -> str:
    """``base`` (``clickhouse://…``, no database) with a database of its own
    for ``folder`` in this run: each test (each ``tmp_path``) gets new tables
    (the store creates the database)."""
    name = "t_" + hashlib.sha1(f"{_RUN}:{folder}".encode()).hexdigest()[:16]
    parts = urlsplit(base)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{name}{query}"


def main() -> None:
    folder = Path(sys.argv[1])
    server = serve(folder, int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print(f"port {server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
