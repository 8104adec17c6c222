"""Loopback HTTP servers that speak the platforms' wire formats.

The simulator serves the generated world (:func:`veille.sim.generate_posts`)
over *simulated time*: a post is visible once ``clock.now()`` has passed its
``published_at``. Each simulated service is a :class:`SimHost` on its own
127.0.0.x address (port chosen by the system), with its own routes, its own
rate-limit quota and its own faults.

Writing endpoints (the API for platform modules)
------------------------------------------------
A module ``veille.sim.<platform>`` defines ``host_specs() -> list[HostSpec]``
and is listed in :data:`SIM_MODULES`. Each :class:`HostSpec` names a host and
its :class:`Route` list; specs naming the same host are merged::

    from veille.sim.server import HostSpec, Reply, Request, Route

    def _statuses(req: Request) -> Reply:
        tag = req.match["tag"]                       # named regex groups
        limit = int(req.arg("limit", "20"))          # first query value
        posts = req.world.visible(platform="mastodon", newest_first=True)
        return Reply.json([...], headers={"Link": '<…>; rel="next"'})

    def host_specs() -> list[HostSpec]:
        tag_route = Route("GET", r"/api/v1/timelines/tag/(?P<tag>[^/]+)", _statuses)
        return [HostSpec("mastodon", [tag_route])]

- :class:`Request`: ``method``, ``path``, ``query`` (dict of lists),
  ``headers`` (case-insensitive), ``body``, ``match`` (the route's regex
  match), ``host`` (the :class:`SimHost`), ``world`` (the :class:`SimWorld`),
  ``base_url`` (``http://127.0.0.x:port``), ``token`` (a bearer token or
  ``None``), and helpers ``arg(name, default)`` and ``json()``.
- :class:`Reply`: ``status``, ``body`` (bytes or str), ``headers``,
  ``content_type``; ``Reply.json(data)``, ``Reply.text(s)``, ``Reply.xml(s)``.
  Set ``etag=True`` to get an ``ETag`` computed from the body and a ``304``
  when the request's ``If-None-Match`` matches; set ``last_modified`` (a
  datetime) for ``Last-Modified``/``If-Modified-Since``.
- Every answer carries ``X-RateLimit-Limit/Remaining/Reset`` for its host
  (per bearer token); past the quota the host answers 429 with ``Retry-After``.
- :class:`Faults` (``host.faults``) inject, per host: 429 + Retry-After every
  Nth request or for the next N requests, 500/503, delays, truncated bodies,
  malformed bodies, huge bodies, redirects (e.g. to a private address); and
  ``chaos``, a share of requests that each get one of ``CHAOS_KINDS`` at random
  (429, 500, 503, an answer slower than the client waits, a malformed or
  truncated body, a connection reset), counted in ``host.chaos_counts``.

Routes that raise answer 500 with the error, like a buggy service would.
"""

from __future__ import annotations

import contextlib
import email.message
import email.utils
import hashlib
import importlib
import json
import random
import re
import socket
import struct
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from veille.httpserver import LoggingHTTPServer
from veille.models import Post
from veille.sim.social import Written

# Modules contributing hosts; a module absent from this build is skipped.
SIM_MODULES: tuple[str, ...] = (
    "veille.sim.feeds",
    "veille.sim.mastodon",
    "veille.sim.bluesky",
    "veille.sim.reddit",
    "veille.sim.hackernews",
    "veille.sim.youtube",
    "veille.sim.wordpress",
    "veille.sim.x",
    "veille.sim.facebook",
    "veille.sim.linkedin",
)


class SimClock:
    """Simulated time: ``start`` plus real elapsed time times ``speed``
    (0 = frozen). Tests move it with :meth:`set` and :meth:`advance`."""

    def __init__(self, start: datetime, speed: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._base = start
        self._t0 = time.monotonic()
        self.speed = speed

    def now(self) -> datetime:
        with self._lock:
            return self._base + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    def set(self, when: datetime) -> None:
        with self._lock:
            self._base, self._t0 = when, time.monotonic()

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)


