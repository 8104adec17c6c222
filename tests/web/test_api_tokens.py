"""API tokens a security reviewer accepts, over real HTTP on loopback, with
the state in SQLite and in PostgreSQL: scopes (a read token cannot write),
expiry (an expired token is told so), a rate limit shared by every web
worker on the state store (429 with Retry-After), CORS off by default and
an allow-list of origins; and tokens made before scopes keep their access."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.conftest import init_state_workspace
from tests.web.server import PASSWORD, add_test_user, serve

T = TypeVar("T")
NOW = datetime.now(UTC).replace(microsecond=0)


def _workspace(folder: Path, state_kind: str, api: str = "") -> Path:
    root = init_state_workspace(folder / "ws", state_kind)
    if api:
        config = root / "veille.toml"
        text = config.read_text(encoding="utf-8")
        assert "\n[api]\n" in text, "the [api] template changed"
        config.write_text(text.replace("\n[api]\n", f"\n[api]\n{api}\n", 1), encoding="utf-8")
    return root


def _user(root: Path, name: str, role: str) -> None:
    """``users.add_user``, the one password's argon2 hash made once a session."""
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        add_test_user(ws.state, name, PASSWORD, role)


def _token(root: Path, name: str, scope: str | None = None, **kw: object) -> str:
    from veille.services import tokens
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        return tokens.create_token(ws.state, name, "t", scope=scope, **kw)[1]  # type: ignore[arg-type]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_read_token_reads_and_is_refused_every_change_naming_the_scope(
    tmp_path: Path, state_kind: str
) -> None:
    root = _workspace(tmp_path, state_kind)
    _user(root, "ana", "admin")
    read, write = _token(root, "ana", "read"), _token(root, "ana", "write")
    with serve(root) as app, httpx.Client(base_url=app.url, timeout=30) as c:
        assert c.get("/api/v1/topics", headers=_bearer(read)).status_code == 200
        assert c.get("/api/v1/posts", params={"q": "lumio"}, headers=_bearer(read)).is_success
        refused = c.post(
            "/api/v1/topics", json={"name": "lumio", "query": "lumio"}, headers=_bearer(read)
        )
        assert refused.status_code == 403
        error = refused.json()["error"]
        assert error["code"] == "forbidden"
        assert error["message"] == "this token's scope is read; this needs the write scope"
        assert "--scope write" in error["hint"]
        fr = c.delete(
            "/api/v1/topics/lumio", headers={**_bearer(read), "Accept-Language": "fr"}
        ).json()["error"]
        # The scopes in the reader's words, each with the code --scope takes.
        assert fr["message"] == (
            "la portée de ce jeton est lecture (read)\u202f; il faut la portée écriture (write)"
        )
        assert "portée écriture (write), créé sur" in fr["hint"]
        # The same user's write token changes what its role allows...
        made = c.post(
            "/api/v1/topics", json={"name": "lumio", "query": "lumio"}, headers=_bearer(write)
        )
        assert made.status_code == 201
        # ...but not what needs the admin scope (users), nor make tokens.
        assert c.get("/users", headers=_bearer(write)).status_code == 403
        assert c.post("/settings/tokens", headers=_bearer(write)).status_code == 403
        assert c.get("/users", headers=_bearer(_token(root, "ana", "admin"))).status_code == 200
        # Nothing the read token tried was kept.
        assert [t["name"] for t in c.get("/api/v1/topics", headers=_bearer(read)).json()] == [
            "lumio"
        ]


def test_a_token_never_passes_its_user_role(tmp_path: Path, state_kind: str) -> None:
    from veille.errors import UsageError

    root = _workspace(tmp_path, state_kind)
    _user(root, "vic", "viewer")
    with pytest.raises(UsageError, match="may not have the write scope"):
        _token(root, "vic", "write")
    with pytest.raises(UsageError, match="unknown token scope 'rw'"):
        _token(root, "vic", "rw")
    from veille.services import tokens
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        rec, _secret = tokens.create_token(ws.state, "vic")
    assert rec.scope == "read"  # the widest a viewer's role allows


