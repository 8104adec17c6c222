"""Where links in e-mails, digests and feeds point: ``[web] base_url`` when
veille.toml sets it, else the address where this workspace's web app is
served now, else ``[web]`` host and port.

The web app (``veille serve``, ``veille run --serve``, ``veille demo
--serve``) records where it listens in the state store, as a lease named
``web:MACHINE:URL`` (:func:`record_name`) held by ``MACHINE:PID:…`` (the
collectors' holder names): taken as it starts, renewed every
:data:`BEAT_SECONDS` while it serves (:class:`Recording`), released as it
stops. A server killed without releasing it stops renewing: its record is
no one's once :data:`STALE_SECONDS` have passed without a heartbeat, at
once for a sender of its own machine, which sees its process gone.

A sender (``veille run``, ``veille alert test``, of any process or machine
sharing the state) reads the records once per send (:func:`served_url`)
and uses a live one when it was recorded on its own machine, or when its
address is no loopback or wildcard one (``veille serve --host 0.0.0.0``
records this machine's name: any machine may open it); a loopback address
recorded on another machine would lead nowhere there and is left out.
Where several servers of the workspace are live, the one started last
wins. ``[web] base_url`` wins over everything (behind a proxy).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

#: What the name of a lease recording a web app's address starts with.
PREFIX = "web:"
#: Seconds between two heartbeats of a server's record.
BEAT_SECONDS = 30.0
#: Seconds a record lasts after its last heartbeat (a killed server's goes
#: stale then).
STALE_SECONDS = 120.0


@dataclass(frozen=True)
class Served:
    """A live record: where a web app of the workspace is served, by which
    machine and process, since when and last renewed when (the state
    store's seconds)."""

    url: str
    host: str
    pid: int
    started_at: float
    renewed_at: float


def record_name(url: str, host: str | None = None) -> str:
    """The lease recording that this machine (``host``) serves at ``url``."""
    return f"{PREFIX}{host or socket.gethostname()}:{url}"


def _holder_parts(holder: str) -> tuple[str, int] | None:
    """``(machine, pid)`` of a holder named as collectors are
    (``MACHINE:PID:…``)."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def _nowhere_else(url: str) -> bool:
    """Whether ``url`` names a loopback or wildcard address: it leads
    nowhere from another machine."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a machine's name
    return ip.is_loopback or ip.is_unspecified


def records(state: Any, *, now: float | None = None, here: str | None = None) -> list[Served]:
    """The live records of the state store that a sender of machine
    ``here`` (this one) may use, the one started last first (one read of
    the leases, and of the store's clock unless ``now`` is given)."""
    from veille.pipeline.leases import running_here

    this = socket.gethostname()
    here = here or this
    found: list[Served] = []
    leases = state.leases(PREFIX)
    now = float(state.clock()) if now is None else now
    for lease in leases:
        if not lease.holder or lease.expires_at <= now:
            continue
        parts = _holder_parts(lease.holder)
        url = lease.name[len(PREFIX) :].partition(":")[2]
        if parts is None or not url.startswith(("http://", "https://")):
            continue
        host, pid = parts
        if host == here:
            if host == this and not running_here(lease.holder):
                continue  # killed on this machine: its process is gone
        elif _nowhere_else(url):
            continue  # 127.0.0.1 of another machine
        found.append(Served(url, host, pid, float(lease.acquired_at), float(lease.heartbeat_at)))
    found.sort(key=lambda s: (s.started_at, s.url), reverse=True)
    return found


def served_url(state: Any, *, now: float | None = None, here: str | None = None) -> str | None:
    """The address of the web app that serves the workspace whose state is
    ``state`` now, as a sender of this machine may open it, or ``None``
    when none does (see :func:`records`)."""
    found = records(state, now=now, here=here)
    return found[0].url if found else None


class Recording:
    """A server's record in the workspace's state store: taken, then renewed
    every ``beat`` seconds by a thread of its own (a store being upgraded as
    the server starts is waited for there, never by the server), released by
    :meth:`stop`, which the server calls before its stores are closed."""

    def __init__(
        self, workspace: Any, url: str, *, beat: float = BEAT_SECONDS, ttl: float = STALE_SECONDS
    ) -> None:
        from veille.pipeline.leases import collector_id

        self.workspace = workspace
        self.url = url
        self.name = record_name(url)
        self.holder = collector_id()
        self.beat = beat
        self.ttl = ttl
        self._stop = threading.Event()
        self._held = False
        self._failing = False
        self._thread = threading.Thread(target=self._run, name="veille-served-at", daemon=True)

    def start(self) -> Recording:
        self._thread.start()
        return self

    def _run(self) -> None:
        wait = 0.0
        while not self._stop.wait(wait):
            wait = self.beat
            try:
                if not self.workspace.open_stores(self._stop, ("state",)):
                    return  # stopped while the store was being upgraded
                self.beat_once(self.workspace.state)
            except Exception as exc:  # the next heartbeat tries again
                if not self._failing:
                    from veille.errors import log_failure

                    log_failure(log, "recording where the web app is served failed", exc,
                                "It is tried again at the next heartbeat.")  # fmt: skip
                self._failing = True
                continue
            self._failing = False

    def beat_once(self, state: Any) -> None:
        """Take the record in ``state``, or renew it (one heartbeat)."""
        now = float(state.clock())
        if self._held:
            kept = state.renew_leases([self.name], self.holder, ttl=self.ttl, now=now)
            self._held = self.name in kept
            if self._held:
                return
        # This machine serves at this address now (it holds the port): a
        # record of the same address by another process of it is a killed
        # server's, taken over; the records nobody holds any longer go.
        leases = state.leases(PREFIX)
        old = [x.name for x in leases if x.name != self.name]
        if old:
            state.forget_leases(old, before=now - self.ttl)
        was = next((x.holder for x in leases if x.name == self.name), None)
        epoch = state.acquire_lease(
            self.name, self.holder, ttl=self.ttl, now=now, replacing=was or None
        )
        self._held = epoch is not None

    def release(self, state: Any) -> None:
        """Remove the record from ``state`` (nothing when not held)."""
        if self._held:
            self._held = False
            state.release_lease(self.name, self.holder, now=float(state.clock()))

    def stop(self) -> None:
        """Stop renewing and remove the record (the server stops)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5)
        if not self._held or self._thread.is_alive():
            return  # (a heartbeat stuck on a store that does not answer: it goes stale)
        try:
            self.release(self.workspace.state)
        except Exception as exc:  # it goes stale by itself
            from veille.errors import log_failure

            log_failure(log, "removing the record of where the web app is served failed", exc,
                        f"It goes stale by itself within {self.ttl:.0f} s.")  # fmt: skip


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


def links_base(settings: Any, state: Any) -> tuple[str, str]:
    """The address links start with (no trailing slash) and how it was
    chosen: ``"set"`` (``[web] base_url``), ``"served"`` (where the web app
    serves the workspace now, read from ``state``, the workspace's state
    store: once per send, not per link) or ``"guessed"`` (``[web]`` host
    and port)."""
    web = settings.web
    if web.base_url:
        return web.base_url.rstrip("/"), "set"
    served = served_url(state) if state is not None else None
    if served:
        return served.rstrip("/"), "served"
    return listening_url(web.host, web.port), "guessed"
