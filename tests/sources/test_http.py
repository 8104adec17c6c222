"""The HTTP client: SSRF guard, retries, caps and rate limits, on real loopback servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from veille.config import HttpSettings
from veille.http import HttpClient
from veille.httperrors import (
    BlockedAddress,
    ConnectFailed,
    FetchTimeout,
    HttpError,
    RateLimited,
    ResponseTooLarge,
)
from veille.netguard import blocked_reason
from veille.sim.server import HostSpec, Reply, Route, SimClock, Simulator, SimWorld

BLOCKED = [
    "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "100.127.255.254", "0.0.0.0", "224.0.0.1", "239.255.255.250", "::1", "::",
    "fc00::1", "fd12:3456::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "::ffff:169.254.169.254", "ff02::1",
]  # fmt: skip


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    from datetime import UTC, datetime

    world = SimWorld([], SimClock(datetime(2026, 1, 1, tzinfo=UTC)))
    routes = [
        Route("GET", r"/ok", lambda r: Reply.text("hello", etag=True)),
        Route(
            "GET", r"/to-private", lambda r: Reply(302, headers={"Location": "http://10.1.2.3/x"})
        ),
        Route("GET", r"/to-other", lambda r: Reply(302, headers={"Location": r.arg("to") or "/"})),
    ]
    s = Simulator(world, [HostSpec("a", routes), HostSpec("b", routes)])
    with s:
        yield s


def allow(**kw: object) -> HttpClient:
    return HttpClient(HttpSettings(allow_private_networks=True, **kw), backoff_base=0.01)  # type: ignore[arg-type]


@pytest.mark.parametrize("ip", BLOCKED)
def test_private_literals_are_refused_by_default(ip: str) -> None:
    host = f"[{ip}]" if ":" in ip else ip
    with HttpClient() as http, pytest.raises(BlockedAddress) as err:
        http.get(f"http://{host}/feed")
    assert ip in err.value.message and "http://" in err.value.url


def test_public_addresses_are_allowed() -> None:
    assert blocked_reason("93.184.216.34") is None
    assert blocked_reason("2606:4700::1111") is None


@pytest.mark.parametrize(
    "ip", ["10.0.0.7", "169.254.169.254", "100.64.1.1", "fd00::5", "127.0.0.1"]
)
def test_names_are_checked_after_resolution(ip: str) -> None:
    http = HttpClient(resolver=lambda host, port: ["93.184.216.34", ip])
    with pytest.raises(BlockedAddress, match=r"innocent\.example"):
        http.get("https://innocent.example/feed")


def test_localhost_by_name_is_refused() -> None:
    with HttpClient() as http, pytest.raises(BlockedAddress, match="loopback"):
        http.get("http://localhost/")


def test_redirect_to_private_address_is_refused(sim: Simulator) -> None:
    # Only host "a" is allowed (as an explicitly allowed internal network):
    # its redirect to 10.1.2.3 must be checked and refused.
    a = sim.host("a")
    http = HttpClient(allowed_networks=[f"{a.address}/32"])
    assert http.get(a.url("/ok")).text == "hello"
    with pytest.raises(BlockedAddress, match=r"10\.1\.2\.3"):
        http.get(a.url("/to-private"))
    with pytest.raises(BlockedAddress, match="loopback"):
        http.get(a.url("/to-other?to=" + sim.url("b", "/ok")))


def test_resolved_name_connects_to_checked_address(sim: Simulator) -> None:
    a = sim.host("a")
    http = allow()
    http.resolver = lambda host, port: [a.address]
    resp = http.get(f"http://feeds.example:{a.port}/ok")
    assert resp.text == "hello"


def test_conditional_get_answers_304(sim: Simulator) -> None:
    http = allow()
    first = http.get(sim.url("a", "/ok"))
    again = http.get(sim.url("a", "/ok"), etag=first.etag)
    assert again.not_modified and again.content == b""


def test_429_and_503_are_retried(sim: Simulator) -> None:
    host = sim.host("a")
    host.faults.rate_limit_next = 2
    host.faults.error_next = 1
    resp = allow().get(host.url("/ok"))
    assert resp.text == "hello"
    assert host.faults.rate_limit_next == 0 and host.faults.error_next == 0


def test_long_retry_after_raises_rate_limited(sim: Simulator) -> None:
    host = sim.host("a")
    host.faults.rate_limit_next = 1
    host.faults.retry_after = 3600
    try:
        with pytest.raises(RateLimited) as err:
            allow().get(host.url("/ok"))
        assert err.value.retry_after >= 3600
    finally:
        host.faults.retry_after = 1


def test_huge_body_is_capped(sim: Simulator) -> None:
    host = sim.host("b")
    host.faults.huge_bytes = 50_000_000
    try:
        with pytest.raises(ResponseTooLarge, match="1000000-byte"):
            allow(max_body_bytes=1_000_000).get(host.url("/ok"))
    finally:
        host.faults.huge_bytes = 0


def test_truncated_body_is_an_error(sim: Simulator) -> None:
    host = sim.host("b")
    host.faults.truncate = True
    try:
        with pytest.raises(ConnectFailed):
            allow(max_retries=1).get(host.url("/ok"))
    finally:
        host.faults.truncate = False


def test_slow_server_times_out(sim: Simulator) -> None:
    host = sim.host("b")
    host.faults.delay_seconds = 1.5
    try:
        with pytest.raises(FetchTimeout):
            allow(timeout_seconds=0.3, max_retries=0).get(host.url("/ok"))
    finally:
        host.faults.delay_seconds = 0


def test_rate_limit_headers_are_tracked_and_waited_on(sim: Simulator) -> None:
    host = sim.host("b")
    waits: list[float] = []
    http = HttpClient(HttpSettings(allow_private_networks=True), sleep=waits.append)
    http.get(host.url("/ok"), token="t1")
    state = http.rate_state(host.url("/"), "t1")
    assert state is not None and state.limit == host.rate_limit
    assert http.quota_left(host.url("/"), "t1") == host.rate_limit - 1
    assert http.rate_state(host.url("/"), "other") is None  # per token
    state.remaining = 0
    import time

    state.reset_at = time.time() + 5
    http.get(host.url("/ok"), token="t1")
    assert waits and 0 < waits[0] <= 5


def test_user_agent_is_sent(sim: Simulator) -> None:
    seen: list[str] = []

    def echo(req):  # type: ignore[no-untyped-def]
        seen.append(req.headers.get("User-Agent"))
        return Reply.text("ok")

    sim.host("a").routes.append(Route("GET", r"/ua", echo))
    allow(user_agent="veille-test/1 (+mailto:ops@example.org)").get(sim.url("a", "/ua"))
    assert seen == ["veille-test/1 (+mailto:ops@example.org)"]


def test_an_error_names_the_url_without_its_password_or_token() -> None:
    """A source's failure is stored and shown (its health, the sources page,
    the logs): the address in it carries no secret."""
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://ana:pw-secret-1@127.0.0.1:{port}/feed.xml?api_key=KEY123&page=2"
    with pytest.raises(ConnectFailed) as got:
        allow(max_retries=1).get(url)
    message = str(got.value.message)
    assert f"127.0.0.1:{port}/feed.xml" in message and "page=2" in message
    assert "pw-secret-1" not in message and "KEY123" not in message
    assert got.value.url == url  # the caller still has the address it asked for


def _gzip_of_zeros(size: int) -> bytes:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(size >> 20)) + packer.flush()


def test_a_gzip_bomb_is_stopped_at_the_cap_without_filling_memory(sim: Simulator) -> None:
    """A body of 1 KB gzipped twice ('Content-Encoding: gzip, gzip') held
    256 MB of zeros: httpx decoded each received chunk whole, so memory filled
    before the size cap was checked (10 GB of zeros fit in 10 KB, and the
    daemon was killed for memory). The body is decoded in small pieces, and
    the cap stops it as it stops a plain one."""
    import gzip
    import tracemalloc

    bomb = gzip.compress(_gzip_of_zeros(256 << 20))
    sim.add_host(
        "bomb",
        [Route("GET", r"/feed", lambda r: Reply(200, bomb, {"Content-Encoding": "gzip, gzip"}))],
    )
    sim.host("bomb").start()
    http = allow(max_retries=0, max_body_bytes=5_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLarge, match="5000000-byte limit"):
            http.get(sim.url("bomb", "/feed"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"{peak >> 20} MB held"


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "deflate", "raw-deflate", "gzip, deflate"])
def test_compressed_bodies_are_decoded(sim: Simulator, encoding: str) -> None:
    import zlib

    text = "Le fil d’actualité, " * 5000

    def pack(data: bytes, how: str) -> bytes:
        wbits = {"deflate": zlib.MAX_WBITS, "raw-deflate": -zlib.MAX_WBITS}.get(how, 31)
        packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
        return packer.compress(data) + packer.flush()

    body = text.encode()
    for how in encoding.split(", "):
        body = pack(body, how)
    header = encoding.replace("raw-", "")
    sim.add_host(
        f"enc-{encoding}",
        [Route("GET", r"/", lambda r: Reply(200, body, {"Content-Encoding": header}))],
    )
    sim.host(f"enc-{encoding}").start()
    assert allow().get(sim.url(f"enc-{encoding}", "/")).text == text


def test_a_body_in_an_encoding_not_asked_for_is_refused_with_its_url(sim: Simulator) -> None:
    sim.add_host(
        "br", [Route("GET", r"/", lambda r: Reply(200, b"\x1b\x00", {"Content-Encoding": "br"}))]
    )
    sim.host("br").start()
    with pytest.raises(HttpError, match=r"encoding veille did not ask for \(br\)") as err:
        allow(max_retries=0).get(sim.url("br", "/"))
    assert err.value.url == sim.url("br", "/")


def test_a_server_dripping_its_headers_is_cut_at_the_time_limit() -> None:
    """A slowloris: the status line, then one header line every 0.2 s. httpx's
    timeouts hold for each read, so no read was late and the request (with
    the source and the round waiting for it) lasted as long as the server
    liked. The time limit now holds for the whole request."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                for _ in range(300):  # a minute, unless the client hangs up
                    if stop.wait(0.2):
                        return
                    conn.sendall(b"X-Drip: 1\r\n")
                conn.sendall(b"Content-Length: 2\r\n\r\nok")
            except OSError:
                return

    worker = threading.Thread(target=drip, daemon=True)
    worker.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/feed"
    try:
        with pytest.raises(FetchTimeout, match="did not answer within 1 s") as err:
            allow(timeout_seconds=1, max_retries=0).get(url)
        assert err.value.url == url
    finally:
        stop.set()
        worker.join()
        server.close()


