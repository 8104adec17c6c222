"""Running the web app with uvicorn: in the foreground (``veille serve``,
``veille demo``) or on a thread (tests, benchmarks)."""

from __future__ import annotations

import contextlib
import logging
import re
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from veille.config import Settings
from veille.errors import UsageError, tr
from veille.urlmask import MASK, SECRET_PARAM

T = TypeVar("T")


def bind(host: str, port: int, *, tries: int = 1) -> socket.socket:
    """A listening socket on ``host``: ``port``, or (with ``tries`` > 1) the
    next free one after it; port 0 lets the system choose."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    last: OSError | None = None
    for candidate in range(port, port + max(1, tries)) if port else [0]:
        # Named TCP, so that asyncio sets TCP_NODELAY on each connection it
        # accepts (it checks the protocol): with 0, the default, a response
        # written in two parts waited for the client's delayed ACK, 40 ms on
        # every page, a static file included.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError as exc:
            sock.close()
            last = exc
            continue
        sock.listen(128)
        sock.set_inheritable(True)
        return sock
    raise UsageError(
        tr("cannot listen on %(host)s:%(port)s: %(last)s", host=host, port=port, last=last),
        hint=tr(
            "Another program uses that port: pass --port with another number (0: any free one)."
        ),
    )


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


# The parts of a path that are secrets: an alert's Atom feed address
# (``/feeds/TOKEN.atom``) and the value of a query's parameter whose name
# says secret, as veille.urlmask reads names (the one-click unsubscribe
# link's ``?token=``).
_SECRET_PATH = re.compile(r"/feeds/[^/?#]+\.atom")
_QUERY_VALUE = re.compile(r"(?P<name>[?&][^=&#]*=)[^&#]*")


def _masked_value(found: re.Match[str]) -> str:
    name = found.group("name")
    return name + MASK if SECRET_PARAM.search(name) else found.group(0)


class _AccessLogSecrets(logging.Filter):
    """uvicorn's access log, without the secrets some addresses carry: a
    line such as ``"GET /feeds/9w…Xq.atom HTTP/1.1" 200`` handed anyone who
    reads the server's log (journald, a log shipper) a working feed address,
    and an unsubscribe link's token likewise. The part goes as ``****``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = _SECRET_PATH.sub(f"/feeds/{MASK}.atom", args[2])
            path = _QUERY_VALUE.sub(_masked_value, path)
            if path != args[2]:
                record.args = (*args[:2], path, *args[3:])
        return True


_ACCESS_LOG_SECRETS = _AccessLogSecrets()


def _server(
    app: Any, sock: socket.socket, log_level: str, started: Callable[[], None] | None = None
) -> Any:
    """uvicorn's server for ``app`` on ``sock``; ``started()`` is called, on
    a thread of its own, once it listens with the signals taken over (see
    :func:`run`)."""
    import uvicorn

    from veille.web.routes.stream import stop_event

    class Server(uvicorn.Server):
        """uvicorn's server that tells the app it stops before waiting for the
        open connections: a live mention stream (server-sent events) ends at
        once instead of holding the shutdown until the end of its lifetime."""

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and started is not None:
                # On a thread: what it says may wait (an account count while
                # the state store upgrades), and the requests must not.
                threading.Thread(target=started, name="veille-announce", daemon=True).start()

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            stop_event(app).set()
            await super().shutdown(sockets=sockets)

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn drains the requests on SIGINT/SIGTERM, then raises the
            # signal again once its handlers are restored: the process died
            # of its SIGTERM (status 143, a failure to Docker, runit or a
            # shell's wait) after a clean stop. The signal asked for this
            # stop and it is done: nothing is raised again.
            with super().capture_signals():
                try:
                    yield
                finally:
                    captured = getattr(self, "_captured_signals", None)
                    if isinstance(captured, list):
                        captured.clear()

    host, port = sock.getsockname()[:2]
    settings = getattr(app.state, "settings", None)
    proxies = settings.web.trusted_proxies if settings is not None else ("127.0.0.1",)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        # The visitor's address from X-Forwarded-For, believed from the
        # proxies veille.toml names only ([web] trusted_proxies; none: off).
        proxy_headers=bool(proxies),
        forwarded_allow_ips=",".join(proxies),
        server_header=False,
    )
    # After the Config: it sets uvicorn's loggers up (the same filter once per process).
    logging.getLogger("uvicorn.access").addFilter(_ACCESS_LOG_SECRETS)
    return Server(config)


