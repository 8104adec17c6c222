"""What ``/healthz`` asks of the stores, bounded in time.

A store probe runs on a thread of its own (one per store, for the app's
life) and is waited for ``[web] health_timeout_seconds`` at most: a
ClickHouse server (or a PostgreSQL) that accepts connections and never
answers held the probe for the client's own timeouts (minutes), so that the
load balancer's check timed out instead of reading 503, and each probe held
one of the web app's worker threads meanwhile. One probe per store is in
flight at a time: a probe arriving while the last one still waits shares its
wait instead of starting another that would wait as long.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from veille.errors import PostsUnavailable, StoreUnavailable

#: Seconds a probe waits for a store when the settings name none.
DEFAULT_TIMEOUT = 3.0


def store_named(store: Any, part: str) -> str:
    """How the log names the ``part`` store (``state`` or ``posts``), as its
    own errors do: ``the PostgreSQL state store postgresql://veille@db/veille``
    (never a password: a store's ``where`` shows none)."""
    return f"the {store.engine} {part} store {store.where}"


class _Probe:
    """One question to a store, answered on its worker's thread."""

    def __init__(self, ask: Callable[[], Any]) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.ask = ask

    def run(self) -> None:
        try:
            self.ask()
        except BaseException as exc:  # handed to whoever waits for it
            self.error = exc
        finally:
            self.done.set()


class _Worker:
    """The one thread that asks a store (a daemon: one stuck on a server that
    never answers does not hold the process's exit). One thread for the
    app's life, not one per check: a SQLite store opens a connection per
    thread."""

    def __init__(self, name: str) -> None:
        self.asked: queue.SimpleQueue[_Probe | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while (probe := self.asked.get()) is not None:  # None: the app stopped
            probe.run()

    def stop(self) -> None:
        """End the thread once the probe it is on (if any) returns."""
        self.asked.put(None)


class StoreProbes:
    """The app's store probes (one per app, thread-safe)."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self._asked: dict[str, _Probe] = {}
        self._workers: dict[str, _Worker] = {}
        self._lock = threading.Lock()

    def check(self, part: str, ask: Callable[[], Any], named: str = "") -> None:
        """Ask the ``part`` store (``state`` or ``posts``) with ``ask``; return
        when it answered, raise what it raised, or :class:`StoreUnavailable`
        (:class:`PostsUnavailable` for ``posts``) when it did not answer in
        time, naming the store (``named``, see :func:`store_named`)."""
        with self._lock:
            probe = self._asked.get(part)
            if probe is None or probe.done.is_set():
                probe = self._asked[part] = _Probe(ask)
                worker = self._workers.get(part)
                if worker is None:
                    worker = self._workers[part] = _Worker(f"veille-health-{part}")
                worker.asked.put(probe)
        if not probe.done.wait(self.timeout):
            unavailable = PostsUnavailable if part == "posts" else StoreUnavailable
            raise unavailable(
                f"{named or f'the {part} store'} did not answer the health check "
                f"within {self.timeout:g} s",
                hint="Check that its server runs and answers (a server that accepts "
                "connections and never answers looks like this); [web] "
                "health_timeout_seconds sets this wait.",
            )
        if probe.error is not None:
            raise probe.error

    def close(self) -> None:
        """The app stops: each store's thread ends (it stayed, one per app
        made, with the database connection opened on it)."""
        with self._lock:
            workers, self._workers = list(self._workers.values()), {}
        for worker in workers:
            worker.stop()


def app_probes(app: Any) -> StoreProbes:
    """The app's :class:`StoreProbes`, waiting as its settings say."""
    probes = getattr(app.state, "store_probes", None)
    if probes is None:
        settings = getattr(app.state, "settings", None)
        timeout = settings.web.health_timeout_seconds if settings is not None else DEFAULT_TIMEOUT
        probes = app.state.store_probes = StoreProbes(timeout)
    return probes