def test_json_nested_too_deeply_is_an_error_naming_the_url(sim: Simulator) -> None:
    """An API answering [[[[… 100,000 deep: json raised a RecursionError, and
    the source's health said 'maximum recursion depth exceeded', no URL."""
    deep = b"[" * 100_000 + b"]" * 100_000
    sim.add_host("deep", [Route("GET", r"/api", lambda r: Reply(200, deep))])
    sim.host("deep").start()
    url = sim.url("deep", "/api")
    with pytest.raises(HttpError, match="nested too deeply") as err:
        allow().get(url).json()
    assert err.value.url == url and url in err.value.message


@pytest.mark.parametrize(
    ("remaining", "reset", "waits"),
    [
        ("0", "nan", False),
        ("0", "inf", False),
        ("inf", "60", False),
        ("0", "99999999999999", True),
        ("0", "9999-12-31T00:00:00Z", True),
    ],
)
def test_a_hostile_quota_header_does_not_shut_the_host_out(
    sim: Simulator, remaining: str, reset: str, waits: bool
) -> None:
    """One answer with 'X-RateLimit-Remaining: 0' and a reset of 'nan' made
    every later request to the host fail on 'Invalid value NaN' before it was
    sent (no answer came to tell a new quota), for as long as the process
    lived; a reset in the year 3 million failed on 'year is out of range',
    and 'Remaining: inf' on an OverflowError, at every answer. Such values are
    not believed, and a reset is believed a day ahead at most."""
    name = f"quota-{remaining}-{reset}".replace(":", "")
    headers = {"X-RateLimit-Remaining": remaining, "X-RateLimit-Reset": reset}
    sim.add_host(name, [Route("GET", r"/api", lambda r: Reply.text("ok", headers=headers))])
    sim.host(name).start()
    http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0), max_wait=0)
    url = sim.url(name, "/api")
    assert http.get(url).text == "ok"
    if not waits:
        assert http.get(url).text == "ok"
        return
    with pytest.raises(RateLimited) as err:  # a reset believed: a day ahead at most
        http.get(url)
    assert err.value.retry_after <= 86400 and url in err.value.message