class SimWorld:
    """The generated posts, indexed, and the clock deciding which are visible."""

    def __init__(self, posts: Iterable[Post], clock: SimClock) -> None:
        self.clock = clock
        self.posts: list[Post] = sorted(posts, key=lambda p: (p.published_at, p.id))
        self._times = [p.published_at for p in self.posts]
        self.by_platform: dict[str, list[Post]] = {}
        self.by_author: dict[tuple[str, str], list[Post]] = {}
        self.by_id: dict[str, Post] = {}
        # Posts written through the write endpoints (veille.sim.mastodon &co.).
        self.written = 0
        self._write_lock = threading.Lock()
        self._seq = 5_000_000 + len(self.posts)
        for p in self.posts:
            self.by_platform.setdefault(p.platform, []).append(p)
            self.by_author.setdefault((p.platform, p.author.handle), []).append(p)
            self.by_id[p.id] = p

    @classmethod
    def generate(cls, config: Any = None, clock: SimClock | None = None) -> SimWorld:
        from veille.sim.generate import SimConfig, generate_posts

        cfg = config or SimConfig()
        return cls(generate_posts(cfg), clock or SimClock(cfg.end))

    def visible(
        self,
        *,
        platform: str | None = None,
        author: str | None = None,
        newest_first: bool = True,
        now: datetime | None = None,
    ) -> list[Post]:
        """Posts published by ``now`` (default: the clock), filtered."""
        now = now or self.clock.now()
        if platform is not None and author is not None:
            pool = self.by_author.get((platform, author), [])
        elif platform is not None:
            pool = self.by_platform.get(platform, [])
        else:
            pool = self.posts[: bisect_right(self._times, now)]
        out = [p for p in pool if p.published_at <= now]
        if newest_first:
            out.reverse()
        return out

    def authors(self, platform: str) -> list[str]:
        return sorted({h for (p, h) in self.by_author if p == platform})

    def add(self, post: Post) -> None:
        """Add a post written through a simulated API (a status, a record, an
        article), so that it is read back like the generated ones. Indexes stay
        sorted by time: the clock may read earlier than the last generated post."""
        key = (post.published_at, post.id)
        with self._write_lock:
            at = bisect_right(self.posts, key, key=lambda p: (p.published_at, p.id))
            self.posts.insert(at, post)
            self._times.insert(at, post.published_at)
            for index in (
                self.by_platform.setdefault(post.platform, []),
                self.by_author.setdefault((post.platform, post.author.handle), []),
            ):
                index.insert(bisect_right(index, key, key=lambda p: (p.published_at, p.id)), post)
            self.by_id[post.id] = post
            self.written += 1

    def next_seq(self) -> int:
        """A sequence number for a written post, unique in this world."""
        with self._write_lock:
            self._seq += 1
            return self._seq


@dataclass
class Faults:
    """Misbehaviour injected into one host (all off by default)."""

    rate_limit_every: int = 0  # every Nth request answers 429
    rate_limit_next: int = 0  # the next N requests answer 429
    retry_after: int = 1
    error_every: int = 0  # every Nth request answers error_status
    error_next: int = 0  # the next N requests answer error_status
    error_status: int = 503
    delay_seconds: float = 0.0  # wait before answering
    truncate: bool = False  # announce the full length, send half, close
    malformed: bool = False  # replace 200 bodies by broken markup
    huge_bytes: int = 0  # answer 200 with this many bytes
    redirect_to: str | None = None  # answer 302 to this URL
    # This share of requests (0..1) gets one of CHAOS_KINDS, picked at random
    # (seeded by chaos_seed): the soak's weather.
    chaos: float = 0.0
    chaos_seed: int = 0
    chaos_delay: float = 5.0  # how long a "timeout" keeps the client waiting


# What a chaotic request may get: a rate limit, a server error, an answer
# slower than the client waits, a broken body, half a body, or a reset.
CHAOS_KINDS = ("429", "500", "503", "timeout", "malformed", "truncate", "reset")


@dataclass
class Route:
    method: str
    pattern: str
    handler: Callable[[Request], Reply]
    _regex: re.Pattern[str] | None = field(default=None, repr=False)

    def match(self, method: str, path: str) -> re.Match[str] | None:
        if self._regex is None:
            self._regex = re.compile(self.pattern)
        if method != self.method and not (self.method == "GET" and method == "HEAD"):
            return None
        return self._regex.fullmatch(path)


@dataclass
class HostSpec:
    name: str
    routes: list[Route]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: email.message.Message
    body: bytes
    match: re.Match[str]
    host: SimHost
    world: SimWorld

    @property
    def base_url(self) -> str:
        return self.host.base_url

    @property
    def token(self) -> str | None:
        auth = self.headers.get("Authorization") or ""
        return auth[7:] if auth.lower().startswith("bearer ") else None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain; charset=utf-8"
    etag: bool = False
    last_modified: datetime | None = None

    @classmethod
    def json(cls, data: Any, status: int = 200, **kw: Any) -> Reply:
        body = json.dumps(data, ensure_ascii=False)
        return cls(status, body, content_type="application/json; charset=utf-8", **kw)

    @classmethod
    def text(cls, text: str, status: int = 200, **kw: Any) -> Reply:
        return cls(status, text, **kw)

    @classmethod
    def xml(cls, text: str, content_type: str = "application/xml", **kw: Any) -> Reply:
        return cls(200, text, content_type=f"{content_type}; charset=utf-8", **kw)

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass
class _Quota:
    remaining: int
    reset_at: float