def run(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    tries: int = 1,
    settings: Settings | None = None,
    announce: Callable[[str, Any], None] | None = None,
    log_level: str = "info",
) -> None:
    """Serve the app over the workspace at ``root`` until Ctrl-C (then return);
    links in e-mails and feeds name the address it listens on unless ``[web]
    base_url`` is set (see :func:`own_links`)."""
    from veille.web.app import create_app

    sock = bind(host, port, tries=tries)
    # Ctrl-C or SIGTERM (a supervisor's stop), the ways to stop it, at any
    # moment (while the app is made, once announced, or once uvicorn runs:
    # it drains the requests and shuts down cleanly): a stop is no failure
    # (veille serve and demo --serve exit 0, as veille run does). Before
    # uvicorn takes the signals over, SIGTERM is a Ctrl-C: its default
    # killed the process (status 143). One that came earlier still, while
    # `veille` imported its code and opened the workspace (noted by
    # veille.stopping), stops it now.
    from veille.stopping import stopped_early

    main = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, signal.default_int_handler) if main else None
    try:
        with contextlib.suppress(KeyboardInterrupt):
            if stopped_early(before):
                raise KeyboardInterrupt
            url = url_of(sock)
            app = create_app(root, settings=own_links(root, settings, url))
            # Announced once uvicorn listens with the signals taken over (with
            # the app's workspace: its stores, opened once): a supervisor or a
            # test that stops it as soon as it reads the address meets the
            # clean stop, never a signal landing while asyncio starts its loop
            # (a KeyboardInterrupt there left a traceback on stderr).
            started = (lambda: announce(url, app.state.workspace)) if announce else None
            server = _server(app, sock, log_level, started)
            # (An upgrade that fails once it listens stops it: said as it exits.)
            _start_warm(app, failed=lambda: setattr(server, "should_exit", True))
            _open_held(app)
            _start_recording(app, url)
            try:
                server.run(sockets=[sock])
            finally:
                stop_recording(app)  # (its shutdown did, unless it never started)
            _raise_failed_opening(app)
    finally:
        if main:
            signal.signal(signal.SIGTERM, before)
        sock.close()


def own_links(root: Path, settings: Settings | None, url: str) -> Settings:
    """The settings of the app served at ``url``: links in its e-mails, feeds
    and pages name that address where ``[web] base_url`` is not set (``veille
    serve --port 9000`` and the demo on the next free port pointed them at
    127.0.0.1:8000, where nothing answered). Behind a proxy base_url is set
    and wins. The address is also recorded in the workspace's state store
    (:func:`_start_recording`) for the senders of other processes and
    machines (``veille run``)."""
    from dataclasses import replace

    from veille.config import CONFIG_NAME, load_settings

    settings = settings or load_settings(Path(root) / CONFIG_NAME)
    if settings.web.base_url:
        return settings
    return replace(settings, web=replace(settings.web, base_url=listening_url_of(url)))


def listening_url_of(url: str) -> str:
    """``url`` (as :func:`url_of` says it) as a browser opens it: an address
    that means every interface names this machine instead."""
    from urllib.parse import urlsplit

    from veille.served_at import listening_url

    parts = urlsplit(url)
    return listening_url(parts.hostname or "", parts.port or 80)


def _start_recording(app: Any, url: str) -> None:
    """Record in the state store that the app serves at ``url`` (as a
    browser opens it), renewed while it serves
    (:class:`veille.served_at.Recording`); :func:`stop_recording` removes
    the record as it stops."""
    from veille.served_at import Recording

    app.state.recording = Recording(app.state.workspace, listening_url_of(url)).start()


