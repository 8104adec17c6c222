"""Links in alert e-mails and feeds lead to where the web app is served (an
audit: with `veille serve --port 9000`, or the demo on its next free port,
and no ``[web] base_url`` in veille.toml, every "open in veille" link of a
mail or a feed pointed at http://127.0.0.1:8000, where nothing answered).
The real ``veille`` runs in subprocesses: the web app on a loopback port
chosen by the system, a mail sent by another process through a real SMTP
server (aiosmtpd), the Atom feed read over HTTP, each link then opened."""

from __future__ import annotations

import email
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import httpx
import pytest

from tests.alerts.conftest import Mailbox, make_post
from veille.alerts.model import Alert, AlertBook
from veille.pipeline import build_pipeline
from veille.services import users
from veille.services.alerts import new_feed_token
from veille.workspace import Workspace, init_workspace

SRC = str(Path(__file__).resolve().parents[2] / "src")
ELSEWHERE = "https://example.org/"  # the posts' own addresses, on their platform


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VEILLE_WORKSPACE", "VEILLE_LANG")}
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    env["VEILLE_WORKSPACE"] = str(root)
    return env


def _veille(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "veille", *args], env=_env(root), cwd=root, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _done(proc: subprocess.Popen[str], sig: int | None = None) -> tuple[str, str]:
    if sig is not None:
        proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, (out, err)
    return out, err


@pytest.fixture
def root(tmp_path: Path, smtp_server: Mailbox) -> Path:
    """A workspace whose veille.toml names the SMTP server and no base_url,
    with an e-mail alert on "lumio" that has matches, a feed, an admin."""
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f"[smtp]\nport = {smtp_server.port}\n", encoding="utf-8")
    with Workspace.open(root) as ws:
        users.add_user(ws.state, "ada", "correct-horse-42", "admin")
        AlertBook(ws.store).add(
            Alert(name="lumio", query="lumio", channel_url="mailto:team@example.org",
                  frequency="daily", at_time="08:00")
        )  # fmt: skip
        build_pipeline(ws).ingest([make_post(1, "Lumio lamp arrives"), make_post(2, "lumio")])
        new_feed_token(ws, "lumio")
    return root