class SimHost:
    """One simulated service on one loopback address."""

    def __init__(
        self, name: str, routes: Sequence[Route], world: SimWorld, address: str = "127.0.0.1"
    ) -> None:
        self.name = name
        self.routes = list(routes)
        self.world = world
        self.address = address
        self.faults = Faults()
        self.chaos_counts: dict[str, int] = {}
        self._chaos_rng: random.Random | None = None
        self._chaos_seed = 0
        self.rate_limit = 300  # requests per window, per token
        self.rate_window = 300.0
        self.requests = 0
        self.statuses: dict[int, int] = {}
        # What the write endpoints received (tests assert on it), and their
        # own state (sessions, idempotency keys), both kept per host.
        self.writes: list[Written] = []
        self.state: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._quotas: dict[str | None, _Quota] = {}
        self._server: LoggingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "host not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"sim_host": self})
        try:
            self._server = LoggingHTTPServer((self.address, 0), handler, __name__)
        except OSError:
            self.address = "127.0.0.1"
            self._server = LoggingHTTPServer((self.address, 0), handler, __name__)
        # serve_forever notices a shutdown only at its next poll: a short
        # interval lets a test or ``veille sim`` stop in a blink, not half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sim-{self.name}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def reset_counters(self) -> None:
        with self._lock:
            self.requests = 0
            self.statuses.clear()

    # -- dispatch ------------------------------------------------------------

    def _count(self) -> int:
        with self._lock:
            self.requests += 1
            return self.requests

    def _record(self, status: int) -> None:
        with self._lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def _quota(self, token: str | None) -> tuple[_Quota, bool]:
        now = time.time()
        with self._lock:
            q = self._quotas.get(token)
            if q is None or now >= q.reset_at:
                q = _Quota(self.rate_limit, now + self.rate_window)
                self._quotas[token] = q
            allowed = q.remaining > 0
            if allowed:
                q.remaining -= 1
            return q, allowed

    def take_chaos(self) -> str | None:
        """The chaos fault for this request, if any (counted in ``chaos_counts``)."""
        f = self.faults
        if f.chaos <= 0:
            return None
        with self._lock:
            if self._chaos_rng is None or self._chaos_seed != f.chaos_seed:
                # Each host draws its own sequence: one seed shared by every
                # host would give them all the same faults in the same order.
                self._chaos_rng = random.Random(f"{f.chaos_seed}:{self.name}")
                self._chaos_seed = f.chaos_seed
            if self._chaos_rng.random() >= f.chaos:
                return None
            kind = self._chaos_rng.choice(CHAOS_KINDS)
            self.chaos_counts[kind] = self.chaos_counts.get(kind, 0) + 1
            return kind

    def _take_fault(self, n: int) -> tuple[str, int] | None:
        f = self.faults
        with self._lock:
            if f.rate_limit_next > 0:
                f.rate_limit_next -= 1
                return ("429", 429)
            if f.error_next > 0:
                f.error_next -= 1
                return ("error", f.error_status)
        if f.rate_limit_every and n % f.rate_limit_every == 0:
            return ("429", 429)
        if f.error_every and n % f.error_every == 0:
            return ("error", f.error_status)
        return None

    def dispatch(
        self, method: str, target: str, headers: email.message.Message, body: bytes
    ) -> Reply:
        n = self._count()
        f = self.faults
        if f.delay_seconds:
            time.sleep(f.delay_seconds)
        if f.redirect_to:
            return Reply(302, b"", headers={"Location": f.redirect_to})
        auth = headers.get("Authorization") or ""
        token = auth[7:] if auth.lower().startswith("bearer ") else None
        quota, allowed = self._quota(token)
        rate = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(quota.remaining),
            "X-RateLimit-Reset": datetime.fromtimestamp(quota.reset_at, UTC).isoformat(),
        }
        fault = self._take_fault(n)
        if not allowed or (fault and fault[0] == "429"):
            return Reply(
                429,
                '{"error": "Too many requests"}',
                headers={**rate, "Retry-After": str(f.retry_after)},
                content_type="application/json",
            )
        if fault:
            return Reply(fault[1], "Service unavailable", headers=rate)
        parts = urlsplit(target)
        path = parts.path
        for route in self.routes:
            m = route.match(method, path)
            if m is None:
                continue
            req = Request(method, path, parse_qs(parts.query), headers, body, m, self, self.world)
            try:
                reply = route.handler(req)
            except Exception as exc:  # a buggy service answers 500
                reply = Reply(500, f"internal error: {exc!r}")
            reply.headers = {**rate, **reply.headers}
            return self._conditional(reply, headers)
        return Reply(404, f"no route for {method} {path}", headers=rate)

    def _conditional(self, reply: Reply, headers: email.message.Message) -> Reply:
        if reply.status != 200:
            return reply
        if reply.etag:
            tag = '"' + hashlib.blake2b(reply.payload(), digest_size=10).hexdigest() + '"'
            reply.headers["ETag"] = tag
            inm = headers.get("If-None-Match")
            if inm and tag in [t.strip() for t in inm.split(",")]:
                return Reply(304, b"", headers=reply.headers)
        if reply.last_modified is not None:
            lm = reply.last_modified.astimezone(UTC)
            reply.headers["Last-Modified"] = email.utils.format_datetime(lm, usegmt=True)
            ims = headers.get("If-Modified-Since")
            if ims and not reply.etag:
                with contextlib.suppress(TypeError, ValueError):
                    if lm.replace(microsecond=0) <= email.utils.parsedate_to_datetime(ims):
                        return Reply(304, b"", headers=reply.headers)
        return reply