def stop_recording(app: Any) -> None:
    """Remove the app's record of where it serves (before its stores are
    closed: the app's shutdown calls it); nothing when it made none."""
    recording = getattr(app.state, "recording", None)
    if recording is not None:
        app.state.recording = None
        recording.stop()


def _open_held(app: Any) -> None:
    """Wait, before the app listens, until its warm-up (:func:`_start_warm`)
    has opened the stores one process at a time may open (chDB), or is
    upgrading one: a folder another process holds is said at once (the
    command exits 1) instead of every page failing; an upgrade (minutes at
    millions of posts: a schema's new columns, a new rollup filled) is not
    waited for, the pages saying meanwhile that veille is upgrading (503),
    as during a SQLite migration."""
    from veille.store.upgrading import any_upgrading

    try:
        while not app.state.held_open.wait(0.05):
            _raise_failed_opening(app)
            if any_upgrading():
                return
    except BaseException:
        app.state.workspace.close()
        raise


def _raise_failed_opening(app: Any) -> None:
    """What failed as the warm-up opened (or upgraded) the stores one
    process at a time may open, raised here (the command's error, exit 1)."""
    failed = getattr(app.state, "opening_failed", None)
    if failed is not None:
        raise failed


def _open_one_process_stores(app: Any) -> bool:
    """The warm-up's first step (see :func:`_open_held`); False when it
    failed, which is kept for the command to raise, after ``failed()``
    (it stops the server that listens meanwhile)."""
    try:
        app.state.workspace.open_one_process_stores()
    except BaseException as exc:
        app.state.opening_failed = exc
        failed = getattr(app.state, "opening_failed_then", None)
        if failed is not None:
            failed()
        return False
    app.state.held_open.set()
    return True


def run_beside(
    root: Path,
    work: Callable[[Any], T],
    *,
    stop: Callable[[], None],
    host: str = "127.0.0.1",
    port: int = 8000,
    announce: Callable[[str, Any], None] | None = None,
    log_level: str = "info",
) -> T:
    """Serve the app over the workspace at ``root`` on a thread while
    ``work(workspace)`` runs on this one, over the app's own workspace (one
    set of stores: a chDB folder opens in one process, once), and return
    what it returns (``veille run --serve``: the daemon).

    ``work`` owns the signals (this thread's; uvicorn, on another, leaves
    them): when it returns, the server drains its requests and stops, then
    the stores are closed. A request that fails is answered 500 by the
    server and nothing more; were the server itself to stop unasked,
    ``stop()`` asks ``work`` to end and :class:`~veille.errors.VeilleError`
    says so (exit 1, for the supervisor to restart the process).
    """
    from veille.errors import VeilleError
    from veille.web.app import create_app

    sock = bind(host, port)
    app: Any = None
    try:
        app = create_app(root, settings=own_links(root, None, url_of(sock)))
        server = _server(app, sock, log_level)
        # (An upgrade that fails once it listens stops it, and the daemon
        # with it, said as it exits; the daemon waits for one under way.)
        _start_warm(app, failed=lambda: setattr(server, "should_exit", True))
        _open_held(app)
        asked = threading.Event()  # the server is asked to stop (work is done)
        unasked: list[str] = []  # why it stopped by itself, if it did

        _start_recording(app, url_of(sock))

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:
                unasked.append(f"{type(exc).__name__}: {exc}")
            else:
                unasked.append("its server ended")
            finally:
                if asked.is_set():
                    unasked.clear()
                else:
                    stop()

        thread = threading.Thread(target=serve, name="veille-web", daemon=True)
        thread.start()
        while not server.started and thread.is_alive():
            time.sleep(0.02)
        try:
            if server.started and announce:
                announce(url_of(sock), app.state.workspace)
            result = work(app.state.workspace)
        finally:
            asked.set()
            server.should_exit = True
            thread.join(60)
        _raise_failed_opening(app)
        if unasked:
            raise VeilleError(
                tr(
                    "the web app stopped (%(unasked)s); the collection stopped with it",
                    unasked=unasked[0],
                ),
                hint=tr(
                    "What was collected is stored. Start `veille run --serve` "
                    "again (a supervisor's Restart=on-failure does)."
                ),
            )
        return result
    finally:
        sock.close()
        if app is not None:
            stop_warm(app)  # (the server's shutdown did, unless it never started)
            stop_recording(app)  # (likewise)
            app.state.workspace.close()


