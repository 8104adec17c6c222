"""The SSRF matrix (issue 22): every path that makes a request — the sources'
HTTP client, webhooks, apprise's JSON/form/XML/ntfy-style URLs and its e-mail
(SMTP) URLs — is refused private, loopback, link-local, CGNAT and multicast
addresses, given literally, as a DNS name, or behind a redirect. A real server
on loopback counts every connection it accepts: it must see none unless the
workspace allows private networks."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from veille.alerts.channels import ChannelContext, ChannelError, Delivery, channel_for
from veille.alerts.channels import apprise_guard as guard
from veille.alerts.channels.httpclient import post as webhook_post
from veille.alerts.model import Alert, AlertBook
from veille.config import HttpSettings, Settings
from veille.errors import UsageError, VeilleError
from veille.http import HttpClient
from veille.httperrors import BlockedAddress
from veille.httpserver import LoggingHTTPServer

ALLOWED_NET = "127.0.0.2/32"  # stands for "a public server" in the redirect tests


@dataclass
class Recorder:
    """Loopback servers (127.0.0.1 and ::1, one port each) that count every
    connection they accept and answer HTTP 200 (or a redirect when told)."""

    port: int = 0
    port6: int = 0
    connections: list[str] = field(default_factory=list)
    redirect_to: str | None = None
    servers: list[LoggingHTTPServer] = field(default_factory=list)


def _serve(rec: Recorder, host: str, family: socket.AddressFamily) -> LoggingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            if rec.redirect_to:
                self.send_response(307)
                self.send_header("Location", rec.redirect_to)
            else:
                self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, *args: Any) -> None:
            pass

    # veille's own test server: a client hanging up mid-answer (the guard
    # refusing a redirect) is logged, not printed across the suite's output.
    class Server(LoggingHTTPServer):
        address_family = family

        def verify_request(self, request: Any, client_address: Any) -> bool:
            rec.connections.append(str(client_address[0]))
            return True

    server = Server((host, 0), Handler, "veille.tests.ssrf")
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    rec.servers.append(server)
    return server


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    rec.port = _serve(rec, "127.0.0.1", socket.AF_INET).server_address[1]
    try:
        rec.port6 = _serve(rec, "::1", socket.AF_INET6).server_address[1]
    except OSError:
        rec.port6 = 0
    yield rec
    for server in rec.servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def public() -> Iterator[Recorder]:
    """A server standing for a public one: 127.0.0.2, which the tests allow by network."""
    rec = Recorder()
    try:
        rec.port = _serve(rec, "127.0.0.2", socket.AF_INET).server_address[1]
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound here")
    yield rec
    for server in rec.servers:
        server.shutdown()
        server.server_close()


# (label, host in the URL, which recorder port it reaches if the guard fails)
TARGETS = [
    ("loopback", "127.0.0.1", "v4"),
    ("loopback-v6", "[::1]", "v6"),
    ("dns-localhost", "localhost", "v4"),
    ("metadata", "169.254.169.254", None),
    ("private", "10.0.0.1", None),
    ("cgnat", "100.64.0.1", None),
    ("multicast", "224.0.0.1", None),
]

CHANNELS = [
    "webhook+http://{host}:{port}/hook",
    "json://{host}:{port}/",
    "form://{host}:{port}/",
    "xml://{host}:{port}/",
    "ntfy://{host}:{port}/alerts",
    "gotify://{host}:{port}/tokentokentoken",
    "apprise://{host}:{port}/key",
    # apprise's e-mail: the URL names the SMTP server.
    "mailtos://user:pw@example.org:{port}?smtp={smtphost}&mode=starttls&to=ops@example.org&cto=2",
]


def _port(rec: Recorder, which: str | None) -> int:
    if which == "v6":
        if not rec.port6:
            pytest.skip("no IPv6 loopback here")
        return rec.port6
    return rec.port if which == "v4" else 9


def _ctx(tmp_path: Path, *, allow: bool) -> ChannelContext:
    return ChannelContext(Settings(http=HttpSettings(allow_private_networks=allow)), tmp_path)


def _delivery() -> Delivery:
    alert = Alert(name="h", channel_url="json://x", query="x")
    return Delivery(id="h:1", alert=alert, items=[], created_at=datetime.now(UTC), kind="test")


def _url(template: str, host: str, port: int) -> str:
    return template.format(host=host, port=port, smtphost=host.strip("[]"))


@pytest.mark.parametrize("template", CHANNELS)
@pytest.mark.parametrize(("label", "host", "which"), TARGETS, ids=[t[0] for t in TARGETS])
def test_channel_refuses_forbidden_address(
    tmp_path: Path, recorder: Recorder, template: str, label: str, host: str, which: str | None
) -> None:
    url = _url(template, host, _port(recorder, which))
    with pytest.raises(VeilleError) as err:
        channel = channel_for(url, _ctx(tmp_path, allow=False))  # `alert add` refuses it
        channel.send(_delivery())
    assert "refused" in err.value.message
    assert "allow_private_networks" in (err.value.hint or "")
    assert ":pw@" not in err.value.message  # the e-mail URL's password is not echoed
    assert recorder.connections == []


@pytest.mark.parametrize("template", [c for c in CHANNELS if not c.startswith("webhook")])
@pytest.mark.parametrize(("label", "host", "which"), TARGETS, ids=[t[0] for t in TARGETS])
def test_apprise_guard_refuses_at_the_socket(
    recorder: Recorder, template: str, label: str, host: str, which: str | None
) -> None:
    """Past the check at `alert add` (an alert stored when private networks were
    allowed, or a DNS answer that changed since), the socket itself is refused."""
    import apprise

    apobj = apprise.Apprise()
    assert apobj.add(_url(template, host, _port(recorder, which)))
    with guard.guarded(HttpSettings()) as checked:
        assert not apobj.notify(title="t", body="b")
    assert checked.refused, "the guard refused nothing"
    assert recorder.connections == []


@pytest.mark.parametrize("template", CHANNELS)
def test_channel_reaches_loopback_when_private_networks_are_allowed(
    tmp_path: Path, recorder: Recorder, template: str
) -> None:
    """The control: the same URLs do reach the server when the workspace allows it."""
    channel = channel_for(_url(template, "127.0.0.1", recorder.port), _ctx(tmp_path, allow=True))
    try:
        channel.send(_delivery())
    except ChannelError:
        assert template.startswith("mailtos")  # an HTTP server does not speak SMTP
    assert recorder.connections


@pytest.mark.parametrize(("label", "host", "which"), TARGETS, ids=[t[0] for t in TARGETS])
def test_source_http_client_refuses(
    recorder: Recorder, label: str, host: str, which: str | None
) -> None:
    with HttpClient(HttpSettings()) as client, pytest.raises(BlockedAddress):
        client.get(f"http://{host}:{_port(recorder, which)}/feed")
    assert recorder.connections == []


@pytest.mark.parametrize("target", ["127.0.0.1", "localhost", "[::1]"])
def test_redirect_from_allowed_to_forbidden(
    recorder: Recorder, public: Recorder, target: str
) -> None:
    port = _port(recorder, "v6" if target == "[::1]" else "v4")
    public.redirect_to = f"http://{target}:{port}/internal"
    start = f"http://127.0.0.2:{public.port}/"
    # The sources' client follows redirects and checks every hop.
    with HttpClient(HttpSettings(), allowed_networks=[ALLOWED_NET]) as client:
        with pytest.raises(BlockedAddress):
            client.get(start)
        # Webhooks do not follow redirects at all.
        with pytest.raises(ChannelError, match="HTTP 307"):
            webhook_post(start, b"{}", {}, client)
    # apprise's plugins follow redirects themselves: the guard sees the second hop.
    import apprise

    apobj = apprise.Apprise()
    apobj.add(f"json://127.0.0.2:{public.port}/")
    with guard.guarded(HttpSettings(), allowed_networks=[ALLOWED_NET]) as checked:
        assert not apobj.notify(title="t", body="b")
    assert checked.refused
    assert len(public.connections) == 3  # the allowed server was reached each time
    assert recorder.connections == []


def test_local_sockets_are_refused_inside_the_guard(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sock")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen()
    client = socket.socket(socket.AF_UNIX)
    try:
        with guard.guarded(HttpSettings()) as checked, pytest.raises(guard.RefusedConnection):
            client.connect(path)
        assert checked.refused
    finally:
        client.close()
        server.close()


def test_guard_does_nothing_outside_a_send(recorder: Recorder) -> None:
    """The audit hook is process-wide; only guarded sends are checked."""
    import veille.alerts.channels.apprise_hook  # noqa: F401 - installs the hook

    with socket.create_connection(("127.0.0.1", recorder.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.0 200")
    assert recorder.connections


def test_cli_alert_add_and_test_refuse_loopback(tmp_path: Path, recorder: Recorder) -> None:
    """The issue's reproduction: `alert add --to json://127.0.0.1:PORT/` is refused,
    and an alert already stored with it sends nothing on `alert test`."""
    from veille.cli import build_app
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    url = f"json://127.0.0.1:{recorder.port}/"
    runner, app = CliRunner(), build_app()
    env = {"VEILLE_ALLOW_PRIVATE_NETWORKS": "0", "COLUMNS": "200"}
    args = ["alert", "add", "--query", "x", "--name", "h", "--to", url, "-w", str(root)]
    res = runner.invoke(app, args, env=env)
    assert res.exit_code == 2, res.output
    assert "loopback" in res.output and "allow_private_networks" in res.output
    with Workspace.open(root) as ws:
        AlertBook(ws.store).add(Alert(name="h", channel_url=url, query="x"))
    res = runner.invoke(app, ["alert", "test", "h", "-w", str(root)], env=env)
    assert res.exit_code != 0
    assert "refused" in res.output
    assert recorder.connections == []


def test_refused_message_names_the_url_without_its_secret(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        channel_for("json://user:s3cretpass@10.0.0.1/", _ctx(tmp_path, allow=False))
    assert "10.0.0.1" in err.value.message and "private" in err.value.message
    assert "s3cretpass" not in err.value.message


def test_the_plans_pdf_fetches_nothing_its_texts_name(tmp_path: Path, recorder: Recorder) -> None:
    """A manager's guidelines are Markdown, printed in the plan's PDF; an
    image in them (``![logo](http://…)``) was fetched by WeasyPrint from the
    server, around the address policy, at every download by any reader:
    the cloud's metadata address or a service on loopback, asked from inside.
    The PDF is made, and nothing is asked of anyone."""
    import httpx

    from tests.web.server import add_role_users, serve
    from veille.web.deps import SESSION_COOKIE
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    hosts = ["127.0.0.1", "localhost"] + ([f"[::1]:{recorder.port6}"] if recorder.port6 else [])
    images = "\n\n".join(
        f"![logo {i}](http://{host if ']' in host else f'{host}:{recorder.port}'}/meta-data)"
        for i, host in enumerate(hosts)
    )
    text = f"# Be kind\n\n{images}\n\n<img src='http://127.0.0.1:{recorder.port}/raw'>\n"
    with serve(root) as server:
        manager = httpx.Client(base_url=server.url, timeout=60)
        manager.cookies.set(SESSION_COOKIE, server.session("manager"))
        page = manager.get("/plan/guidelines").text
        token = re.search(r'name="csrf_token"\s+value="([^"]+)"', page)
        assert token, page[:500]
        saved = manager.post(
            "/plan/guidelines",
            data={"csrf_token": token.group(1), "text_en": text, "text_fr": text},
        )
        assert saved.status_code == 303, saved.text[:1000]
        viewer = httpx.Client(base_url=server.url, timeout=60)
        viewer.cookies.set(SESSION_COOKIE, server.session("viewer"))
        for lang in ("en", "fr"):
            pdf = viewer.get("/plan/export", params={"format": "pdf", "language": lang})
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text[:500]
        manager.close()
        viewer.close()
    assert recorder.connections == []


def test_a_documents_own_images_are_still_drawn(caplog: pytest.LogCaptureFixture) -> None:
    """What a document does embed (a report's charts: ``data:`` URIs) is
    drawn as before; an image from anywhere else is left out and said so in
    the log."""
    import base64
    import logging

    from veille.printing import write_pdf

    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="red"/></svg>'  # noqa: E501
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = write_pdf(f'<p>A chart:</p><img src="{uri}" alt="chart">')
    assert pdf.startswith(b"%PDF")
    assert not [r for r in caplog.records if "load image" in r.getMessage()]
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        write_pdf('<img src="http://127.0.0.1:9/x.png" alt="x">')
    assert [r for r in caplog.records if "127.0.0.1:9" in r.getMessage()]