class _Handler(BaseHTTPRequestHandler):
    sim_host: SimHost
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle and
    # delayed ACKs add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the simulator is used by tests and the demo

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.sim_host
        chaos = host.take_chaos()
        if chaos == "reset":  # close with RST, no answer at all
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if chaos == "timeout":
            time.sleep(host.faults.chaos_delay)
        if chaos in ("429", "500", "503"):
            status = int(chaos)
            extra = {"Retry-After": "1"} if status == 429 else {}
            reply = Reply(status, "chaos", headers=extra)
        else:
            reply = host.dispatch(self.command, self.path, self.headers, body)
        f = host.faults
        payload = reply.payload()
        host._record(reply.status)
        if reply.status == 200 and f.huge_bytes:
            self._send_huge(f.huge_bytes)
            return
        if reply.status == 200 and (f.malformed or chaos == "malformed"):
            payload = b"<?xml version='1.0'?><rss><channel><item><title>broken &&& <<" + b"\x00\xff"
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        if reply.status != 304:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        if (f.truncate or chaos == "truncate") and reply.status == 200:
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.close_connection = True
            return
        self.end_headers()
        if self.command != "HEAD" and reply.status != 304:
            self.wfile.write(payload)

    def _send_huge(self, size: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"x" * 65536
        sent = 0
        with contextlib.suppress(OSError):
            while sent < size:
                self.wfile.write(chunk)
                sent += len(chunk)
        self.close_connection = True

    def handle_one_request(self) -> None:
        with contextlib.suppress(ConnectionError):
            super().handle_one_request()

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve


class Simulator:
    """A set of :class:`SimHost` on loopback, sharing one :class:`SimWorld`.

    Use as a context manager (or call :meth:`start`/:meth:`stop`)."""

    def __init__(self, world: SimWorld, specs: Iterable[HostSpec] | None = None) -> None:
        self.world = world
        self.hosts: dict[str, SimHost] = {}
        self._next_octet = 2
        for spec in default_specs() if specs is None else specs:
            self.add_host(spec.name, spec.routes)

    def add_host(self, name: str, routes: Sequence[Route]) -> SimHost:
        """Add routes to host ``name`` (created on the next free 127.0.0.x)."""
        if name in self.hosts:
            self.hosts[name].routes.extend(routes)
            return self.hosts[name]
        octet = self._next_octet
        self._next_octet += 1
        address = f"127.0.{octet // 250}.{octet % 250 + 1}" if octet >= 250 else f"127.0.0.{octet}"
        host = SimHost(name, routes, self.world, address)
        self.hosts[name] = host
        return host

    def host(self, name: str) -> SimHost:
        return self.hosts[name]

    def url(self, host: str, path: str = "/") -> str:
        return self.hosts[host].url(path)

    def start(self) -> Simulator:
        for h in self.hosts.values():
            if h._server is None:
                h.start()
        return self

    def stop(self) -> None:
        # The hosts are stopped together: one by one, each waits for its own
        # server's next poll, and a dozen hosts add up.
        stoppers = [threading.Thread(target=h.stop) for h in self.hosts.values()]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def default_specs() -> list[HostSpec]:
    """Every host contributed by the modules in :data:`SIM_MODULES`."""
    specs: list[HostSpec] = []
    for name in SIM_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        specs.extend(module.host_specs())
    return specs