def _start_warm(app: Any, failed: Callable[[], None] | None = None) -> None:
    """:func:`_warm` on a thread (``veille serve``, ``veille run --serve``),
    which opens first the stores one process at a time may open
    (:func:`_open_held`; ``failed()`` is called if that fails);
    :func:`stop_warm` ends it."""
    app.state.warming = True  # until _warm is done (/healthz says so)
    app.state.warm_stop = threading.Event()
    app.state.held_open = threading.Event()
    app.state.opening_failed = None
    app.state.opening_failed_then = failed
    thread = threading.Thread(target=_warm, args=(app,), name="veille-warm", daemon=True)
    app.state.warm_thread = thread
    thread.start()


def stop_warm(app: Any) -> None:
    """Ask the warm-up to stop after the page it is making and wait for it,
    then for the kept pages' refreshes under way (bounded:
    :func:`~veille.web.listening.stop_refreshes`), before the stores are
    closed (the app's shutdown calls it): stopped as it started, the process
    closed its stores under the warm-up, which then failed on them or opened
    one again, left open; a refresh still making the next figures did the
    same."""
    from veille.web.listening import stop_refreshes

    stop = getattr(app.state, "warm_stop", None)
    if stop is not None:
        stop.set()
    thread = getattr(app.state, "warm_thread", None)
    if thread is not None and thread is not threading.current_thread():
        from veille.store.upgrading import any_upgrading

        while thread.is_alive():
            thread.join(0.5)
            if thread.is_alive() and any_upgrading():
                # Opening the stores, it upgrades one (minutes at a million
                # posts): not waited for, or Ctrl-C and SIGTERM would stop
                # the server only then. The upgrade is one transaction, left
                # undone as the process ends; it starts again at the next.
                logging.getLogger(__name__).warning(
                    tr(
                        "Stopped while the workspace's database was being upgraded: the "
                        "upgrade is left undone, and starts again the next time veille opens "
                        "the workspace."
                    )
                )
                break
    stop_refreshes(app)


def _warm(app: Any) -> None:
    """The dashboard's default figures, the trends' default terms, the
    influencers' default ranking, what the plan reads from the posts, the
    report's compiled template and vl-convert started, made while the
    server starts (not by :class:`LiveServer`: a test stores its posts
    after starting it); then
    what the process holds by now (the code, the templates, the lemmatizer's
    tables) is left out of Python's cycle collections, which would otherwise
    go through it again and again
    (the influencers page at 1M posts: p95 104 -> 21 ms, p50 unchanged)."""
    import gc
    import logging

    from veille.errors import log_failure
    from veille.web.routes import dashboard, influencers, plan, reports, trends

    stop = getattr(app.state, "warm_stop", None)
    try:
        if hasattr(app.state, "held_open") and not _open_one_process_stores(app):
            return  # (said as the command exits)
        for page in (dashboard, trends, influencers, plan, reports):
            if stop is not None and stop.is_set():
                return  # the app stops: its stores close next
            try:
                page.warm(app)
            except Exception as exc:  # the first visitor makes them instead
                name = page.__name__.rsplit(".", 1)[-1]
                then = "Its first visitor makes it instead."
                log_failure(
                    logging.getLogger(__name__), f"warming the {name} page failed", exc, then
                )
        gc.collect()
        gc.freeze()
    finally:
        app.state.warming = False


class LiveServer:
    """The app served on a thread (for tests and benchmarks); ``stop()`` ends it."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = bind(host, port)
        self.url = url_of(self.sock)
        self.app = app
        self._server = _server(app, self.sock, "warning")
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self, timeout: float = 30.0) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the web app did not start")
            time.sleep(0.02)
        return self

    @property
    def running(self) -> bool:
        """Whether it serves (started and not stopped)."""
        return bool(self._server.started) and self._thread.is_alive()

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(30)
        self.sock.close()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
