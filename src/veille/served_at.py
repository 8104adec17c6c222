"""Where links in e-mails, digests and feeds point: ``[web] base_url`` when
veille.toml sets it, else the address where this workspace's web app is
served now, else ``[web]`` host and port.

The web app (``veille serve``, ``veille run --serve``, ``veille demo
--serve``) records where it listens in the workspace's folder
(:data:`RECORD`), with its process and start time, and holds a lock on that
file while it serves: a sender in another process of this machine (``veille
run``, ``veille alert test``) reads it, and a record whose lock nobody holds
(a server killed without cleaning up) is no one's. A sender on another
machine reads no such file: ``[web] base_url`` is the way there, as behind a
proxy, where it wins over everything.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: The file, in the workspace's folder, naming where its web app listens.
RECORD = ".veille-web.json"


@contextlib.contextmanager
def recording(root: Path, url: str) -> Iterator[bool]:
    """Record ``url`` as where the web app over the workspace at ``root``
    is served, for as long as the block runs; yields whether it did (not
    when another live server of the workspace recorded its own first, nor
    where the folder cannot be written: links then fall back as if none
    served)."""
    import fcntl

    path = Path(root) / RECORD
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False  # another server of this workspace serves: its address stays
            return
        record = {
            "url": url,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
        try:
            yield True
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
    finally:
        os.close(fd)  # (lets go of the lock)


def served_url(root: Path) -> str | None:
    """The address recorded by the web app that serves the workspace at
    ``root`` now, or ``None`` when none does (no record, or its server has
    stopped: nobody holds the record's lock)."""
    import fcntl

    path = Path(root) / RECORD
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # held: its server runs
        else:
            return None  # left by a server that stopped without removing it
        try:
            data: Any = json.loads(os.pread(fd, 4096, 0).decode())
        except (ValueError, OSError):
            return None  # being written this instant
    finally:
        os.close(fd)
    url = data.get("url") if isinstance(data, dict) else None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


@functools.cache
def _this_machine() -> str:
    """This machine's name (asked of the resolver once: links are made often)."""
    return socket.getfqdn()


def listening_url(host: str, port: int) -> str:
    """``http://HOST:PORT`` as a browser opens it: an address that means
    every interface (``0.0.0.0``, ``::``) names this machine instead."""
    if host in ("", "0.0.0.0", "::"):
        host = _this_machine()
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def links_base(settings: Any, root: Path) -> tuple[str, str]:
    """The address links start with (no trailing slash) and how it was
    chosen: ``"set"`` (``[web] base_url``), ``"served"`` (where the web app
    serves the workspace now) or ``"guessed"`` (``[web]`` host and port)."""
    web = settings.web
    if web.base_url:
        return web.base_url.rstrip("/"), "set"
    served = served_url(root)
    if served:
        return served.rstrip("/"), "served"
    return listening_url(web.host, web.port), "guessed"