def test_an_expired_token_is_told_it_expired_and_listed_so(tmp_path: Path, state_kind: str) -> None:
    from veille.services import tokens
    from veille.workspace import Workspace

    root = _workspace(tmp_path, state_kind)
    _user(root, "ana", "analyst")
    secret = "vt_expired-token-of-the-test"
    ended = NOW - timedelta(days=1)
    with Workspace.open(root) as ws:
        # Made 90 days ago for 89 days: expired yesterday.
        ws.state.add_token(
            "ana", "old", hashlib.sha256(secret.encode()).hexdigest(),
            NOW - timedelta(days=90), scope="write", expires_at=ended,
        )  # fmt: skip
        (old,) = tokens.list_tokens(ws.state, "ana")
        assert tokens.token_state(old) == "expired"
    live = _token(root, "ana", expires_at=NOW + timedelta(days=30))
    with serve(root) as app, httpx.Client(base_url=app.url, timeout=30) as c:
        r = c.get("/api/v1/topics", headers=_bearer(secret))
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        said = r.json()["error"]["message"]
        assert said == f"this token expired on {ended.isoformat(timespec='minutes')}"
        fr = c.get("/api/v1/topics", headers={**_bearer(secret), "Accept-Language": "fr"})
        assert "a expiré le" in fr.json()["error"]["message"]
        unknown = c.get("/api/v1/topics", headers=_bearer("vt_nothing"))
        assert unknown.json()["error"]["message"] == "this token is unknown or revoked"
        assert c.get("/api/v1/topics", headers=_bearer(live)).status_code == 200
        # The token list of the page shows the scope, the expiry and the state.
        c.cookies.set("veille_session", app.session("ana"))
        page = c.get("/settings").text
        assert "expired" in page and "Expires" in page and "Scope" in page
        c.cookies.set("veille_lang", "fr")
        page_fr = c.get("/settings", headers={"Accept-Language": "fr"}).text
        assert "expiré" in page_fr and "Portée" in page_fr


def _in_one_minute(calls: Callable[[], T]) -> T:
    """``calls()`` run again (each run with a token of its own) until one
    run begins and ends in one calendar minute: the limit counts per minute,
    and the few calls of a run that a minute's turn splits count in two.
    A run that spans a turn is made again, rather than waiting for a minute
    to begin (up to a quarter of a minute)."""
    for _ in range(3):
        minute = int(time.time()) // 60
        made = calls()
        if int(time.time()) // 60 == minute:
            return made
    raise AssertionError("three runs in a row spanned the turn of a minute")


def test_the_rate_limit_answers_429_with_retry_after_across_two_web_workers(
    tmp_path: Path, state_kind: str
) -> None:
    root = _workspace(tmp_path, state_kind, "rate_limit_per_minute = 5")
    _user(root, "bi", "viewer")
    other = _token(root, "bi")
    with serve(root) as one, serve(root) as two:

        def six_calls() -> list[httpx.Response]:
            token = _token(root, "bi")
            return [  # three on each worker: they count together
                httpx.get(
                    f"{(one if i % 2 else two).url}/api/v1/topics",
                    headers=_bearer(token),
                    timeout=30,
                )
                for i in range(6)
            ]

        answers = _in_one_minute(six_calls)
        assert [r.status_code for r in answers] == [200] * 5 + [429]
        last = answers[-1]
        assert 1 <= int(last.headers["retry-after"]) <= 60
        error = last.json()["error"]
        assert error["code"] == "rate_limited"
        assert "more than 5 requests this minute" in error["message"]
        assert "rate_limit_per_minute" in error["hint"]
        # Another token of the same user has its own count.
        assert httpx.get(f"{one.url}/api/v1/topics", headers=_bearer(other)).status_code == 200


