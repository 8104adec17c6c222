"""``veille user …`` and ``veille token …``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from veille.cli import build_app
from veille.services import audit, signin, tokens
from veille.workspace import Workspace, init_workspace

Run = Callable[..., Any]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Run:
    root = init_workspace(tmp_path / "ws")
    monkeypatch.setenv("VEILLE_WORKSPACE", str(root))
    app = build_app()
    runner = CliRunner()

    def invoke(*args: str, code: int = 0, stdin: str | None = None) -> Any:
        result = runner.invoke(app, list(args), input=stdin)
        assert result.exit_code == code, (result.output, result.exception)
        return result

    invoke.root = root  # type: ignore[attr-defined]
    return invoke


def test_user_add_from_stdin_then_list_and_login(run: Run) -> None:
    out = run("user", "add", "Ana", "--role", "analyst", "--password-stdin",
              stdin="correct horse battery\n").output  # fmt: skip
    assert "ana" in out and "analyst" in out
    rows = json.loads(run("user", "list", "--format", "json").stdout)
    assert [(r["username"], r["role"]) for r in rows] == [("ana", "analyst")]
    with Workspace.open(run.root) as ws:  # type: ignore[attr-defined]
        assert signin.authenticate(ws.state, "ana", "correct horse battery").role == "analyst"
        assert ("cli", "user.add") in [(e.actor, e.action) for e in audit.list_entries(ws.state)]


def test_user_add_errors_name_the_input(run: Run) -> None:
    bad_role = run("user", "add", "bob", "--role", "boss", "--password-stdin",
                   stdin="long enough\n", code=2).output  # fmt: skip
    assert "unknown role 'boss'" in bad_role and "viewer, analyst, manager, admin" in bad_role
    short = run("user", "add", "bob", "--password-stdin", stdin="short\n", code=2).output
    assert "too short" in short
    empty = run("user", "add", "bob", "--password-stdin", stdin="\n", code=2).output
    assert "no password on standard input" in empty
    bad_name = run("user", "add", "no spaces", "--password-stdin", stdin="long enough\n", code=2)
    assert "invalid username" in bad_name.output
    # No terminal and no --password-stdin: it says how to script it.
    assert "--password-stdin" in run("user", "add", "bob", code=2).output
    run("user", "add", "bob", "--password-stdin", stdin="long enough\n")
    taken = run("user", "add", "BOB", "--password-stdin", stdin="long enough\n", code=2)
    assert "already exists" in taken.output


def test_passwd_role_remove_and_the_last_admin(run: Run) -> None:
    run("user", "add", "root", "--role", "admin", "--password-stdin", stdin="first password\n")
    run("user", "passwd", "root", "--password-stdin", stdin="second password\n")
    with Workspace.open(run.root) as ws:  # type: ignore[attr-defined]
        signin.authenticate(ws.state, "root", "second password")
    assert "last admin" in run("user", "remove", "root", code=2).output
    assert "last admin" in run("user", "role", "root", "viewer", code=2).output
    run("user", "add", "other", "--role", "admin", "--password-stdin", stdin="long enough\n")
    run("user", "role", "root", "viewer")
    run("user", "remove", "root")
    assert "no user named 'root'" in run("user", "remove", "root", code=2).output
    assert "no user named 'ghost'" in run("user", "passwd", "ghost", code=2).output


def test_token_create_prints_it_once_list_and_revoke(run: Run) -> None:
    run("user", "add", "bot", "--password-stdin", stdin="long enough\n")
    result = run("token", "create", "bot", "--name", "nightly report")
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("vt_")
    listed = run("token", "list", "--format", "json").stdout
    assert secret not in listed
    rows = json.loads(listed)
    assert rows[0]["name"] == "nightly report" and rows[0]["revoked_at"] is None
    with Workspace.open(run.root) as ws:  # type: ignore[attr-defined]
        user = tokens.user_for_token(ws.state, secret)
        assert user is not None and user.username == "bot"
    run("token", "revoke", str(rows[0]["id"]))
    with Workspace.open(run.root) as ws:  # type: ignore[attr-defined]
        assert tokens.user_for_token(ws.state, secret) is None
    assert "no active token" in run("token", "revoke", str(rows[0]["id"]), code=2).output
    assert "no user named 'nobody'" in run("token", "create", "nobody", code=2).output


def test_token_create_takes_a_scope_and_an_expiry_the_list_shows(run: Run) -> None:
    run("user", "add", "bi", "--role", "viewer", "--password-stdin", stdin="long enough\n")
    made = run("token", "create", "bi", "--scope", "read", "--expires", "2099-01-31")
    assert "with the read scope, until 2099-01-31" in made.stderr
    refused = run("token", "create", "bi", "--scope", "write", code=2).output
    assert "may not have the write scope (their role is viewer)" in refused
    days = _days_ahead(90)
    past = run("token", "create", "bi", "--expires", "2020-01-01", code=2).output
    assert "already past" in past and "2027-01-31" not in past, past
    # The example is 90 days ahead, not a date written in once (now past).
    assert any(f"Give a date to come ({d}) or a number of days (90d)." in past for d in days)
    unread = run("token", "create", "bi", "--expires", "soon", code=2).output
    assert "cannot read the token's expiry 'soon'" in unread and "2027-01-31" not in unread
    assert any(f"a date-time ({d}T18:00:00+01:00) or a number of days (90d)" in unread
               for d in days)  # fmt: skip
    (row,) = json.loads(run("token", "list", "--format", "json").stdout)
    assert row["scope"] == "read" and row["state"] == "active"
    assert row["expires_at"].startswith("2099-01-31T00:00:00")
    table = run("token", "list").stdout
    assert "scope" in table and "active" in table


def test_demo_account_is_an_admin_with_a_new_password_each_time(tmp_path: Path) -> None:
    from veille.demo import demo_account

    root = init_workspace(tmp_path / "demo")
    with Workspace.open(root) as ws:
        name, first = demo_account(ws)
        again, second = demo_account(ws)
        assert name == again == "demo" and first != second
        user = signin.authenticate(ws.state, "demo", second)
        assert user.role == "admin"
        with pytest.raises(signin.LoginFailed):
            signin.authenticate(ws.state, "demo", first, address="x")


@contextmanager
def _serving(root: Path, *options: str) -> Iterator[str]:
    """``veille serve -w ROOT OPTIONS…`` in a process of its own: the URL it
    prints, once it listens there."""
    import os
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "veille", "serve", *options, "-w", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert proc.stdout is not None
        url, said = "", []
        for line in proc.stdout:
            said.append(line)
            if line.startswith("open "):
                url = line.split()[1]
                break
        assert url, "".join(said)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def test_serve_listens_where_veille_toml_says_or_on_the_port_it_prints(tmp_path: Path) -> None:
    """veille.toml offers `[web] host` and `port`, but `veille serve` listened
    on 127.0.0.1:8000 whatever they said: an administrator who set them (for
    the proxy in front, or a second workspace beside the first) found the app
    on a port nobody looked at. They are its defaults now; --host and --port
    still win, and with ``--port 0`` it answers on the port it prints (one
    process for both: each start is a second or two)."""
    import socket

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = init_workspace(tmp_path / "ws")
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace('# host = "127.0.0.1"\n# port = 8000', f'host = "127.0.0.1"\nport = {port}')
    config.write_text(text, encoding="utf-8")
    with _serving(root) as url:
        assert url == f"http://127.0.0.1:{port}"
        assert httpx.get(url + "/healthz", timeout=60).json()["status"] == "ok"
    with _serving(root, "--port", "0") as url:
        assert url != f"http://127.0.0.1:{port}" and url.startswith("http://127.0.0.1:")
        # The socket listens before the announcement: this waits, never fails.
        assert httpx.get(url + "/healthz", timeout=60).json()["status"] == "ok"
        assert httpx.get(url + "/users", timeout=30).headers["location"] == "/setup"


def test_topic_source_and_alert_changes_from_the_cli_are_audited_as_cli(run: Run) -> None:
    run("topic", "add", "lumio", "lumio")
    run("source", "add", "feeds", "https://example.org/feed.xml", "--name", "blog")
    run("alert", "add", "lumio", "--name", "feed", "--to", "mailto:team@example.org")
    run("alert", "pause", "feed")
    run("topic", "edit", "lumio", "lumio AND lyon")
    run("source", "remove", "blog")
    with Workspace.open(run.root) as ws:  # type: ignore[attr-defined]
        logged = [(e.actor, e.action, e.target) for e in audit.list_entries(ws.state)]
    for action, target in [("topic.add", "lumio"), ("source.add", "blog"), ("alert.add", "feed"),
                           ("alert.pause", "feed"), ("topic.edit", "lumio"),
                           ("source.remove", "blog")]:  # fmt: skip
        assert ("cli", action, target) in logged, action


def test_user_remove_says_how_many_open_inbox_items_went_back_to_the_queue(run: Run) -> None:
    from datetime import UTC, datetime

    from veille.inbox import items as inbox
    from veille.inbox.model import ItemFilter
    from veille.models import Author, Post
    from veille.pipeline.ingest import build_pipeline
    from veille.query.topics import add_topic

    run("user", "add", "agent", "--role", "analyst", "--password-stdin", stdin="long password 1\n")
    with Workspace.open(run.root) as ws:  # type: ignore[attr-defined]
        add_topic(ws.store, "lumio", "lumio", inbox=True)
        post = Post.create(platform="reddit", native_id="t1", text="lumio help",
                           author=Author("someone"), lang="en",
                           published_at=datetime(2026, 11, 30, 10, tzinfo=UTC))  # fmt: skip
        build_pipeline(ws, skip=("enrich",)).ingest([post])
        [item] = inbox.list_items(ws.state, ItemFilter(limit=10))
        inbox.assign(ws.state, item.id, "agent", actor="cli")
    out = run("user", "remove", "agent").output
    assert "user agent removed." in out
    # (One item: said in the singular since the line went through the catalogs.)
    assert "1 open inbox item assigned to them is back in the queue, unassigned." in out
    with Workspace.open(run.root) as ws:  # type: ignore[attr-defined]
        assert inbox.get_item(ws.state, item.id).assignee is None


def _days_ahead(n: int) -> set[str]:
    """The date ``n`` days from now (UTC), either side of a midnight passed
    while the command ran."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return {(now + timedelta(days=n, hours=h)).date().isoformat() for h in (-1, 0, 1)}
