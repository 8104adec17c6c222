"""The API's refusals name what the caller sent and say what to do, over
real HTTP on loopback, with the state in SQLite and in PostgreSQL: an
``Authorization`` header that is not a veille token, a role too low, a path
or a method the API does not have."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import init_state_workspace
from tests.web.server import PASSWORD, Running, add_test_user, serve


@pytest.fixture(
    scope="module", params=["sqlite", "postgresql"], ids=["sqlite-state", "postgresql-state"]
)
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    """The app over a workspace whose state SQLite or PostgreSQL keeps, with
    a viewer ``vic`` and an analyst ``al``; served once for the module's
    tests, which only read (each makes the tokens it sends, so no test's
    calls count against another's)."""
    from veille.workspace import Workspace

    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")
    root = init_state_workspace(tmp_path_factory.mktemp("refusals") / "ws", request.param)
    with Workspace.open(root) as ws:
        add_test_user(ws.state, "vic", PASSWORD, "viewer")
        add_test_user(ws.state, "al", PASSWORD, "analyst")
    with serve(root) as app:
        yield app


def _tokens(root: Path) -> tuple[str, str]:
    """A new token of the viewer's and one of the analyst's."""
    from veille.services import tokens
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        return tokens.create_token(ws.state, "vic")[1], tokens.create_token(ws.state, "al")[1]


def _error(answer: httpx.Response) -> dict[str, str]:
    return answer.json()["error"]  # type: ignore[no-any-return]


def test_an_authorization_header_that_is_no_veille_token_is_told_what_is_wrong(
    api: Running,
) -> None:
    """A client sending ``Authorization: Token …`` (another API's scheme),
    ``Bearer`` with nothing after it, or the token's id instead of the
    token was told "this API needs a token" or "unknown or revoked", as if
    it had sent nothing or a revoked token."""
    root = api.root
    _tokens(root)
    with httpx.Client(base_url=api.url, timeout=30) as c:
        scheme = c.get("/api/v1/topics", headers={"Authorization": "Token vt_abc"})
        assert scheme.status_code == 401
        assert scheme.headers["www-authenticate"] == "Bearer"
        said = _error(scheme)
        assert "'Token'" in said["message"] and "Bearer TOKEN" in said["message"]
        assert "vt_abc" not in scheme.text  # the secret is never echoed
        empty = _error(c.get("/api/v1/topics", headers={"Authorization": "Bearer"}))
        assert "no token after Bearer" in empty["message"]
        not_ours = _error(c.get("/api/v1/topics", headers={"Authorization": "Bearer 12"}))
        assert "not a veille API token" in not_ours["message"] and "vt_" in not_ours["message"]
        # An unsafe method is refused the same way (the CSRF check runs first).
        posted = c.post("/api/v1/topics", json={}, headers={"Authorization": "Token x"})
        assert posted.status_code == 401 and "'Token'" in _error(posted)["message"]
        fr = c.get("/api/v1/topics", headers={"Authorization": "Token x", "Accept-Language": "fr"})
        assert "'Token'" in _error(fr)["message"] and "l’en-tête" in _error(fr)["message"]
        # Nothing sent: as before.
        assert _error(c.get("/api/v1/topics"))["message"] == "this API needs a token"


def test_a_role_refusal_names_the_role_the_caller_has_and_the_one_needed(api: Running) -> None:
    root = api.root
    viewer, _analyst = _tokens(root)
    bearer = {"Authorization": f"Bearer {viewer}"}
    with httpx.Client(base_url=api.url, timeout=30) as c:
        refused = c.post("/api/v1/topics", json={"name": "x", "query": "x"}, headers=bearer)
        assert refused.status_code == 403
        said = _error(refused)
        assert said["code"] == "forbidden"
        assert said["message"] == "your role is viewer; this needs the analyst role"
        fr = c.post(
            "/api/v1/topics", json={"name": "x", "query": "x"},
            headers={**bearer, "Accept-Language": "fr"},
        )  # fmt: skip
        assert "lecteur" in _error(fr)["message"] and "analyste" in _error(fr)["message"]


def test_an_unknown_path_or_method_is_named_with_what_to_call_instead(api: Running) -> None:
    """A 404 said "no such API endpoint" and a 405 "this endpoint does not
    take that method", naming neither the path nor the method sent."""
    root = api.root
    viewer, analyst = _tokens(root)
    with httpx.Client(base_url=api.url, timeout=30) as c:
        missing = c.get("/api/v1/inbox", headers={"Authorization": f"Bearer {viewer}"})
        assert missing.status_code == 404
        said = _error(missing)
        assert said["code"] == "not_found" and "/api/v1/inbox" in said["message"]
        assert "/api/docs" in said["hint"]
        wrong = c.delete("/api/v1/posts", headers={"Authorization": f"Bearer {analyst}"})
        assert wrong.status_code == 405
        assert wrong.headers["allow"] == "GET"
        said = _error(wrong)
        assert said["code"] == "method_not_allowed"
        assert "DELETE" in said["message"] and "/api/v1/posts" in said["message"]
        assert "GET" in said["hint"]
        fr = _error(
            c.delete(
                "/api/v1/posts",
                headers={"Authorization": f"Bearer {analyst}", "Accept-Language": "fr"},
            )
        )
        assert "DELETE" in fr["message"] and "ne prend pas" in fr["message"]


def test_a_scope_refusal_says_where_to_make_a_token_in_the_callers_language(api: Running) -> None:
    """Its French hint said « créé sur /settings, or veille token create … »:
    the « or » stayed English."""
    from veille.services import tokens
    from veille.workspace import Workspace

    root = api.root
    _tokens(root)
    with Workspace.open(root) as ws:
        read = tokens.create_token(ws.state, "al", scope="read")[1]
    with httpx.Client(base_url=api.url, timeout=30) as c:
        headers = {"Authorization": f"Bearer {read}"}
        said = _error(c.post("/api/v1/topics", json={"name": "x", "query": "x"}, headers=headers))
        assert "/settings, or veille token create USER --scope write" in said["hint"]
        fr = _error(
            c.post(
                "/api/v1/topics", json={"name": "x", "query": "x"},
                headers={**headers, "Accept-Language": "fr"},
            )
        )  # fmt: skip
        assert "/settings, ou veille token create" in fr["hint"], fr["hint"]


def test_a_body_that_is_not_json_is_told_why_in_the_callers_language(api: Running) -> None:
    """The reason came from Python's JSON reader as it is: English in a
    French answer (« du JSON invalide (Expecting value au caractère 0) »),
    and "Unterminated string starting at at character 9" in English."""
    root = api.root
    _viewer, analyst = _tokens(root)
    json_body = {"Authorization": f"Bearer {analyst}", "Content-Type": "application/json"}
    with httpx.Client(base_url=api.url, timeout=30) as c:
        cut = c.post("/api/v1/topics", content=b'{"name": "x', headers=json_body)
        assert cut.status_code == 422
        said = _error(cut)["message"]
        assert said == "body: not valid JSON (a string not closed, from character 9)", said
        fr = c.post(
            "/api/v1/topics", content=b"{oops", headers={**json_body, "Accept-Language": "fr"}
        )
        said = _error(fr)["message"]
        assert "Expecting" not in said and "guillemets" in said and "caractère 1" in said, said


def test_a_refusal_does_not_echo_a_long_input_whole(api: Running) -> None:
    """A 404 for a topic echoed a 3000-character name whole, and a CORS
    preflight refusal its Origin header: a client (or a log of answers)
    got back whatever it sent, at any length. Now they say its start."""
    root = api.root
    viewer, analyst = _tokens(root)
    name = "x" * 3000
    with httpx.Client(base_url=api.url, timeout=30) as c:
        auth = {"Authorization": f"Bearer {viewer}"}
        for lang in ("en", "fr"):
            answer = c.get(f"/api/v1/topics/{name}", headers={**auth, "Accept-Language": lang})
            assert answer.status_code == 404
            said = _error(answer)["message"]
            assert "x" * 100 in said and "x" * 300 not in said and "…" in said
            assert len(answer.text) < 1500
        # A body's field named with 3000 characters (422) is cut the same way.
        field = c.post(
            "/api/v1/topics",
            json={"z" * 3000: 1, "name": "a", "query": "b"},
            headers={"Authorization": f"Bearer {analyst}"},
        )
        assert field.status_code == 422 and "z" * 100 in field.text
        assert "z" * 300 not in field.text and len(field.text) < 1500
        origin = "https://" + "a" * 3000 + ".example"
        preflight = c.options(
            "/api/v1/topics",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 403
        assert "a" * 100 in _error(preflight)["message"] and len(preflight.text) < 1500


def test_a_token_sent_without_its_scheme_is_not_echoed(api: Running) -> None:
    """``Authorization: vt_…`` (the secret without ``Bearer``) was refused
    naming the first word of the header as the scheme: the secret's first
    20 characters came back in the answer (and in any log of it)."""
    root = api.root
    viewer, _ = _tokens(root)
    with httpx.Client(base_url=api.url, timeout=30) as c:
        for lang in ("en", "fr"):
            answer = c.get(
                "/api/v1/topics", headers={"Authorization": viewer, "Accept-Language": lang}
            )
            assert answer.status_code == 401
            assert viewer[:8] not in answer.text
            assert "Bearer" in _error(answer)["message"]
        # A scheme that is not a secret is still named.
        basic = c.get("/api/v1/topics", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert "'Basic'" in _error(basic)["message"] and "dXNlcjpwYXNz" not in basic.text


def test_an_unknown_topic_offers_to_create_one_only_to_who_may(api: Running) -> None:
    """The API's "topic not found" said "create one with: POST /api/v1/topics"
    to every caller, also to a viewer's token and to an analyst's read-only
    token, which that call refuses (403). As the pages, it now offers it
    only to who may: the others read the known topics only."""
    from veille.query import topics
    from veille.services import tokens
    from veille.workspace import Workspace

    root = api.root
    viewer, analyst = _tokens(root)
    with Workspace.open(root) as ws:
        read_only = tokens.create_token(ws.state, "al", scope="read")[1]
        topics.add_topic(ws.store, "lyon", "lyon")
    with httpx.Client(base_url=api.url, timeout=30) as c:
        callers = (("analyst", analyst, True), ("viewer", viewer, False),
                   ("read-only analyst", read_only, False))  # fmt: skip
        for who, token, offered in callers:
            for language, known in (("en", "known topics: lyon"), ("fr", "sujets connus")):
                headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}
                answer = c.get("/api/v1/topics/paris", headers=headers)
                assert answer.status_code == 404, answer.text
                said = _error(answer)
                assert known in said["hint"] and "lyon" in said["hint"], said
                assert ("POST /api/v1/topics" in said["hint"]) is offered, (who, said)


def test_an_unknown_source_offers_to_add_one_only_to_who_may(api: Running) -> None:
    """In a workspace without sources, "no source named 'x'" said "Add a
    source first (POST /api/v1/sources)" to every caller, also to a viewer's
    token and to an analyst's read-only token, which that call refuses (403).
    As for topics, only who may is offered it; the others read that there is
    no source yet."""
    from veille.services import tokens
    from veille.workspace import Workspace

    root = api.root
    viewer, analyst = _tokens(root)
    with Workspace.open(root) as ws:
        read_only = tokens.create_token(ws.state, "al", scope="read")[1]
    with httpx.Client(base_url=api.url, timeout=30) as c:
        callers = (("analyst", analyst, True), ("viewer", viewer, False),
                   ("read-only analyst", read_only, False))  # fmt: skip
        for who, token, offered in callers:
            for language, none_yet in (("en", "No source yet."), ("fr", "Aucune source")):
                headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}
                for path in ("/api/v1/sources/blog", "/api/v1/sources/blog/health"):
                    answer = c.get(path, headers=headers)
                    assert answer.status_code == 404, answer.text
                    said = _error(answer)
                    assert "blog" in said["message"], said
                    assert ("POST /api/v1/sources" in said["hint"]) is offered, (who, said)
                    assert (none_yet in said["hint"]) is not offered, (who, said)


def test_an_expired_or_revoked_token_is_told_to_use_a_new_one(api: Running) -> None:
    """A token that expired or was revoked, sent as it should be, was told
    "Send the header 'Authorization: Bearer TOKEN'", which the caller had
    done. Its hint now says to call with a new token and where one is made;
    a call without any token is still told to send the header."""
    import hashlib
    from datetime import UTC, datetime, timedelta

    from veille.services import tokens
    from veille.workspace import Workspace

    root = api.root
    _viewer, analyst = _tokens(root)
    expired = "vt_expired-token-of-the-test"
    now = datetime.now(UTC).replace(microsecond=0)
    with Workspace.open(root) as ws:
        ws.state.add_token(
            "al", "old", hashlib.sha256(expired.encode()).hexdigest(),
            now - timedelta(days=90), scope="read", expires_at=now - timedelta(days=1),
        )  # fmt: skip
        record, revoked = tokens.create_token(ws.state, "al", "gone")
        tokens.revoke_token(ws.state, record.id)
    with httpx.Client(base_url=api.url, timeout=30) as c:
        for secret, said in ((expired, "expired on"), (revoked, "is revoked")):
            answer = c.get("/api/v1/topics", headers={"Authorization": f"Bearer {secret}"})
            assert answer.status_code == 401, answer.text
            error = _error(answer)
            assert said in error["message"], error
            assert "new one" in error["hint"] and "/settings" in error["hint"], error
            assert "veille token create USER" in error["hint"], error
            assert "Send the header" not in error["hint"], error
            headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "fr"}
            fr = c.get("/api/v1/topics", headers=headers)
            assert "nouveau jeton" in _error(fr)["hint"], _error(fr)
        nothing = _error(c.get("/api/v1/topics"))
        assert "Send the header 'Authorization: Bearer TOKEN'" in nothing["hint"], nothing
        unknown = _error(c.get("/api/v1/topics", headers={"Authorization": "Bearer vt_nope"}))
        assert "Send the header" in unknown["hint"], unknown
        live = c.get("/api/v1/topics", headers={"Authorization": f"Bearer {analyst}"})
        assert live.status_code == 200