def test_cors_is_off_by_default(tmp_path: Path) -> None:
    root = _workspace(tmp_path, "sqlite")
    _user(root, "bi", "viewer")
    token = _token(root, "bi")
    origin = {"Origin": "https://dashboard.example.org"}
    with serve(root) as app, httpx.Client(base_url=app.url, timeout=30) as c:
        got = c.get("/api/v1/topics", headers={**_bearer(token), **origin})
        assert got.status_code == 200
        assert "access-control-allow-origin" not in got.headers
        pre = c.options(
            "/api/v1/topics",
            headers={**origin, "Access-Control-Request-Method": "GET",
                     "Access-Control-Request-Headers": "authorization"},
        )  # fmt: skip
        assert "access-control-allow-origin" not in pre.headers


def test_cors_answers_the_listed_origins_only_and_on_the_api_only(tmp_path: Path) -> None:
    root = _workspace(tmp_path, "sqlite", 'cors_origins = ["https://dashboard.example.org"]')
    _user(root, "bi", "viewer")
    token = _token(root, "bi")
    listed, other = "https://dashboard.example.org", "https://evil.example.net"
    ask = {
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    with serve(root) as app, httpx.Client(base_url=app.url, timeout=30) as c:
        pre = c.options("/api/v1/topics", headers={"Origin": listed, **ask})
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == listed
        assert "authorization" in pre.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in pre.headers
        refused = c.options("/api/v1/topics", headers={"Origin": other, **ask})
        assert "access-control-allow-origin" not in refused.headers
        got = c.get("/api/v1/topics", headers={**_bearer(token), "Origin": listed})
        assert got.status_code == 200
        assert got.headers["access-control-allow-origin"] == listed
        assert "retry-after" in got.headers["access-control-expose-headers"].lower()
        not_listed = c.get("/api/v1/topics", headers={**_bearer(token), "Origin": other})
        assert "access-control-allow-origin" not in not_listed.headers
        # The pages (a session cookie) are never shared with another origin.
        page = c.get("/login", headers={"Origin": listed})
        assert "access-control-allow-origin" not in page.headers


def test_a_cors_origin_that_is_not_one_is_refused_naming_it(tmp_path: Path) -> None:
    from veille.config import parse_settings
    from veille.errors import ConfigError

    for bad in ("*", "https://dashboard.example.org/", "dashboard.example.org"):
        with pytest.raises(ConfigError, match="is not an origin") as said:
            parse_settings({"api": {"cors_origins": [bad]}})
        assert repr(bad) in said.value.message
    with pytest.raises(ConfigError, match="out of range"):
        parse_settings({"api": {"rate_limit_per_minute": -1}})


def test_tokens_made_before_scopes_keep_the_access_they_had(
    tmp_path: Path, state_kind: str
) -> None:
    """A workspace whose tokens were made before migration 0440 (PostgreSQL
    0040): each gets the widest scope its user's role allows, so a script
    that wrote yesterday still writes, and the docs say so."""
    from veille.services import tokens
    from veille.workspace import Workspace

    root = _workspace(tmp_path, state_kind)
    for name, role in (("vic", "viewer"), ("al", "analyst"), ("mo", "manager"), ("ana", "admin")):
        _user(root, name, role)
    with Workspace.open(root) as ws:
        st = ws.state
        run = st.conn.execute if state_kind == "sqlite" else st.run  # type: ignore[attr-defined]
        # Back to the schema before the migration, tokens made as then.
        run("DROP TABLE api_token_minutes")
        run("ALTER TABLE api_tokens DROP COLUMN scope")
        run("ALTER TABLE api_tokens DROP COLUMN expires_at")
        if state_kind == "sqlite":
            run("DELETE FROM schema_migrations WHERE number = 440")
        else:
            run("DELETE FROM veille_schema WHERE version = 40")
        ph = "?" if state_kind == "sqlite" else "%s"
        for name in ("vic", "al", "mo", "ana"):
            run(
                f"INSERT INTO api_tokens (username, name, secret_hash, created_at) "
                f"VALUES ({ph}, 'old', {ph}, 0)",
                (name, hashlib.sha256(f"vt_old-{name}".encode()).hexdigest()),
            )
    with Workspace.open(root) as ws:
        scopes = {t.username: t.scope for t in tokens.list_tokens(ws.state)}
    assert scopes == {"vic": "read", "al": "write", "mo": "write", "ana": "admin"}
    with serve(root) as app, httpx.Client(base_url=app.url, timeout=30) as c:
        made = c.post(
            "/api/v1/topics", json={"name": "lumio", "query": "lumio"},
            headers=_bearer("vt_old-al"),
        )  # fmt: skip
        assert made.status_code == 201
        assert c.get("/users", headers=_bearer("vt_old-ana")).status_code == 200
        assert c.get("/api/v1/topics", headers=_bearer("vt_old-vic")).status_code == 200


def test_a_token_call_is_answered_while_the_sqlite_file_is_held_by_a_long_write(
    tmp_path: Path,
) -> None:
    """A read of the API waited for nothing while an ingest batch held the
    file; the token's bookkeeping (its last use, its count) must not make it
    wait the store's whole timeout and then answer 503 busy: it is given up
    and the call answered."""
    import sqlite3

    root = _workspace(tmp_path, "sqlite", "rate_limit_per_minute = 5")
    _user(root, "bi", "viewer")
    token = _token(root, "bi")
    with serve(root) as app:
        writer = sqlite3.connect(root / "veille.db", isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # as a long ingest batch holds it
        try:
            held = httpx.get(f"{app.url}/api/v1/topics", headers=_bearer(token), timeout=60)
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert held.status_code == 200, held.text
        after = httpx.get(f"{app.url}/api/v1/topics", headers=_bearer(token), timeout=60)
        assert after.status_code == 200


def test_a_read_token_cannot_change_its_users_language(tmp_path: Path, state_kind: str) -> None:
    """The language switcher (POST /language, open to anyone for the
    cookie) saved the language in the account of whoever the request came
    as: a read token changed what its user's e-mails and pages are written
    in. A token needs the write scope for that, as for any change."""
    from veille.services import users
    from veille.workspace import Workspace

    root = _workspace(tmp_path, state_kind)
    _user(root, "ana", "analyst")
    read, write = _token(root, "ana", "read"), _token(root, "ana", "write")
    with serve(root) as app, httpx.Client(base_url=app.url, timeout=30) as c:
        refused = c.post("/language", data={"lang": "fr"}, headers=_bearer(read))
        assert refused.status_code == 403, refused.text
        assert "scope is read" in refused.text
        with Workspace.open(root) as ws:
            assert users.get_user(ws.state, "ana").language == ""  # type: ignore[union-attr]
        assert c.post("/language", data={"lang": "fr"}, headers=_bearer(write)).status_code == 303
        with Workspace.open(root) as ws:
            assert users.get_user(ws.state, "ana").language == "fr"  # type: ignore[union-attr]


def _scopes_on_the_settings_page(html: str) -> list[str]:
    """The scope column of the token table (every token here is named "t")."""
    import re

    return re.findall(r"<td>t</td>\s*<td>([^<]+)</td>", html)


def test_a_demoted_users_tokens_are_narrowed_to_their_new_role_and_audited(
    tmp_path: Path, state_kind: str
) -> None:
    """An admin lowered to analyst kept an ``admin`` token: the token list
    and the account page showed a scope the person no longer had, and the
    token still made tokens and changed the password (what needs the admin
    scope whatever the role). Lowering a role narrows the user's tokens to
    what the new role allows, in the same transaction, each recorded in the
    audit log; raising it widens none."""
    from typer.testing import CliRunner

    from veille.cli import build_app
    from veille.services import audit, tokens
    from veille.workspace import Workspace

    root = _workspace(tmp_path, state_kind)
    _user(root, "root", "admin")
    _user(root, "ana", "admin")
    boss = _token(root, "root", "admin")
    wide = _token(root, "ana", "admin")
    _token(root, "ana", "write")
    read = _token(root, "ana", "read")
    with serve(root) as app, httpx.Client(base_url=app.url, timeout=30) as c:
        assert _scopes_on_the_settings_page(c.get("/settings", headers=_bearer(wide)).text) == [
            "admin", "write", "read"
        ]  # fmt: skip
        lowered = c.post("/users/ana/role", data={"role": "analyst"}, headers=_bearer(boss))
        assert lowered.status_code == 303, lowered.text
        # The admin who lowered it is told, where they did it.
        told = c.get("/users", headers=_bearer(boss)).text
        assert "their tokens wider than it now have the write scope" in told
        page = c.get("/settings", headers=_bearer(wide))
        assert _scopes_on_the_settings_page(page.text) == ["write", "write", "read"]
        # What needs the admin scope is refused, naming the scope it now has.
        refused = c.post("/settings/tokens", data={"name": "more"}, headers=_bearer(wide))
        assert refused.status_code == 403, refused.text
        assert "scope is write" in refused.text
        # What the new role allows still works.
        made = c.post(
            "/api/v1/topics", json={"name": "lumio", "query": "lumio"}, headers=_bearer(wide)
        )
        assert made.status_code == 201, made.text
        # Lowered again, to viewer: every token reads only; raised, none widens.
        c.post("/users/ana/role", data={"role": "viewer"}, headers=_bearer(boss))
        c.post("/users/ana/role", data={"role": "admin"}, headers=_bearer(boss))
        assert _scopes_on_the_settings_page(c.get("/settings", headers=_bearer(read)).text) == [
            "read", "read", "read"
        ]  # fmt: skip
    listed = CliRunner().invoke(
        build_app(), ["token", "list", "--user", "ana", "--format", "json", "-w", str(root)]
    )
    assert listed.exit_code == 0, listed.output
    assert [t["scope"] for t in json.loads(listed.output)] == ["read", "read", "read"]
    # The command line says which tokens it narrowed.
    _user(root, "mo", "manager")
    _token(root, "mo", "write")
    said = CliRunner().invoke(build_app(), ["user", "role", "mo", "viewer", "-w", str(root)])
    assert said.exit_code == 0, said.output
    assert "now have the read scope" in said.output
    with Workspace.open(root) as ws:
        ids = [t.id for t in tokens.list_tokens(ws.state, "ana")]
        (mos,) = tokens.list_tokens(ws.state, "mo")
        narrowed = [
            (e.actor, e.target, e.detail)
            for e in reversed(audit.list_entries(ws.state, action="token.narrow"))
        ]
    assert narrowed == [
        ("root", "ana", f"id={ids[0]} admin -> write"),
        ("root", "ana", f"id={ids[0]} write -> read"),
        ("root", "ana", f"id={ids[1]} write -> read"),
        ("cli", "mo", f"id={mos.id} write -> read"),
    ]


def test_the_rate_limit_holds_while_the_sqlite_file_is_held_by_a_long_write(
    tmp_path: Path,
) -> None:
    """While an import held the SQLite file, a token's calls went uncounted
    (the count's write gave up after 0.2 s and let the call through): a
    caller could pass ``[api] rate_limit_per_minute`` for as long as the
    write lasted. The calls are counted, across two web workers, and
    answered without waiting for the write to end."""
    import sqlite3

    root = _workspace(tmp_path, "sqlite", "rate_limit_per_minute = 3")
    _user(root, "bi", "viewer")
    with serve(root) as one, serve(root) as two:

        def held_calls() -> tuple[list[httpx.Response], httpx.Response]:
            token = _token(root, "bi")
            writer = sqlite3.connect(root / "veille.db", isolation_level=None)
            writer.execute("BEGIN IMMEDIATE")  # as a long import holds it
            writer.execute("INSERT INTO audit_log (at, actor, action, target, detail) "
                           "VALUES (0, 'import', 'import', '', '')")  # fmt: skip
            try:
                answers = [
                    httpx.get(
                        f"{(one if i % 2 else two).url}/api/v1/topics",
                        headers=_bearer(token),
                        timeout=60,
                    )
                    for i in range(5)
                ]
            finally:
                writer.execute("ROLLBACK")
                writer.close()
            # The write over, the count made during it still stands.
            after = httpx.get(f"{one.url}/api/v1/topics", headers=_bearer(token), timeout=60)
            return answers, after

        answers, after = _in_one_minute(held_calls)
        assert [r.status_code for r in answers] == [200, 200, 200, 429, 429], [
            r.text for r in answers
        ]
        assert answers[-1].json()["error"]["code"] == "rate_limited"
        assert after.status_code == 429


def test_an_unlisted_origins_preflight_is_refused_in_json_naming_it_and_the_setting(
    tmp_path: Path,
) -> None:
    """Starlette answered a preflight from an origin not in ``[api]
    cors_origins`` with a bare 400 ``Disallowed CORS origin``; with the list
    empty, a 405 about the method. The API answers it as it answers every
    refusal: JSON naming the origin and the setting, in the caller's
    language."""
    listed, other = "https://dashboard.example.org", "https://evil.example.net"
    ask = {"Access-Control-Request-Method": "GET",
           "Access-Control-Request-Headers": "authorization"}  # fmt: skip
    for api in (f'cors_origins = ["{listed}"]', ""):
        root = _workspace(tmp_path / str(bool(api)), "sqlite", api)
        with serve(root) as app, httpx.Client(base_url=app.url, timeout=30) as c:
            refused = c.options("/api/v1/topics", headers={"Origin": other, **ask})
            assert refused.status_code == 403, refused.text
            assert "access-control-allow-origin" not in refused.headers
            error = refused.json()["error"]
            assert error["code"] == "forbidden"
            assert other in error["message"]
            assert "[api] cors_origins" in error["hint"]
            fr = c.options(
                "/api/v1/topics", headers={"Origin": other, "Accept-Language": "fr", **ask}
            )
            assert fr.headers["content-language"] == "fr"
            assert other in fr.json()["error"]["message"]
            assert "[api] cors_origins" in fr.json()["error"]["hint"]
            assert fr.json()["error"]["message"] != error["message"]
            if api:
                # A header the API does not take is named, with those it takes.
                odd = c.options(
                    "/api/v1/topics",
                    headers={"Origin": listed, "Access-Control-Request-Method": "GET",
                             "Access-Control-Request-Headers": "x-secret"},
                )  # fmt: skip
                assert odd.status_code == 400, odd.text
                said = odd.json()["error"]
                assert said["code"] == "invalid_input"
                assert "x-secret" in said["message"]
                assert "Authorization" in said["hint"]


def test_tokens_of_users_lowered_before_are_narrowed_by_the_migration(
    tmp_path: Path, state_kind: str
) -> None:
    """Users whose role was lowered before lowering narrowed tokens kept
    wider ones: SQLite migration 0550 (PostgreSQL 0070) narrows them to
    what the role allows and records each in the audit log."""
    from veille.services import audit, tokens
    from veille.workspace import Workspace

    root = _workspace(tmp_path, state_kind)
    for name in ("vic", "al", "ana"):
        _user(root, name, "admin")
    made = {name: _token(root, name, "admin") for name in ("vic", "al", "ana")}
    with Workspace.open(root) as ws:
        st = ws.state
        run = st.conn.execute if state_kind == "sqlite" else st.run  # type: ignore[attr-defined]
        ph = "?" if state_kind == "sqlite" else "%s"
        # Lowered as they were before this release: the role alone.
        run(f"UPDATE users SET role = 'viewer' WHERE username = {ph}", ("vic",))
        run(f"UPDATE users SET role = 'analyst' WHERE username = {ph}", ("al",))
        if state_kind == "sqlite":
            run("DELETE FROM schema_migrations WHERE number = 550")
        else:
            run("DELETE FROM veille_schema WHERE version = 70")
    with Workspace.open(root) as ws:
        scopes = {t.username: t.scope for t in tokens.list_tokens(ws.state)}
        entries = {e.target: e.detail for e in audit.list_entries(ws.state, action="token.narrow")}
    assert scopes == {"vic": "read", "al": "write", "ana": "admin"}
    assert set(entries) == {"vic", "al"}
    number = "0550" if state_kind == "sqlite" else "0070"
    assert entries["vic"].endswith(f"admin -> read (migration {number})")
    assert entries["al"].endswith(f"admin -> write (migration {number})")
    with serve(root) as app, httpx.Client(base_url=app.url, timeout=30) as c:
        # The analyst's old admin token no longer makes tokens.
        refused = c.post("/settings/tokens", data={"name": "x"}, headers=_bearer(made["al"]))
        assert refused.status_code == 403
        assert "scope is write" in refused.text
        assert c.get("/settings", headers=_bearer(made["vic"])).status_code == 200


def test_a_token_made_while_the_role_is_lowered_is_no_wider_than_the_new_role(
    tmp_path: Path, state_kind: str
) -> None:
    """A request making a token read the user's role (admin), then another
    request lowered it to analyst and narrowed their tokens, then the first
    stored its token: an admin token for an analyst, which `veille token
    list` showed and which could make more tokens. Two real connections."""
    from typing import Any

    from veille.errors import UsageError
    from veille.services import tokens, users
    from veille.workspace import Workspace

    root = _workspace(tmp_path, state_kind)
    _user(root, "root", "admin")
    _user(root, "ada", "admin")
    with Workspace.open(root) as making, Workspace.open(root) as lowering:

        class LoweredMeanwhile:
            """The state of the making request; the lowering one runs just
            after it read the user."""

            def __init__(self, state: Any) -> None:
                self.state, self.lowered = state, False

            def __getattr__(self, name: str) -> Any:
                return getattr(self.state, name)

            def get_user(self, username: str) -> Any:
                found = self.state.get_user(username)
                if not self.lowered:
                    self.lowered = True
                    users.set_role(lowering.state, "ada", "analyst", actor="root")
                return found

        with pytest.raises(UsageError) as refused:
            tokens.create_token(LoweredMeanwhile(making.state), "ada", "deploy")  # type: ignore[arg-type]
        assert "analyst" in str(refused.value)
        scopes = [t.scope for t in tokens.list_tokens(making.state, "ada")]
        assert "admin" not in scopes
        # Asked again, the default scope is the new role's widest.
        made, _ = tokens.create_token(making.state, "ada", "deploy")
        assert made.scope == "write"


@pytest.mark.parametrize("how", ["folder-in-its-place", "read-only"])
def test_token_calls_are_answered_and_counted_when_the_counts_file_cannot_be_written(
    tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite counts the API's rate limit in a file beside the database
    (``veille.db-counts``). Could it not be written (its permissions, a
    full disk, a folder in its place), every token call was answered 500
    and nothing was said of the file. The calls are answered, the limit is
    counted in the process's memory meanwhile (the 4th call of 3 a minute is
    refused), and one log line names the file and what to do."""
    import logging
    import os

    root = _workspace(tmp_path, "sqlite", "rate_limit_per_minute = 3")
    _user(root, "bi", "viewer")
    token = _token(root, "bi")
    counts = root / "veille.db-counts"
    if how == "read-only":
        if os.geteuid() == 0:
            pytest.skip("root writes a read-only file")
        counts.write_bytes(b"")
        counts.chmod(0o444)
    else:
        counts.mkdir()
    with (
        caplog.at_level(logging.WARNING, logger="veille.store"),
        serve(root) as app,
        httpx.Client(base_url=app.url, timeout=30, headers=_bearer(token)) as c,
    ):
        answers = [c.get("/api/v1/topics") for _ in range(8)]
    codes = [a.status_code for a in answers]
    # Eight calls span two minutes at most, one of which holds four of them.
    assert codes[:3] == [200, 200, 200], [a.text for a in answers]
    assert 429 in codes and set(codes) == {200, 429}, [a.text for a in answers]
    said = [r.getMessage() for r in caplog.records if "counts" in r.getMessage()]
    assert len(said) == 1, said
    assert str(counts) in said[0] and "in memory" in said[0] and "Let the user" in said[0]


def test_the_counts_file_is_used_again_the_minute_after_it_can_be_written(tmp_path: Path) -> None:
    """Counted in memory while ``veille.db-counts`` could not be written,
    the rate limit goes back to the file (shared by every web worker) once
    it can be: it is tried again each minute."""
    from veille.workspace import Workspace

    root = _workspace(tmp_path, "sqlite")
    _user(root, "bi", "viewer")
    _token(root, "bi")
    counts = root / "veille.db-counts"
    counts.mkdir()
    with Workspace.open(root) as ws:
        [tok] = ws.state.list_tokens()
        assert [ws.state.count_token_request(tok.id, 100) for _ in range(3)] == [1, 2, 3]
        counts.rmdir()
        assert ws.state.count_token_request(tok.id, 100) == 4  # (this minute: in memory)
        assert ws.state.count_token_request(tok.id, 101) == 1
        assert counts.is_file()
    with Workspace.open(root) as ws:  # another worker counts in the same file
        assert ws.state.count_token_request(tok.id, 101) == 2


def test_token_calls_in_a_row_note_the_last_use_once_a_minute(
    tmp_path: Path, state_kind: str
) -> None:
    """Noting a token's last use at each call was a write transaction per
    API request, which on SQLite queues behind the collectors' writes: it
    is written once a minute at most, and `veille token list` still shows
    the last use to the minute. Counted with the database's own bookkeeping:
    a trigger on SQLite's table (each update of a last use, one of the same
    second included), PostgreSQL's xmin of the token's row (each update)."""
    from typer.testing import CliRunner

    from veille.cli import build_app
    from veille.workspace import Workspace

    root = _workspace(tmp_path, state_kind)
    _user(root, "bi", "viewer")
    token = _token(root, "bi")
    with Workspace.open(root) as ws:
        state_url = ws.settings.store.urls()[1]
    if state_kind == "sqlite":
        import sqlite3

        spy = sqlite3.connect(root / "veille.db", isolation_level=None)
        spy.execute("CREATE TABLE test_touches (at INTEGER)")
        spy.execute(
            "CREATE TRIGGER test_touch AFTER UPDATE OF last_used_at ON api_tokens "
            "BEGIN INSERT INTO test_touches VALUES (NEW.last_used_at); END"
        )

        def writes() -> int:
            return int(spy.execute("SELECT count(*) FROM test_touches").fetchone()[0])
    else:
        import psycopg

        spy = psycopg.connect(state_url, autocommit=True)  # type: ignore[assignment]

        def writes() -> int:
            return int(spy.execute("SELECT xmin::text::bigint FROM api_tokens").fetchone()[0])

    before = datetime.now(UTC).replace(microsecond=0)
    try:
        with serve(root) as app, httpx.Client(base_url=app.url, timeout=30) as c:
            wrote = []  # after each call: did the database change?
            last = writes()
            for _ in range(20):
                assert c.get("/api/v1/topics", headers=_bearer(token)).status_code == 200
                now = writes()
                wrote.append(now != last)
                last = now
    finally:
        spy.close()
    took = datetime.now(UTC) - before
    assert wrote[0]  # the first call notes the use
    # ...and the 19 after it, within its minute, write nothing.
    assert sum(wrote) == 1 or took >= timedelta(seconds=60), wrote
    listed = CliRunner().invoke(
        build_app(), ["token", "list", "--workspace", str(root), "--format", "json"]
    )
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    used = datetime.fromisoformat(row["last_used_at"])
    assert before <= used <= datetime.now(UTC)
