"""A store URL's password never reaches the reader: ``veille store migrate``'s
refusals, its failures (libpq quotes the part of a URL it cannot read, a
password included) and its report, against a real PostgreSQL server."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from veille.cli import build_app
from veille.workspace import Workspace

SECRET = "Tr0ub4dor-s3cret"


def _with_password(url: str, password: str) -> str:
    """``url`` with ``password`` in it (the test server trusts loopback: any
    password gets in, as the right one would)."""
    parts = urlsplit(url)
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
    return parts._replace(netloc=netloc).geturl()


def _migrate(ws: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        build_app(), ["--language", "en", "store", "migrate", *args, "-w", str(ws)]
    )
    return result.exit_code, result.output


def test_a_failing_migrate_never_prints_the_password(workspace: Workspace, state_url: str) -> None:
    # A password libpq cannot read: its error quotes it.
    broken = _with_password(state_url, SECRET + "%ZZ")
    code, said = _migrate(workspace.root, "--to", broken)
    assert code == 1, said
    assert "cannot open the PostgreSQL state store" in said
    assert SECRET not in said and "****" in said
    # A server that is not there, and a database that is not there.
    closed = _with_password(state_url, SECRET).replace(f":{urlsplit(state_url).port}/", ":1/")
    code, said = _migrate(workspace.root, "--to", closed)
    assert code == 1 and SECRET not in said, said
    missing = _with_password(state_url, SECRET).replace("/veille?", "/no_such_db?")
    code, said = _migrate(workspace.root, "--to", missing)
    assert code == 1 and "no_such_db" in said and SECRET not in said, said
    # A password in the query string, libpq's other way to give one.
    query = closed.replace(f":{SECRET}@", "@") + f"&password={SECRET}"
    code, said = _migrate(workspace.root, "--to", query)
    assert code == 1 and SECRET not in said, said


def test_a_refused_migrate_never_prints_the_password(workspace: Workspace, state_url: str) -> None:
    url = _with_password(state_url, SECRET)
    toml = workspace.root / "veille.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('# state = ""', f'state = "{url}"', 1), encoding="utf-8")
    code, said = _migrate(workspace.root, "--state", url)
    assert code == 2, said
    assert "the state is already in postgresql://" in said
    assert SECRET not in said
    # A backend that keeps no posts, named with a password.
    code, said = _migrate(workspace.root, "--posts", url)
    assert code == 2 and "does not keep posts" in said and SECRET not in said, said


def test_a_finished_migrate_reports_the_target_without_its_password(
    workspace: Workspace, state_url: str
) -> None:
    url = _with_password(state_url, SECRET)
    code, said = _migrate(workspace.root, "--to", url)
    assert code == 0, said
    assert SECRET not in said
    assert 'state = "postgresql://' in said and ":****@" in said
    assert "Write the password or token where it reads ****." in said
    code, said = _migrate(workspace.root, "--to", url, "--format", "json")
    assert code == 0, said
    assert SECRET not in said
    assert json.loads(said)["state_url"].startswith("postgresql://")


def test_a_password_with_a_hash_connects_and_is_never_printed(
    workspace: Workspace, state_url: str
) -> None:
    """libpq reads ``veille:Tr0ub#4dor…@host`` as the password ``Tr0ub#4dor…``
    (the userinfo runs to the "@"); the report named the target with it."""
    secret = f"{SECRET[:5]}#{SECRET[5:]}"
    code, said = _migrate(workspace.root, "--to", _with_password(state_url, secret))
    assert code == 0, said
    assert SECRET[:5] not in said and SECRET[6:] not in said, said
    assert 'state = "postgresql://' in said and ":****@" in said


def test_a_served_posts_store_s_token_is_neither_printed_nor_kept(
    workspace: Workspace, tmp_path: Path
) -> None:
    """``veille+http://HOST:PORT?token=…``: the copy goes through, and neither
    its report nor the checkpoint left in the workspace (and so in its
    backups) holds the token."""
    from tests.conftest import make_post
    from veille.store.registry import open_store
    from veille.store.remote.server import PostServer

    workspace.posts.upsert_posts([make_post("1", "lumio")])
    served = open_store(f"sqlite:///{tmp_path / 'served.db'}", role="posts", root=tmp_path)
    server = PostServer(served, token=SECRET).start()
    try:
        code, said = _migrate(workspace.root, "--posts", f"{server.url}?token={SECRET}")
    finally:
        server.stop()
        served.close()
    assert code == 0, said
    assert SECRET not in said and 'posts = "veille+http://' in said
    checkpoint = (workspace.root / ".veille-migrate.json").read_text(encoding="utf-8")
    assert "veille+http://" in checkpoint and SECRET not in checkpoint


@pytest.mark.parametrize(
    "url",
    [
        f"clickhouse://veille:{SECRET}@/veille",
        f"nosuch://veille:{SECRET}@db/veille",
        f"veille:{SECRET}@db/veille",
        f"sqlite://veille:{SECRET}@//tmp/copy.db",
        # libpq reads a password up to the last "@" before the first "/":
        # a "#" or "?" in it is the password's, not a fragment or a query.
        f"nosuch://veille:{SECRET[:5]}#{SECRET[5:]}@db/veille",
        f"nosuch://veille:{SECRET[:5]}?{SECRET[5:]}@db/veille",
        # libpq's keyword/value form, refused as not a URL: it was quoted whole.
        f"host=/tmp dbname=veille password={SECRET}",
        f"host=db password = '{SECRET[:5]} {SECRET[5:]}' user=veille",
    ],
)
def test_a_store_url_refused_as_written_never_prints_the_password(
    workspace: Workspace, url: str
) -> None:
    code, said = _migrate(workspace.root, "--to", url)
    assert code != 0 and SECRET[:5] not in said and SECRET[6:] not in said, said
