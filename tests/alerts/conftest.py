"""Real parts for the alert tests: a workspace, a loopback HTTP receiver, an SMTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.made import copy_workspace, made_workspace
from veille.httpserver import LoggingHTTPServer
from veille.models import Author, Engagement, Post
from veille.workspace import Workspace, init_workspace

__all__ = ["made_workspace"]  # a fixture, offered to the tests here


def make_post(n: int, text: str, **kw: Any) -> Post:
    return Post.create(
        platform=kw.pop("platform", "mastodon"),
        native_id=str(n),
        text=text,
        published_at=kw.pop("published_at", datetime.now(UTC)),
        author=kw.pop("author", Author(handle=f"user{n}", followers=kw.pop("followers", 10))),
        url=f"https://example.org/p/{n}",
        lang=kw.pop("lang", "en"),
        engagement=kw.pop("engagement", Engagement()),
        **kw,
    )


def make_workspace(root: Path, extra: str = "", made: Path | None = None) -> Workspace:
    """A workspace at ``root`` (a copy of ``made`` where given: see tests/made.py)."""
    if made is None:
        init_workspace(root)
    else:
        copy_workspace(made, root)
    config = root / "veille.toml"
    config.write_text(
        "[http]\nallow_private_networks = true\n\n"
        "[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 1.0\nmax_attempts = 3\n\n"
        + extra,
        encoding="utf-8",
    )
    return Workspace.open(root)


@pytest.fixture
def workspace(tmp_path: Path, made_workspace: Path) -> Iterator[Workspace]:
    ws = make_workspace(tmp_path / "ws", made=made_workspace)
    yield ws
    ws.close()


@dataclass
class Receiver:
    """A loopback HTTP server that records POSTs and answers as told."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Each entry: an HTTP status, or "hang" (answer after 3 s: a client timeout).
    script: list[Any] = field(default_factory=list)
    seen_ids: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # When set: each request is held until the gate opens (at most 30 s), and
    # records whether the gate opened (True) or the wait gave up (False).
    gate: threading.Event | None = None
    arrived: int = 0

    def accepted(self) -> list[dict[str, Any]]:
        """Requests answered 2xx, repeats (same delivery id) dropped, as a receiver would."""
        out, ids = [], set()
        for r in self.requests:
            if r["status"] < 300 and r["delivery"] not in ids:
                ids.add(r["delivery"])
                out.append(r)
        return out

    def wait(self, n: int, timeout: float = 10.0) -> None:
        end = time.time() + timeout
        while len(self.requests) < n and time.time() < end:
            time.sleep(0.02)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with rec.lock:
                action = rec.script.pop(0) if rec.script else 200
            status = 200 if action == "hang" else int(action)
            rec.arrived += 1
            released = rec.gate.wait(30) if rec.gate is not None else None
            rec.requests.append(
                {
                    "headers": dict(self.headers.items()),
                    "delivery": self.headers.get("X-Veille-Delivery"),
                    "body": body,
                    "json": json.loads(body) if body else None,
                    "status": 599 if action == "hang" else status,
                    "path": self.path,
                    "released": released,
                }
            )
            if action == "hang":
                time.sleep(3)
            try:
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass

        def log_message(self, *args: Any) -> None:
            pass

    # veille's own server class: a request that fails (a sender that hung up
    # mid-request) is logged, not printed on stderr between other tests' dots.
    server = LoggingHTTPServer(("127.0.0.1", 0), Handler, "veille.tests.receiver")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield rec
    server.shutdown()
    server.server_close()


@dataclass
class Mailbox:
    port: int
    messages: list[bytes] = field(default_factory=list)


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    box = Mailbox(port=free)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.messages.append(envelope.original_content or envelope.content)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free)
    controller.start()
    yield box
    controller.stop()
