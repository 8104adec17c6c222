"""The app on a real uvicorn on 127.0.0.1 (a port the system picks), in a
thread, for the API, authorization and browser tests that need their own
workspace (users of every role, tokens, stored posts)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROLES = ("viewer", "analyst", "manager", "admin")
PASSWORD = "correct-horse-42"

# A password's argon2 hash, made once a session (see add_test_user).
_HASHES: dict[str, str] = {}
# The apps these helpers serve, by URL: their workspace and server, for
# signing a test client in with a session of the user (see session_for).
_SERVED: dict[str, tuple[Path, Any]] = {}


def served_here(url: str, root: Path, server: Any) -> None:
    """Note that ``server`` serves the workspace at ``root`` at ``url``."""
    _SERVED[url.rstrip("/")] = (root, server)


def session_for(url: str, username: str) -> str | None:
    """A new session of ``username`` (its cookie value) in the workspace the
    app at ``url`` serves, made by the service as the login form makes it;
    None where the app is not one these helpers serve (or it stopped), or
    no such user exists there."""
    from veille.services import users
    from veille.workspace import Workspace

    found = _SERVED.get(url.rstrip("/"))
    if found is None or not found[1].running:
        return None
    with Workspace.open(found[0]) as ws:
        if users.get_user(ws.state, username) is None:
            return None
        return users.start_session(ws.state, username)


def add_test_user(state: Any, username: str, password: str, role: str) -> None:
    """``users.add_user`` for a test's set-up, with the password's argon2
    hash (veille's own, its parameters unchanged) made once a session rather
    than once a user: argon2 is slow on purpose (64 MiB, three passes), and
    the same few passwords are set on every test workspace.
    The account is added by the service as any other (checks, audit record);
    only the salt is shared between workspaces."""
    from veille.services import users

    real = users.hash_password

    def hash_once(secret: str) -> str:
        if secret not in _HASHES:
            _HASHES[secret] = real(secret)
        return _HASHES[secret]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "hash_password", hash_once)
        users.add_user(state, username, password, role)


@dataclass
class Running:
    url: str
    root: Path
    app: Any
    #: role -> an API token of the user named after the role
    tokens: dict[str, str] = field(default_factory=dict)

    def session(self, role: str) -> str:
        """A fresh session of the user named ``role`` (its cookie value)."""
        from veille.services import users
        from veille.workspace import Workspace

        with Workspace.open(self.root) as ws:
            return users.start_session(ws.state, role)


def add_role_users(root: Path) -> dict[str, str]:
    """A user per role, named after it, each with an API token."""
    from veille.services import users
    from veille.services.tokens import create_token
    from veille.workspace import Workspace

    tokens = {}
    with Workspace.open(root) as ws:
        for role in ROLES:
            if users.get_user(ws.state, role) is None:
                add_test_user(ws.state, role, PASSWORD, role)
            tokens[role] = create_token(ws.state, role, "tests")[1]
    return tokens


@contextmanager
def serve(root: Path) -> Iterator[Running]:
    """``create_app(root)`` on webcore's LiveServer until the block ends."""
    from veille.web.app import create_app
    from veille.web.serve import LiveServer

    app = create_app(root)
    with LiveServer(app) as server:
        served_here(server.url, root, server)
        yield Running(server.url, root, app)


@dataclass
class Mailbox:
    """Messages an aiosmtpd server on 127.0.0.1 received."""

    port: int
    messages: list[bytes] = field(default_factory=list)


@contextmanager
def mailbox() -> Iterator[Mailbox]:
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
    try:
        yield box
    finally:
        controller.stop()


def use_smtp(root: Path, port: int) -> None:
    """Point the workspace's e-mail at the test's SMTP server."""
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[smtp]\n", f'[smtp]\nhost = "127.0.0.1"\nport = {port}\n', 1),
        encoding="utf-8",
    )


def store_listening_posts(root: Path, n: int = 300) -> None:
    """Posts of the simulator's world, moved to the last days (the pages show
    recent periods), plus a few about Lyon that a test topic will match."""
    import itertools
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from veille.models import Author, Post
    from veille.sim.generate import SimConfig, generate_posts
    from veille.workspace import Workspace

    now = datetime.now(UTC).replace(microsecond=0)
    cfg = SimConfig(seed=5, days=10, posts_per_day=max(1, n // 10), spike_posts=0)
    sim = list(itertools.islice(generate_posts(cfg), n))
    shift = now - timedelta(hours=1) - max(p.published_at for p in sim)
    posts = [replace(p, published_at=p.published_at + shift) for p in sim]
    posts += [
        Post.create(
            platform="mastodon",
            native_id=f"lyon{i}",
            text=f"Lumio fibre outage in Lyon again, day {i}",
            published_at=now - timedelta(hours=3 + i),
            author=Author(f"lyonnais{i}", name=f"Lyonnais {i}", followers=50 + i),
            url=f"https://mastodon.example/@lyonnais{i}/{i}",
            lang="en",
        )
        for i in range(5)
    ]
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(posts)


def has_route(app: Any, template: str, method: str = "GET") -> bool:
    """Whether the app serves ``template`` (a path as routes declare it)."""
    from fastapi.routing import iter_route_contexts

    return any(
        ctx.path == template and method in (ctx.methods or ())
        for ctx in iter_route_contexts(app.routes)
    )
