"""The one HTTP client every connector uses.

:class:`HttpClient` wraps :mod:`httpx` (synchronous; one instance is shared by
threads) and adds what polite, safe collection needs:

- **caps**: a total time limit per request (``timeout_seconds``, including a
  body that drips in slowly) and a body-size limit (``max_body_bytes``; the
  body is streamed and reading stops past it);
- **retries** with jittered exponential backoff on 429, 500, 502, 503, 504 and
  connection errors; ``Retry-After`` (seconds or an HTTP date) is honoured;
- **per-host concurrency** (``per_host_concurrency`` requests at once per host);
- **rate-limit headers** (``X-RateLimit-*``, ``x-ratelimit-*`` as Reddit sends
  them, IETF ``RateLimit-*``; read by :mod:`veille.ratelimits`) remembered per
  host and per token: when the remaining quota is 0 the next request waits
  for the reset;
- an honest ``User-Agent`` from the settings;
- **conditional GET**: pass ``etag``/``last_modified``; a 304 comes back as a
  response with ``not_modified`` true;
- the **SSRF guard**: the host name is resolved (through an injectable
  ``resolver``), every address is checked, and the connection is made to the
  checked address (no second lookup an attacker could race). Redirects are
  followed here, not by httpx, and each hop is checked again. Private,
  loopback, link-local, CGNAT, multicast, reserved, unspecified and IPv6 local
  addresses are refused unless ``allow_private_networks`` is set.

Every failure is an :class:`HttpError` (a :class:`~veille.errors.VeilleError`)
naming the URL.
"""

from __future__ import annotations

import ipaddress
import itertools
import random
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from veille.config import HttpSettings
from veille.deadline import Deadlines
from veille.deadline import transport as deadline_transport
from veille.errors import Figure, Text, tr
from veille.httperrors import (
    BlockedAddress,
    ConnectFailed,
    FetchTimeout,
    HttpError,
    HttpStatusError,
    RateLimited,
    ResponseTooLarge,
)
from veille.inflate import Inflater, UnknownEncoding
from veille.netguard import BLOCKED_HINT, Resolver, _said_reason, refusal, system_resolver
from veille.ratelimits import RateState, parse_rate_headers, parse_retry_after
from veille.reasons import connection_reason, not_json, resolution_reason

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10