@pytest.fixture(params=["serve", "run --serve"])
def served(root: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """`veille serve --port 0` (a free port, never 8000), or `veille run
    --serve --port 0` (the daemon and the web app in one process): its address."""
    proc = _veille(root, *request.param.split(), "--port", "0")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        while not line.startswith("open http://"):
            assert line, proc.communicate()
            line = proc.stdout.readline()
        url = line.split()[1]
        assert httpx.URL(url).port != 8000
        yield url
    finally:
        _done(proc, signal.SIGTERM)


def _links(text: str) -> list[str]:
    """The app's links in an HTML mail or an Atom feed (not the posts' own)."""
    found = {m.replace("&amp;", "&") for m in re.findall(r'href="([^"]+)"', text)}
    return sorted(u for u in found if not u.startswith((ELSEWHERE, "mailto:")))


def _opens(url: str) -> None:
    """``url`` answers as the app's page: 200, or a redirect to sign in."""
    got = httpx.get(url, timeout=60, follow_redirects=False)
    assert got.status_code in (200, 302, 303), (url, got.status_code)
    if got.status_code != 200:
        assert httpx.URL(got.headers["location"]).path == "/login", (url, got.headers)


def _mailed(root: Path, smtp_server: Mailbox) -> str:
    """`veille alert test lumio` (a process of its own): the mail's HTML."""
    before = len(smtp_server.messages)
    out, _ = _done(_veille(root, "alert", "test", "lumio"))
    assert "sent a sample of 2 posts" in out, out
    assert len(smtp_server.messages) == before + 1
    msg = email.message_from_bytes(smtp_server.messages[-1], policy=default)
    assert isinstance(msg, EmailMessage)
    html = msg.get_body(("html",))
    assert html is not None
    return str(html.get_content())


def test_links_of_a_mail_and_the_feed_open_the_app_served_on_another_port(
    root: Path,
    served: str,
    smtp_server: Mailbox,
) -> None:
    links = _links(_mailed(root, smtp_server))
    assert f"{served}/alerts/lumio" in links, links
    for link in links:
        assert link.startswith(served + "/"), (link, served)
        _opens(link)

    with Workspace.open(root) as ws:
        from veille.services.alerts import feed_token

        token = feed_token(ws, "lumio")
    feed = httpx.get(f"{served}/feeds/{token}.atom", timeout=60)
    assert feed.status_code == 200
    links = _links(feed.text)
    assert f"{served}/feeds/{token}.atom" in links, links
    for link in links:
        assert link.startswith(served + "/"), (link, served)
        _opens(link)

    # Behind a proxy base_url is set: it wins over the address served.
    with (root / "veille.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[web]\nbase_url = "https://veille.example/"\n')
    links = _links(_mailed(root, smtp_server))
    assert links and all(u.startswith("https://veille.example/") for u in links), links


def _run_says(root: Path) -> list[str]:
    """What `veille run --role scheduler` says as it starts (before its
    first pass), once it is stopped."""
    proc = _veille(root, "run", "--role", "scheduler", "--tick", "600")
    assert proc.stdout is not None and proc.stderr is not None
    killer = threading.Timer(120, proc.kill)  # (a hang fails, never stalls)
    killer.start()
    try:
        first = proc.stdout.readline()
        assert first.startswith("Scheduling alerts and reports"), first
        proc.send_signal(signal.SIGTERM)
        # Read through the pipe's buffer, which readline() may have filled
        # with the next lines already (communicate() reads past it).
        out, err = proc.stdout.read(), proc.stderr.read()
        proc.wait()
    finally:
        killer.cancel()
    assert proc.returncode == 0, (out, err)
    return [first.strip(), *out.splitlines()]


def test_veille_run_says_once_where_links_point(root: Path, smtp_server: Mailbox) -> None:
    said = " ".join(_run_says(root))
    assert said.count("Links in e-mails and feeds point to") == 1, said
    assert (
        "Links in e-mails and feeds point to http://127.0.0.1:8000 ([web] host and port in "
        "veille.toml): no web app serves this workspace at an address this machine can "
        "open." in said
    ), said
    assert "set [web] base_url in veille.toml" in said

    proc = _veille(root, "serve", "--port", "0")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        while not line.startswith("open http://"):
            assert line, proc.communicate()
            line = proc.stdout.readline()
        url = line.split()[1]
        said = " ".join(_run_says(root))
    finally:
        _done(proc, signal.SIGTERM)
    assert said.count("Links in e-mails and feeds point to") == 1, said
    assert (
        f"Links in e-mails and feeds point to {url}, where this workspace's web app is "
        "served now" in said
    ), said

    # Set, base_url is said nowhere: the administrator chose it.
    with (root / "veille.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[web]\nbase_url = "https://veille.example"\n')
    assert "Links in" not in " ".join(_run_says(root))


def _dispatch_says(root: Path, *args: str, first_on: str = "stdout") -> tuple[str, str]:
    """stdout and stderr of `veille [--language L] alert dispatch --loop
    [args]`, stopped once it said a first line on ``first_on``."""
    lead = list(args[:2]) if args[:1] == ("--language",) else []
    proc = _veille(root, *lead, "alert", "dispatch", "--loop", *args[len(lead) :])
    assert proc.stdout is not None and proc.stderr is not None
    killer = threading.Timer(120, proc.kill)  # (a hang fails, never stalls)
    killer.start()
    try:
        first = (proc.stdout if first_on == "stdout" else proc.stderr).readline()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.stdout.read(), proc.stderr.read()
        proc.wait()
    finally:
        killer.cancel()
    assert proc.returncode == 0, (first, out, err)
    return (first + out, err) if first_on == "stdout" else (out, first + err)


def test_the_dispatch_loop_says_once_where_links_point_in_the_readers_language(
    root: Path, smtp_server: Mailbox
) -> None:
    """`veille alert dispatch --loop` sends the mails and digests as `veille
    run` does, but said nothing of where their links point: a team without
    ``[web] base_url`` learnt it from a mail whose links led nowhere. It says
    what `veille run` says, once, as it starts, in the reader's language."""
    out, _ = _dispatch_says(root)
    assert out.count("Links in e-mails and feeds point to") == 1, out
    assert out.startswith(
        "Links in e-mails and feeds point to http://127.0.0.1:8000 ([web] host and port in "
        "veille.toml): no web app serves this workspace at an address this machine can open."
    ), out

    out, _ = _dispatch_says(root, "--language", "fr")
    assert out.count("Les liens des courriels et des flux mènent à") == 1, out
    assert out.startswith(
        "Les liens des courriels et des flux mènent à http://127.0.0.1:8000 ([web] host et "
        "port de veille.toml)\u202f: aucune application web ne sert cet espace de travail à une "
        "adresse que cette machine peut ouvrir."
    ), out

    # One JSON line per round on stdout, as scripts read it; the line on stderr.
    out, err = _dispatch_says(root, "--format", "json", first_on="stderr")
    assert all(line.startswith("{") for line in out.splitlines()), out
    assert err.count("Links in e-mails and feeds point to") == 1, err

    # Set, base_url is said nowhere: the administrator chose it.
    with (root / "veille.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[web]\nbase_url = "https://veille.example"\n')
    out, err = _dispatch_says(root, "--format", "json")  # (waits for its first round)
    assert json.loads(out.splitlines()[0])["sent"] >= 0, out
    assert "Links in" not in out + err


def _serving(root: Path) -> tuple[subprocess.Popen[str], str]:
    """`veille serve --port 0` over ``root``, and its address once it listens."""
    proc = _veille(root, "serve", "--port", "0")
    assert proc.stdout is not None
    line = proc.stdout.readline()
    while not line.startswith("open http://"):
        if not line:
            proc.kill()
            raise AssertionError(proc.communicate())
        line = proc.stdout.readline()
    return proc, line.split()[1]


def test_a_server_stopped_or_killed_is_no_longer_where_links_lead(
    root: Path, smtp_server: Mailbox
) -> None:
    from veille.served_at import records

    proc, url = _serving(root)
    try:
        with Workspace.open(root) as ws:
            deadline = time.monotonic() + 60
            while not (found := records(ws.state)):  # (recorded as it starts serving)
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert [(r.url, r.pid) for r in found] == [(url, proc.pid)]
    finally:
        proc.kill()  # (SIGKILL: nothing cleaned up)
        proc.wait()
    # Its record has not gone stale yet; its process is gone from this
    # machine: links lead to [web] host and port again, at once.
    links = _links(_mailed(root, smtp_server))
    assert links and all(u.startswith("http://127.0.0.1:8000/") for u in links), links

    proc, url = _serving(root)
    _done(proc, signal.SIGTERM)  # a clean stop removes its record
    with Workspace.open(root) as ws:
        assert records(ws.state) == []
        assert not [x for x in ws.state.leases() if x.name.endswith(url) and x.holder]
    assert not list(root.glob(".veille-web*"))  # (no file of its own any longer)


def test_a_sender_of_another_folder_sharing_the_state_follows_the_web_app(
    tmp_path: Path, smtp_server: Mailbox, postgres_url: str
) -> None:
    """The web app's workspace folder and a scheduler's own (another
    machine's layout, on this machine) share the state in PostgreSQL: the
    scheduler's mails lead to where the web app serves, which it records in
    the state (a file in the web app's folder was never seen there)."""
    from veille.store.postgres.testing import fresh_schema_url

    state = fresh_schema_url(postgres_url, tmp_path / "schema")
    toml = f'[smtp]\nport = {smtp_server.port}\n\n[store]\nstate = "{state}"\n'
    web, scheduler = tmp_path / "web", tmp_path / "scheduler"
    for folder in (web, scheduler):
        folder.mkdir()
        (folder / "veille.toml").write_text(toml, encoding="utf-8")
        init_workspace(folder)
    with Workspace.open(web) as ws:
        users.add_user(ws.state, "ada", "correct-horse-42", "admin")
        AlertBook(ws.store).add(
            Alert(name="lumio", query="lumio", channel_url="mailto:team@example.org",
                  frequency="daily", at_time="08:00")
        )  # fmt: skip

    proc, url = _serving(web)
    try:
        before = len(smtp_server.messages)
        out, _ = _done(_veille(scheduler, "alert", "test", "lumio"))
        assert len(smtp_server.messages) == before + 1, out
        msg = email.message_from_bytes(smtp_server.messages[-1], policy=default)
        assert isinstance(msg, EmailMessage)
        html = msg.get_body(("html",))
        assert html is not None
        links = _links(str(html.get_content()))
        assert f"{url}/alerts/lumio" in links, links
        for link in links:
            assert link.startswith(url + "/"), (link, url)
            _opens(link)
    finally:
        _done(proc, signal.SIGTERM)