@dataclass
class Response:
    """A fully read response."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes
    elapsed: float = 0.0
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def text(self) -> str:
        charset = "utf-8"
        ctype = self.headers.get("content-type", "")
        for part in ctype.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        import json

        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise HttpError(
                tr(
                    "%(url)s did not return valid JSON (%(error)s)",
                    url=self.url,
                    error=not_json(exc),
                ),
                url=self.url,
                hint=tr("The service may be down or the URL may point at a web page."),
            ) from exc
        except RecursionError:  # [[[[… a hundred thousand deep
            raise HttpError(
                tr("%(url)s returned JSON nested too deeply to read", url=self.url),
                url=self.url,
                hint=tr("The service is broken or hostile; veille will try again later."),
            ) from None

    def validators(self) -> dict[str, str]:
        """``{"etag": …, "last_modified": …}`` for the next conditional GET."""
        out = {}
        if self.etag:
            out["etag"] = self.etag
        if self.last_modified:
            out["last_modified"] = self.last_modified
        return out


class HttpClient:
    """See the module docstring. Build one per process (or per collection run)
    with :meth:`from_settings` and share it between threads."""

    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        resolver: Resolver | None = None,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        allowed_networks: Sequence[str] = (),
    ) -> None:
        self.settings = settings or HttpSettings()
        # Networks allowed even when private ones are refused (one internal host).
        self.allowed_networks = [ipaddress.ip_network(n) for n in allowed_networks]
        self.resolver: Resolver = resolver or system_resolver
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        # The longest Retry-After or quota reset we block a thread for; longer
        # waits raise RateLimited so the scheduler can come back later.
        self.max_wait = max_wait
        self.sleep = sleep
        timeout = self.settings.timeout_seconds
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
        # The time limit holds for the whole request, headers included.
        self._deadlines = Deadlines()
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            transport=transport or deadline_transport(limits, self._deadlines),
            limits=limits,
            trust_env=False,
        )
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._rates: dict[tuple[str, str | None], RateState] = {}
        self.requests_sent = 0

    @classmethod
    def from_settings(cls, settings: HttpSettings, **kwargs: Any) -> HttpClient:
        return cls(settings, **kwargs)

    # -- public API ----------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        token: str | None = None,
    ) -> Response:
        """GET ``url``; a conditional GET when ``etag``/``last_modified`` are given.

        ``token`` is a bearer token sent as ``Authorization`` and the key under
        which its rate limits are tracked (never logged).
        """
        h = dict(headers or {})
        if etag:
            h["If-None-Match"] = etag
        if last_modified:
            h["If-Modified-Since"] = last_modified
        return self.request("GET", url, params=params, headers=h, token=token)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        token: str | None = None,
        raise_for_status: bool = True,
        retries: int | None = None,
        follow_redirects: bool = True,
    ) -> Response:
        """Send one request (with retries and redirects); raise an :class:`HttpError`
        for a refused address, a timeout, an oversize body or (with
        ``raise_for_status``) a final status of 400 or more other than 304.

        ``content`` is sent byte for byte (a signed body); ``retries`` overrides
        ``[http] max_retries`` (0 where the caller owns retries, as the alerts
        outbox does); without ``follow_redirects`` a redirect is returned as is."""
        if params:
            url = str(
                httpx.URL(url).copy_merge_params({k: v for k, v in params.items() if v is not None})
            )
        h = {"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"}
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        redirects: list[str] = []
        current, current_method = url, method
        body: dict[str, Any] = {"data": data, "json": json_body, "content": content}
        attempts = (self.settings.max_retries if retries is None else max(0, retries)) + 1
        for _ in range(MAX_REDIRECTS + 1):
            resp = self._with_retries(current_method, current, h, body, token, attempts)
            if follow_redirects and resp.status in REDIRECT_STATUSES and "location" in resp.headers:
                redirects.append(current)
                current = urljoin(current, resp.headers["location"])
                if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                    current_method, body = "GET", {}
                continue
            resp.redirects = redirects
            if raise_for_status and resp.status >= 400:
                raise HttpStatusError(
                    tr("%(url)s answered HTTP %(status)s", url=current, status=resp.status),
                    url=current,
                    status=resp.status,
                    hint=_status_hint(resp.status),
                )
            return resp
        raise HttpError(
            tr("%(url)s redirected more than %(count)s times", url=url, count=MAX_REDIRECTS),
            url=url,
            hint=tr("Check the URL."),
        )

    def rate_state(self, url: str, token: str | None = None) -> RateState | None:
        """The last quota a host announced for ``token`` (``None``: no token)."""
        host = urlsplit(url).hostname or ""
        with self._lock:
            return self._rates.get((host, token))

    def quota_left(self, url: str, token: str | None = None) -> int | None:
        state = self.rate_state(url, token)
        return state.remaining if state else None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -----------------------------------------------------------

    def check_url(self, url: str) -> tuple[httpx.URL, str]:
        """Validate ``url`` and return it with the address to connect to.

        Raises :class:`BlockedAddress` or :class:`ConnectFailed`.
        """
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            raise HttpError(
                tr("%(url)r is not a valid URL (%(error)s)", url=url, error=str(exc)), url=url
            ) from exc
        if parsed.scheme not in ("http", "https"):
            raise HttpError(
                tr("%(url)s is not an http(s) URL", url=url),
                url=url,
                hint=tr("Use an http:// or https:// URL."),
            )
        host = parsed.host
        if not host:
            raise HttpError(tr("%(url)s has no host", url=url), url=url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            ipaddress.ip_address(host)
            addresses: Sequence[str] = [host]
        except ValueError:
            try:
                addresses = list(self.resolver(host, port))
            except (OSError, UnicodeError) as exc:
                raise ConnectFailed(
                    tr(
                        "cannot resolve %(host)s (from %(url)s): %(error)s",
                        host=host,
                        url=url,
                        error=resolution_reason(exc),
                    ),
                    url=url,
                    hint=tr("Check the host name and the network."),
                ) from exc
        if not addresses:
            raise ConnectFailed(
                tr("%(host)s (from %(url)s) has no address", host=host, url=url), url=url
            )
        for ip in addresses:
            reason = refusal(ip, self.settings, self.allowed_networks)
            if reason:
                msg = tr("refused %(url)s: %(host)s is a %(reason)s address (%(ip)s)",
                         url=url, host=host, reason=_said_reason(reason), ip=ip)  # fmt: skip
                raise BlockedAddress(msg, url=url, hint=BLOCKED_HINT)
        return parsed, addresses[0]

    def _semaphore(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._semaphores.get(host)
            if sem is None:
                sem = threading.BoundedSemaphore(max(1, self.settings.per_host_concurrency))
                self._semaphores[host] = sem
            return sem

    def _wait_for_quota(self, url: str, host: str, token: str | None) -> None:
        with self._lock:
            state = self._rates.get((host, token))
        if state is None or state.remaining is None or state.remaining > 0:
            return
        if state.reset_at is None:
            return
        delay = state.reset_at - time.time()
        if delay <= 0:
            return
        if delay > self.max_wait:
            raise RateLimited(
                tr(
                    "%(host)s quota is used up until %(time)s UTC (asked for %(url)s)",
                    host=host,
                    time=f"{datetime.fromtimestamp(state.reset_at, UTC):%H:%M:%S}",
                    url=url,
                ),
                url=url,
                retry_after=delay,
            )
        self.sleep(delay)

    def _record_rate(self, host: str, token: str | None, headers: httpx.Headers) -> None:
        state = parse_rate_headers(headers)
        if state is not None:
            with self._lock:
                self._rates[(host, token)] = state

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    def _with_retries(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: Mapping[str, Any],
        token: str | None,
        attempts: int,
    ) -> Response:
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                resp = self._once(method, url, headers, body, token)
            except ConnectFailed:
                if last:
                    raise
                self.sleep(self._backoff(attempt))
                continue
            if resp.status not in RETRY_STATUSES:
                return resp
            wait = parse_retry_after(resp.headers.get("retry-after"))
            if wait is not None and wait > self.max_wait:
                raise RateLimited(
                    tr(
                        "%(url)s answered HTTP %(status)s and asks to wait %(seconds)s s",
                        url=url,
                        status=resp.status,
                        seconds=Figure(wait, 0),
                    ),
                    url=url,
                    retry_after=wait,
                    status=resp.status,
                )
            if last:
                if resp.status == 429:
                    raise RateLimited(
                        tr(
                            "%(url)s still answers HTTP 429 after %(count)s tries",
                            url=url,
                            count=attempts,
                        ),
                        url=url,
                        retry_after=wait or self.backoff_cap,
                    )
                return resp
            self.sleep(wait if wait is not None else self._backoff(attempt))
        raise AssertionError("unreachable")

    def _once(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: Mapping[str, Any],
        token: str | None,
    ) -> Response:
        parsed, ip = self.check_url(url)
        host = parsed.host
        self._wait_for_quota(url, host, token)
        # Connect to the checked address; the Host header and TLS name stay the host's.
        ip_host = f"[{ip}]" if ":" in ip else ip
        netloc = ip_host if parsed.port is None else f"{ip_host}:{parsed.port}"
        target = urlunsplit(
            (parsed.scheme, netloc, parsed.raw_path.decode("ascii").split("?")[0],
             parsed.query.decode("ascii"), "")
        )  # fmt: skip
        h = dict(headers)
        h["Host"] = parsed.netloc.decode("ascii")
        extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
        cap = self.settings.max_body_bytes
        started = time.monotonic()
        with self._semaphore(host), self._deadlines.after(self.settings.timeout_seconds):
            deadline = time.monotonic() + self.settings.timeout_seconds
            self.requests_sent += 1
            try:
                req = self._client.build_request(
                    method,
                    target,
                    headers=h,
                    data=body.get("data"),
                    json=body.get("json"),
                    content=body.get("content"),
                    extensions=extensions,
                )
                resp = self._client.send(req, stream=True)
            except httpx.TimeoutException as exc:
                raise FetchTimeout(
                    tr(
                        "%(url)s did not answer within %(seconds)s s",
                        url=url,
                        seconds=Figure(self.settings.timeout_seconds),
                    ),
                    url=url,
                    hint=tr("The server is slow or down; veille will try again later."),
                ) from exc
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                raise ConnectFailed(
                    tr("cannot reach %(url)s: %(error)s", url=url, error=connection_reason(exc)),
                    url=url,
                ) from exc
            except httpx.HTTPError as exc:
                raise HttpError(tr("%(url)s: %(error)s", url=url, error=str(exc)), url=url) from exc
            try:
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > cap:
                    raise ResponseTooLarge(
                        tr(
                            "%(url)s announces %(size)s bytes, over the %(cap)s-byte limit",
                            url=url,
                            size=int(declared),
                            cap=cap,
                        ),
                        url=url,
                        hint=tr("Raise [http] max_body_bytes if this body is expected."),
                    )
                encoding = resp.headers.get("content-encoding")
                # Decoded here in bounded pieces, not by httpx: see veille.inflate.
                inflater = Inflater(encoding)
                chunks: list[bytes] = []
                size = 0
                for raw in itertools.chain(resp.iter_raw(), [None]):
                    pieces = inflater.feed(raw) if raw is not None else inflater.close()
                    for chunk in pieces:
                        size += len(chunk)
                        if size > cap:
                            raise ResponseTooLarge(
                                tr(
                                    "%(url)s sent more than the %(cap)s-byte limit; reading stopped",  # noqa: E501
                                    url=url,
                                    cap=cap,
                                ),
                                url=url,
                                hint=tr("Raise [http] max_body_bytes if this body is expected."),
                            )
                        chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise FetchTimeout(
                            tr(
                                "%(url)s took longer than %(seconds)s s to send its body",
                                url=url,
                                seconds=Figure(self.settings.timeout_seconds),
                            ),
                            url=url,
                        )
            except httpx.TimeoutException as exc:
                raise FetchTimeout(
                    tr("%(url)s stalled while sending its body", url=url), url=url
                ) from exc
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.DecodingError) as exc:
                raise ConnectFailed(
                    tr(
                        "%(url)s broke off its answer: %(error)s",
                        url=url,
                        error=connection_reason(exc),
                    ),
                    url=url,
                ) from exc
            except UnknownEncoding as exc:
                raise HttpError(
                    tr(
                        "%(url)s sent its body in an encoding veille did not ask for (%(error)s)",
                        url=url,
                        error=str(exc),
                    ),
                    url=url,
                    hint=tr("veille asks for gzip or deflate; the server should send one of them."),
                ) from exc
            except zlib.error as exc:
                raise ConnectFailed(
                    tr(
                        "%(url)s sent a body its Content-Encoding (%(encoding)s) does not decode: %(error)s",  # noqa: E501
                        url=url,
                        encoding=encoding,
                        error=str(exc),
                    ),
                    url=url,
                ) from exc
            finally:
                resp.close()
        self._record_rate(host, token, resp.headers)
        return Response(
            url=url,
            status=resp.status_code,
            headers=resp.headers,
            content=b"".join(chunks),
            elapsed=time.monotonic() - started,
        )


def _status_hint(status: int) -> Text:
    if status in (401, 403):
        return tr("Check the token or credentials configured for this source.")
    if status == 404:
        return tr("Check the URL or the account/feed name; it may have moved or been deleted.")
    if status == 410:
        return tr("The resource is gone; remove the source.")
    if status >= 500:
        return tr("The service is failing; veille will try again later.")
    return tr("Check the source's settings.")
