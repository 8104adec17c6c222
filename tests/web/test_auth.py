"""Signing in and out, first run, CSRF, roles, cookies and headers, over a
real server on loopback."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable

import httpx
import pytest

from tests.web.conftest import Served, csrf_from, do_login, password_for
from veille.services import audit, signin, tokens, users

Login = Callable[..., httpx.Response]


def test_login_form_has_the_documented_fields(client: httpx.Client) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="username"' in page.text and 'name="password"' in page.text
    assert '<label for="username">' in page.text and '<label for="password">' in page.text


def test_a_page_sends_an_anonymous_browser_to_login(client: httpx.Client) -> None:
    response = client.get("/users?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/users%3Fx%3D1"


def test_login_then_logout(client: httpx.Client, login: Login) -> None:
    response = do_login(client, "admin")  # (the form itself: not the login fixture)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    assert client.get("/users").status_code == 200
    settings = client.get("/settings")
    assert "admin" in settings.text
    client.post("/logout", data={"csrf_token": csrf_from(settings.text)})
    assert client.get("/users").status_code == 303


def test_login_follows_next_only_within_the_site(client: httpx.Client) -> None:
    page = client.get("/login")
    data = {"username": "viewer", "password": password_for("viewer")}
    data["csrf_token"] = csrf_from(page.text)
    data["next"] = "//evil.example/x"
    assert client.post("/login", data=data).headers["location"] == "/"


def test_wrong_password_says_so_without_telling_which(client: httpx.Client) -> None:
    wrong = do_login(client, "viewer", "not-the-password")
    unknown = do_login(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong username or password." in wrong.text
    assert "Wrong username or password." in unknown.text


def test_five_failures_lock_that_username_from_that_address(
    live_server: Served, client: httpx.Client
) -> None:
    with live_server.workspace() as ws:
        users.add_user(ws.state, "locked", password_for("locked"), "viewer")
    for _ in range(5):
        assert do_login(client, "locked", "wrong password").status_code == 401
    # Even the right password is refused now, with a clear message.
    refused = do_login(client, "locked")
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    # Another user from the same address is not affected.
    assert do_login(client, "viewer").status_code == 303


def _from(live_server: Served, address: str, language: str = "en") -> httpx.Client:
    """A browser connecting from ``address`` (any of 127.0.0.0/8 is this machine)."""
    transport = httpx.HTTPTransport(local_address=address)
    headers = {"Accept-Language": language}
    return httpx.Client(base_url=live_server.url, timeout=30, transport=transport, headers=headers)


def test_guesses_spread_over_addresses_are_held_per_account(live_server: Served) -> None:
    """Five failures lock one username from one address only: an attacker
    guessing from ten addresses (four tries each) went on at full speed. Past
    ten failures for one account from anywhere in 15 minutes, each try waits a
    short delay (not a lockout): the right password once it is over signs in."""
    with live_server.workspace() as ws:
        users.add_user(ws.state, "spread_out", password_for("spread_out"), "viewer")
    for n in range(signin.ACCOUNT_FAILURES):
        with _from(live_server, f"127.0.3.{n + 1}") as guesser:
            assert do_login(guesser, "spread_out", f"guess {n}").status_code == 401
    # From a new address, even the right password waits now, said in the reader's
    # words. (The first delays are a second or two: a slow machine may let a try
    # through after they end, so the guesser goes on until one outlasts a request.)
    for n in range(8):
        with _from(live_server, f"127.0.3.{100 + n}") as guesser:
            do_login(guesser, "spread_out", f"more {n}")
        with _from(live_server, "127.0.3.200", "fr") as owner:
            held = do_login(owner, "spread_out")
        if held.status_code != 303:
            break
    assert held.status_code == 429, held.text
    assert "depuis plusieurs endroits" in held.text
    wait = int(held.headers["retry-after"])
    assert 0 < wait <= signin.ACCOUNT_DELAY_MAX.total_seconds()
    time.sleep(wait + 0.5)
    with _from(live_server, "127.0.3.200", "fr") as owner:
        signed_in = do_login(owner, "spread_out")
    assert signed_in.status_code == 303, signed_in.text
    # Another account is not held; admins see the guessing in the audit log, once.
    with _from(live_server, "127.0.3.201") as other:
        assert do_login(other, "viewer").status_code == 303
    with live_server.workspace() as ws:
        held_entries = audit.list_entries(ws.state, action="user.login.throttle")
    assert [(e.actor, e.target, e.detail) for e in held_entries] == [
        ("login-form", "spread_out", "10 failed logins from 10 addresses")
    ]
    with _from(live_server, "127.0.3.202", "fr") as admin:
        assert do_login(admin, "admin").status_code == 303
        page = admin.get("/audit", params={"action": "user.login.throttle"}).text
    assert "10 connexions échouées depuis 10 adresses" in page


def test_guesses_sent_all_at_once_are_counted_as_they_come(live_server: Served) -> None:
    """An attempt was counted before its password was checked and recorded
    after: thirty wrong guesses sent at once from thirty addresses were all
    checked, whatever the cap. Each is now recorded first and counted
    against those before it: past the cap, the rest wait (429)."""
    import concurrent.futures

    with live_server.workspace() as ws:
        users.add_user(ws.state, "at_once", password_for("at_once"), "viewer")

    def guess(n: int) -> int:
        with _from(live_server, f"127.0.5.{n + 1}") as guesser:
            data = {"username": "at_once", "password": f"guess {n}",
                    "csrf_token": csrf_from(guesser.get("/login").text)}  # fmt: skip
            return guesser.post("/login", data=data).status_code

    with concurrent.futures.ThreadPoolExecutor(30) as pool:
        said = list(pool.map(guess, range(30)))
    assert set(said) == {401, 429}, said
    # The cap, and the few its doubling delays may let through on a slow
    # machine: six of them (1, 2, 4, 8, 16, 32 s) span a minute, longer than
    # thirty requests take anywhere.
    assert said.count(401) <= signin.ACCOUNT_FAILURES + 6, said


def test_a_held_account_changing_its_password_is_told_why_not_wrong(live_server: Served) -> None:
    """The password change checks the current password as a sign-in does:
    while guessers hold the account, it said "The current password is
    wrong" of the right one; it says to wait (429), as the sign-in page does."""
    with live_server.workspace() as ws:
        users.add_user(ws.state, "changer", "first long password", "viewer")
    with _from(live_server, "127.0.4.200") as laptop:
        assert do_login(laptop, "changer", "first long password").status_code == 303
        # Signed in before browsers had a device cookie (its own is not held).
        laptop.cookies.delete("veille_device")
        form = {"current": "first long password", "password": "second long password",
                "csrf_token": csrf_from(laptop.get("/settings").text)}  # fmt: skip
        for n in range(signin.ACCOUNT_FAILURES):
            with _from(live_server, f"127.0.4.{n + 1}") as guesser:
                do_login(guesser, "changer", f"guess {n}")
        for n in range(8):
            refused = laptop.post("/settings/password", data=form)
            if refused.status_code != 303:
                break
            form = form | {"current": form["password"], "password": form["current"]}
            with _from(live_server, f"127.0.4.{100 + n}") as guesser:
                do_login(guesser, "changer", f"more {n}")
        assert refused.status_code == 429, refused.text
        assert "from several places" in refused.text
        assert "The current password is wrong" not in refused.text


_GUESSERS = itertools.count()


def _hold(live_server: Served, username: str) -> httpx.Response:
    """Guess wrong passwords at ``username``, each from an address of its
    own (127.10.x.y), until a browser new to the account is held: that
    browser's 429. (The first delays are a second or two: a slow machine may
    let a try through after they end, so the guessing goes on until one
    outlasts a request.)"""
    for n in range(signin.ACCOUNT_FAILURES + 8):
        k = next(_GUESSERS)
        with _from(live_server, f"127.10.{k // 250}.{k % 250 + 1}") as guesser:
            guessed = do_login(guesser, username, f"guess {n}")
        if n + 1 < signin.ACCOUNT_FAILURES and guessed.status_code != 429:
            continue
        with _from(live_server, "127.11.0.1") as stranger:
            held = do_login(stranger, username)
        if held.status_code != 303:
            break
    assert held.status_code == 429, held.text
    return held


def _while_held(
    live_server: Served, username: str, attempt: Callable[[], httpx.Response]
) -> httpx.Response:
    """``attempt()``'s answer while the account ``username`` is held: a
    browser new to it is refused just before and just after (the delay,
    once started, runs until it ends). Tried again, the guessing going on,
    where the delay ended in between on a slow machine."""
    for _ in range(6):
        _hold(live_server, username)
        said = attempt()
        with _from(live_server, "127.11.0.1") as stranger:
            if do_login(stranger, username).status_code == 429:
                return said
    raise AssertionError(f"{username!r} was never held around the attempt")


def _with_cookie(
    live_server: Served, address: str, username: str, device: str
) -> Callable[[], httpx.Response]:
    """A sign-in to ``username`` from a browser at ``address`` carrying the
    device cookie ``device`` (the same one at each call)."""

    def sign_in() -> httpx.Response:
        with _from(live_server, address) as browser:
            browser.cookies.set("veille_device", device)
            return do_login(browser, username)

    return sign_in


def _sign_out(browser: httpx.Client) -> None:
    token = csrf_from(browser.get("/settings").text)
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 303


def test_guessers_do_not_delay_the_users_own_browser(live_server: Served) -> None:
    """Anyone who knew a username could keep its user waiting: guessing
    once in a while held every sign-in to the account, the user's own
    included. A browser that signed in to the account before keeps a signed
    device cookie; its sign-ins are counted on their own, while a browser
    new to the account is still held."""
    with live_server.workspace() as ws:
        users.add_user(ws.state, "known_laptop", password_for("known_laptop"), "viewer")
    with _from(live_server, "127.0.6.200") as laptop:
        assert do_login(laptop, "known_laptop").status_code == 303
        _sign_out(laptop)
        held = _hold(live_server, "known_laptop")
        assert "from several places" in held.text
        # While a stranger is held: a typo of the laptop's own says so (401,
        # not "wait"), the right password signs in.
        typo = _while_held(
            live_server, "known_laptop", lambda: do_login(laptop, "known_laptop", "a typo")
        )
        assert typo.status_code == 401

        def sign_in_and_out() -> httpx.Response:
            said = do_login(laptop, "known_laptop")
            if said.status_code == 303:
                _sign_out(laptop)  # (so that it may be tried again)
            return said

        assert _while_held(live_server, "known_laptop", sign_in_and_out).status_code == 303
        # Its cookie names the account: for another one it is a stranger's.
        with live_server.workspace() as ws:
            users.add_user(ws.state, "other_one", password_for("other_one"), "viewer")
        with _from(live_server, "127.0.6.201") as other:
            assert do_login(other, "other_one").status_code == 303
            _sign_out(other)
            device = other.cookies["veille_device"]
            try_it = _with_cookie(live_server, "127.0.6.201", "known_laptop", device)
            elsewhere = _while_held(live_server, "known_laptop", try_it)
            assert elsewhere.status_code == 429
        # Nor is the laptop's password change held, which asks for the current one.
        _hold(live_server, "known_laptop")
        assert do_login(laptop, "known_laptop").status_code == 303
        form = {"current": password_for("known_laptop"), "password": "a new long password",
                "csrf_token": csrf_from(laptop.get("/settings").text)}  # fmt: skip
        assert laptop.post("/settings/password", data=form).status_code == 303


def test_a_device_cookie_failing_too_often_is_trusted_no_more(live_server: Served) -> None:
    """A stolen device cookie would be a way round the account's delay: past
    ten failures since its last success, its browser is held as any other."""
    with live_server.workspace() as ws:
        users.add_user(ws.state, "clumsy", password_for("clumsy"), "viewer")
    with _from(live_server, "127.0.7.200") as laptop:
        assert do_login(laptop, "clumsy").status_code == 303
        _sign_out(laptop)
        # Not held after five from its address: the cookie's own count runs.
        for n in range(signin.DEVICE_FAILURES):
            assert do_login(laptop, "clumsy", f"typo {n}").status_code == 401
        device = laptop.cookies["veille_device"]
        try_it = _with_cookie(live_server, "127.0.7.200", "clumsy", device)
        held = _while_held(live_server, "clumsy", try_it)
        assert held.status_code == 429


def test_a_made_up_altered_or_old_device_cookie_is_ignored(live_server: Served) -> None:
    """Only a cookie the app signed, for this account, less than
    ``DEVICE_DAYS`` old, is trusted: any other browser waits as a stranger."""
    from datetime import timedelta

    from veille.models import now_utc

    with live_server.workspace() as ws:
        users.add_user(ws.state, "forged_for", password_for("forged_for"), "viewer")
        good = signin.device_cookie(ws.state, "forged_for")
        old = signin.device_cookie(
            ws.state, "forged_for", at=now_utc() - timedelta(days=signin.DEVICE_DAYS + 1)
        )
    name, made, nonce, mac = good.split("|")
    flipped = ("A" if mac[0] != "A" else "B") + mac[1:]
    tried = {
        "made up": f"forged_for|{made}|{nonce}|{'x' * len(mac)}",
        "altered": f"{name}|{made}|{nonce}|{flipped}",
        "moved in time": f"{name}|{int(made) + 1}|{nonce}|{mac}",
        "too old": old,
        "garbage": "not a cookie",
    }
    for why, value in tried.items():
        try_it = _with_cookie(live_server, "127.0.8.210", "forged_for", value)
        assert _while_held(live_server, "forged_for", try_it).status_code == 429, why
    try_it = _with_cookie(live_server, "127.0.8.211", "forged_for", good)
    assert _while_held(live_server, "forged_for", try_it).status_code == 303


def test_the_device_cookie_is_kept_from_scripts_and_other_sites(live_server: Served) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as browser:
        response = do_login(browser, "viewer")
        cookie = next(c for c in response.headers.get_list("set-cookie") if "veille_device" in c)
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Secure" not in cookie  # plain HTTP on loopback
        assert int(re.search(r"Max-Age=(\d+)", cookie)[1]) == signin.DEVICE_DAYS * 86400  # type: ignore[index]
        _sign_out(browser)
        assert "veille_device" in browser.cookies  # it names the browser, not a session
    headers = {"X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=live_server.url, headers=headers) as tls:
        page = tls.get("/login")
        response = tls.post(
            "/login",
            data={"username": "viewer", "password": password_for("viewer"),
                  "csrf_token": csrf_from(page.text)},
            headers={"Cookie": page.headers["set-cookie"].split(";")[0]},
        )  # fmt: skip
        cookie = next(c for c in response.headers.get_list("set-cookie") if "veille_device" in c)
        assert "Secure" in cookie


def test_session_cookie_flags(client: httpx.Client) -> None:
    response = do_login(client, "viewer")
    cookie = next(c for c in response.headers.get_list("set-cookie") if "veille_session" in c)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback


def test_session_cookie_is_secure_behind_tls(live_server: Served) -> None:
    headers = {"X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=live_server.url, headers=headers) as tls:
        page = tls.get("/login")
        assert "max-age" in page.headers["strict-transport-security"]
        csrf_cookie = page.headers["set-cookie"]
        assert "Secure" in csrf_cookie
        # httpx keeps a Secure cookie for https only: send it back by hand,
        # as the browser does through the TLS proxy.
        value = csrf_cookie.split(";")[0]
        response = tls.post(
            "/login",
            data={"username": "viewer", "password": password_for("viewer"),
                  "csrf_token": csrf_from(page.text)},
            headers={"Cookie": value},
        )  # fmt: skip
        cookie = next(c for c in response.headers.get_list("set-cookie") if "veille_session" in c)
        assert "Secure" in cookie and "HttpOnly" in cookie


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/veille.css", "/nowhere", "/users"])
def test_security_headers_on_every_response(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]


def test_pages_carry_no_inline_script(client: httpx.Client, login: Login) -> None:
    login(client, "admin")
    for path in ("/users", "/settings", "/audit", "/login"):
        text = client.get(path).text
        assert "<script>" not in text and " onclick=" not in text


def test_a_post_without_the_csrf_token_is_refused(client: httpx.Client, login: Login) -> None:
    login(client, "admin")
    data = {"username": "mallory", "password": "long enough pass", "role": "admin"}
    assert client.post("/users", data=data).status_code == 403
    assert client.post("/users", data={**data, "csrf_token": "forged"}).status_code == 403
    with pytest.raises(AssertionError):
        assert "mallory" in client.get("/users").text
    # The login form is protected too (login CSRF).
    fresh = httpx.Client(base_url=str(client.base_url))
    with fresh:
        blind = {"username": "viewer", "password": password_for("viewer")}
        assert fresh.post("/login", data=blind).status_code == 403


def test_a_fetch_may_send_the_token_in_a_header(client: httpx.Client, login: Login) -> None:
    login(client, "admin")
    token = csrf_from(client.get("/settings").text)
    response = client.post(
        "/settings/tokens", data={"name": "by-header"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 200 and "vt_" in response.text


def test_roles_are_enforced(client: httpx.Client, login: Login) -> None:
    login(client, "manager")
    assert client.get("/users").status_code == 403
    assert client.get("/audit").status_code == 403
    token = csrf_from(client.get("/settings").text)
    data = {"username": "sneaky", "password": "long enough pass", "role": "admin",
            "csrf_token": token}  # fmt: skip
    assert client.post("/users", data=data).status_code == 403


def test_admin_manages_users_and_the_audit_log_records_it(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "admin")
    token = csrf_from(client.get("/users").text)
    added = client.post(
        "/users",
        data={"username": "Newbie", "password": "long enough pass", "role": "analyst",
              "csrf_token": token},
    )  # fmt: skip
    assert added.status_code == 303
    assert "newbie" in client.get("/users").text
    client.post("/users/newbie/role", data={"role": "manager", "csrf_token": token})
    client.post(
        "/users/newbie/password", data={"password": "another long one", "csrf_token": token}
    )
    with httpx.Client(base_url=live_server.url) as other:
        assert do_login(other, "newbie", "another long one").status_code == 303
    client.post("/users/newbie/remove", data={"csrf_token": token})
    with live_server.workspace() as ws:
        assert users.get_user(ws.state, "newbie") is None
        actions = [(e.actor, e.action, e.target) for e in audit.list_entries(ws.state)]
    for action in ("user.add", "user.role", "user.password", "user.remove"):
        assert ("admin", action, "newbie") in actions
    page = client.get("/audit?action=user.role")
    assert "<code>user.role</code>" in page.text and "<code>user.add</code>" not in page.text


def test_the_last_admin_cannot_be_removed_from_the_page(client: httpx.Client, login: Login) -> None:
    login(client, "admin")
    token = csrf_from(client.get("/users").text)
    response = client.post("/users/admin/role", data={"role": "viewer", "csrf_token": token})
    assert response.status_code == 400
    assert "last admin" in response.text


def test_first_run_creates_the_admin(fresh_server: Served) -> None:
    with httpx.Client(base_url=fresh_server.url) as browser:
        assert browser.get("/users").headers["location"] == "/setup"
        assert browser.get("/login").headers["location"] == "/setup"
        page = browser.get("/setup")
        token = csrf_from(page.text)
        form = {"username": "boss", "password": "long enough pass", "csrf_token": token}
        mismatch = browser.post("/setup", data={**form, "confirm": "something else"})
        assert mismatch.status_code == 400
        # The focus goes to the error, the one element asking for it (HTML allows one).
        focused = re.findall(r"<[a-z]+\b[^>]*\sautofocus\b[^>]*>", mismatch.text)
        assert len(focused) == 1 and 'id="setup-error"' in focused[0], focused
        done = browser.post("/setup", data={**form, "confirm": "long enough pass"})
        assert done.status_code == 303
        assert browser.get("/users").status_code == 200
        # Once an account exists the page is gone.
        assert browser.get("/setup").headers["location"] == "/login"
    with fresh_server.workspace() as ws:
        boss = users.get_user(ws.state, "boss")
        assert boss is not None and boss.role == "admin"


def test_language_from_accept_language_then_the_switcher(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    french = client.get("/login", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in french.text and "Se connecter" in french.text
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "de, en"}).text
    login(client, "analyst")
    token = csrf_from(client.get("/settings").text)
    switched = client.post("/language", data={"lang": "fr", "next": "/settings",
                                              "csrf_token": token})  # fmt: skip
    assert switched.headers["location"] == "/settings"
    assert "Paramètres" in client.get("/settings").text
    # Remembered in the account: another browser, which prefers English, gets French.
    with httpx.Client(base_url=live_server.url) as other:
        do_login(other, "analyst")
        page = other.get("/settings", headers={"Accept-Language": "en"})
        assert '<html lang="fr">' in page.text


def test_api_requests_without_login_get_401_not_a_redirect(live_server: Served) -> None:
    # No API route is needed: the error handler answers JSON under /api/.
    with httpx.Client(base_url=live_server.url) as c:
        response = c.get("/api/v1/does-not-exist")
        assert response.status_code in (401, 404)
        assert response.headers["content-type"].startswith("application/json")


def test_healthz(client: httpx.Client) -> None:
    # Signed out: the count of saved queries that no longer read, and of what
    # names a deleted topic or objective, never their names.
    assert client.get("/healthz").json() == {
        "status": "ok",
        "stores": {"state": "ok", "posts": "ok"},
        "warming": False,
        "unreadable_queries": 0,
        "dangling_references": 0,
        "unfinished_erasures": 0,
    }


def test_settings_masks_secrets(client: httpx.Client, login: Login) -> None:
    login(client, "admin")
    page = client.get("/settings")
    assert "Workspace settings" in page.text and "password_env" in page.text
    login_viewer = httpx.Client(base_url=str(client.base_url))
    with login_viewer:
        do_login(login_viewer, "viewer")
        assert "Workspace settings" not in login_viewer.get("/settings").text


def test_settings_say_which_values_are_not_set(client: httpx.Client, login: Login) -> None:
    """An empty setting reads as not set, in the reader's language: shown as
    nothing, it looked like a value the page had failed to show."""
    login(client, "admin")
    page = client.get("/settings").text
    assert re.search(r"<dt>holidays</dt><dd><span class=\"muted\">\(not set\)</span></dd>", page)
    assert "<dt>timezone</dt><dd><code>" in page  # a value set stays as it was
    client.cookies.set("veille_lang", "fr")
    assert (
        '<dt>holidays</dt><dd><span class="muted">(non défini)</span>'
        in client.get("/settings").text
    )


def test_api_tokens_from_the_settings_page(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "viewer")
    token = csrf_from(client.get("/settings").text)
    page = client.post("/settings/tokens", data={"name": "script", "csrf_token": token})
    secret = page.text.split('<code class="token">')[1].split("<")[0]
    with live_server.workspace() as ws:
        user = tokens.user_for_token(ws.state, secret)
        assert user is not None and user.username == "viewer"
        token_id = tokens.list_tokens(ws.state, "viewer")[-1].id
    client.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": token})
    with live_server.workspace() as ws:
        assert tokens.user_for_token(ws.state, secret) is None


def test_the_switcher_works_before_signing_in(live_server: Served) -> None:
    with httpx.Client(base_url=live_server.url) as anon:
        token = csrf_from(anon.get("/login").text)
        anon.post("/language", data={"lang": "fr", "next": "/login", "csrf_token": token})
        assert "Se connecter" in anon.get("/login", headers={"Accept-Language": "en"}).text


def test_a_new_password_signs_the_user_out_elsewhere(
    live_server: Served, client: httpx.Client
) -> None:
    with live_server.workspace() as ws:
        users.add_user(ws.state, "mover", "first long password", "viewer")
    assert do_login(client, "mover", "first long password").status_code == 303
    with httpx.Client(base_url=live_server.url) as laptop:
        do_login(laptop, "mover", "first long password")
        token = csrf_from(laptop.get("/settings").text)
        changed = laptop.post(
            "/settings/password",
            data={"current": "first long password", "password": "second long password",
                  "csrf_token": token},
        )  # fmt: skip
        assert changed.status_code == 303
        assert laptop.get("/settings").status_code == 200  # this browser stays in
    assert client.get("/settings").status_code == 303  # the other one is out


def test_settings_view_hides_secrets_and_credentials_in_urls() -> None:
    from veille.web.routes.settings import MASK, masked

    shown = masked(
        {
            "smtp": {"password": "hunter2", "password_env": "VEILLE_SMTP_PASSWORD", "user": "u"},
            "store": {
                "state": "postgresql://veille:s3cret@db.local/veille",
                "posts": "veille+http://collector:8790?token=t0psecret",
                "path": "v.db",
            },
            "api": {"token": "abc", "keys": ["k1"]},
        }
    )
    assert shown["smtp"] == {"password": MASK, "password_env": "VEILLE_SMTP_PASSWORD", "user": "u"}
    assert shown["store"]["state"] == f"postgresql://{MASK}@db.local/veille"
    assert "s3cret" not in str(shown) and "hunter2" not in str(shown) and "abc" not in str(shown)
    # A token in the query string too: a served posts store's, libpq's ?password=.
    assert "t0psecret" not in str(shown)
    assert masked({"state": "postgresql://db/veille?password=pa55word&sslmode=require"}) == {
        "state": "postgresql://db/veille?password=****&sslmode=require"
    }


def test_a_stale_session_cookie_is_ignored(live_server: Served) -> None:
    with httpx.Client(base_url=live_server.url, cookies={"veille_session": "stale"}) as c:
        assert c.get("/settings").status_code == 303
        assert do_login(c, "viewer").status_code == 303
        assert c.get("/settings").status_code == 200


def test_home_leads_somewhere_once_signed_in(client: httpx.Client, login: Login) -> None:
    assert client.get("/").headers["location"].startswith("/login")
    login(client, "viewer")
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200


def test_settings_say_a_change_to_veille_toml_needs_a_restart(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """The app reads veille.toml once, as it starts: an admin who edits it
    (the SMTP port, say) is told to restart, rather than left wondering why
    the page and the e-mails still use the old value."""
    toml = live_server.root / "veille.toml"
    before = toml.read_text()
    try:
        toml.write_text(before.replace("# port = 25", "port = 2525"))
        login(client, "admin")
        page = client.get("/settings").text
        # What the running app uses: read as it started (as a word: the page's
        # random CSRF token may hold the digits 2525).
        assert re.search(r"\b2525\b", page) is None
        assert "restart veille serve" in page and "veille run" in page
        client.cookies.set("veille_lang", "fr")
        assert "relancez veille serve" in client.get("/settings").text
    finally:
        toml.write_text(before)


def test_the_audit_log_says_its_details_in_the_readers_language(fresh_server: Served) -> None:
    """The first admin's entry ("role=admin (first run)", kept in English
    words) reads in French for a French admin."""
    with httpx.Client(base_url=fresh_server.url) as browser:
        token = csrf_from(browser.get("/setup").text)
        form = {"username": "boss", "password": "long enough pass", "confirm": "long enough pass",
                "csrf_token": token}  # fmt: skip
        assert browser.post("/setup", data=form).status_code == 303
        english = browser.get("/audit").text
        assert "role=admin (first run)" in english
        token = csrf_from(english)
        browser.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/audit"})
        french = browser.get("/audit").text
        assert "role=admin (premier lancement)" in french and "first run" not in french


def test_settings_write_booleans_as_veille_toml_does(client: httpx.Client, login: Login) -> None:
    """A setting that is true or false reads as veille.toml writes it
    (``true``), not as Python's ``True``."""
    login(client, "admin")
    page = client.get("/settings").text
    assert "<code>True</code>" not in page and "<code>False</code>" not in page
    assert "<code>true</code>" in page or "<code>false</code>" in page


def test_roles_read_in_words_in_french(client: httpx.Client, login: Login) -> None:
    """/users showed the role codes (viewer, manager…) on a French page; they
    read in words (« lecteur », « responsable »), the code kept beside each
    role's description, as the CLI and the API take it. The form still sends
    the code. English reads as before."""
    login(client, "admin")
    english = client.get("/users").text
    assert '<option value="analyst">analyst</option>' in english
    client.cookies.set("veille_lang", "fr")
    french = client.get("/users").text
    assert '<option value="viewer">lecteur</option>' in french
    assert '<option value="analyst">analyste</option>' in french
    assert '<option value="manager">responsable</option>' in french
    assert '<option value="admin">administrateur</option>' in french
    assert "<dt>responsable (<code>manager</code>)</dt>" in french
    for code in users.ROLES:
        assert f">{code}</option>" not in french


def test_a_403_names_the_role_in_the_readers_words(client: httpx.Client, login: Login) -> None:
    """A viewer opening an analyst page in French: « le rôle analyste », not
    « le rôle analyst »."""
    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")
    refused = client.get("/plan/calendar")
    assert refused.status_code == 403
    assert "Il faut pour cela le rôle analyste." in refused.text
    assert "Demandez" in refused.text and "rôle analyst." not in refused.text


def test_a_form_sent_after_signing_out_in_another_tab_keeps_what_was_typed(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """A form left open in one tab while the person signs out in another (or
    signs in again there): the save was a bare "form expired" page, and what
    was typed was gone. Now the page says why (signed out), links to sign in
    and back to the form, and shows back what was typed, never a password."""
    import html

    login(client, "analyst")
    form_page = client.get("/topics/new")
    token = csrf_from(form_page.text)
    query = "lumio AND (panne OR fibre)\n-promo"
    typed = {"csrf_token": token, "name": "typed-for-hours", "query": query}
    client.post("/logout", data={"csrf_token": token})  # the other tab
    refused = client.post(
        "/topics/new", data=typed, headers={"referer": f"{live_server.url}/topics/new"}
    )
    page = html.unescape(refused.text)
    assert refused.status_code == 403
    assert "You were signed out since this form was opened" in page
    assert 'href="/login?next=/topics/new"' in refused.text
    assert f">{query}</textarea>" in page and ">typed-for-hours</textarea>" in page
    assert token not in page
    with live_server.workspace() as ws:
        assert ws.state.topic("typed-for-hours") is None

    # Signed in again (a new session): the old form is out of date; what
    # was typed is shown back all the same, in French too, with no password.
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    stale = client.post(
        "/settings/password",
        data={"csrf_token": token, "current": password_for("analyst"), "password": "new long pw 1"},
    )
    page = html.unescape(stale.text)
    assert stale.status_code == 403
    assert "Le formulaire a expiré" in page and "Vous avez été déconnecté" not in page
    assert password_for("analyst") not in page and "new long pw 1" not in page
    again = client.post("/topics/new", data=typed)
    page = html.unescape(again.text)
    assert "Ce que vous aviez saisi" in page and f">{query}</textarea>" in page


def test_a_role_lowered_while_a_form_is_open_refuses_it_and_keeps_what_was_typed(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """An admin makes an analyst a viewer while the analyst writes a topic:
    the open session loses the right at once (403, the role needed said),
    and the query typed is shown back rather than lost."""
    import html

    with live_server.workspace() as ws:
        users.add_user(ws.state, "lowered", "lowered long password", "analyst")
    login(client, "lowered", "lowered long password")
    form = client.get("/topics/new")
    with live_server.workspace() as ws:
        users.set_role(ws.state, "lowered", "viewer", actor="admin")
    query = "lumio AND (lyon OR paris)"
    refused = client.post(
        "/topics/new",
        data={"csrf_token": csrf_from(form.text), "name": "lowered-t", "query": query},
    )
    page = html.unescape(refused.text)
    assert refused.status_code == 403
    assert "This needs the analyst role" in page
    assert f">{query}</textarea>" in page and "What you typed" in page
    with live_server.workspace() as ws:
        assert ws.state.topic("lowered-t") is None


def test_a_user_an_inbox_rule_assigns_to_is_not_removed_from_the_page(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """Removing an agent that an inbox rule assigns to and a team counts
    left the rule handing each new item to nobody (out of the unassigned
    queue, seen by no one) and the team's round-robin handing them their
    turn of items all the same. Now
    the page refuses (409), naming them and where to change them, in English
    and French; once they are given to someone else, the user goes."""
    import html

    from veille.inbox.items import set_team
    from veille.inbox.rules import add_rule, make_rule

    with live_server.workspace() as ws:
        users.add_user(ws.state, "leaver", password_for("leaver"), "analyst")
        add_rule(ws.state, make_rule("to-leaver", query="lumio", actions=[("assign", "leaver")]))
        set_team(ws.state, "care", ["leaver", "analyst"])
    login(client, "admin")
    token = csrf_from(client.get("/users").text)
    refused = client.post("/users/leaver/remove", data={"csrf_token": token})
    said = html.unescape(refused.text)
    assert refused.status_code == 409
    assert (
        "user leaver is still named by inbox rule to-leaver, team care; nothing was deleted" in said
    )
    # The pages to go to first, as links.
    assert '(<a href="/inbox/rules">/inbox/rules</a>, <a href="/inbox/teams">/inbox/teams</a>)' in (
        said
    )
    client.cookies.set("veille_lang", "fr")
    said = html.unescape(client.post("/users/leaver/remove", data={"csrf_token": token}).text)
    client.cookies.delete("veille_lang")
    assert (
        "l’utilisateur leaver est encore cité par la règle de boîte de réception to-leaver, "
        "l’équipe care\u202f; rien n’a été supprimé" in said
    )
    with live_server.workspace() as ws:
        assert users.get_user(ws.state, "leaver") is not None
        ws.state.remove_inbox_rule("to-leaver")
        set_team(ws.state, "care", ["analyst"])
    assert client.post("/users/leaver/remove", data={"csrf_token": token}).status_code == 303
    with live_server.workspace() as ws:
        assert users.get_user(ws.state, "leaver") is None


def test_an_app_stopped_leaves_no_health_check_thread_behind(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Each app asks its stores for /healthz on a thread of its own; the app
    stopped (a test's server, veille demo --serve, an embedding process that
    makes apps again), that thread stayed, with its database connection
    opened on it, one more per app."""
    import threading

    from tests.web.server import serve
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    before = set(threading.enumerate())
    with serve(root) as app:
        assert httpx.get(f"{app.url}/healthz", timeout=30).status_code == 200
        made = [t for t in threading.enumerate() if t not in before and "health" in t.name]
        assert made, "the health check runs on a thread of its own"
    for thread in made:
        thread.join(timeout=10)
    assert [t.name for t in made if t.is_alive()] == []


def test_the_audit_log_says_a_kpis_changes_in_the_readers_language(fresh_server: Served) -> None:
    """A KPI added, its target and its period changed: the French audit log
    read « mentions, cible 400.0 » beside « target 450.5 » and « period 30 ->
    7 days », left in English, with a decimal point."""
    import html

    from veille.plan.kpis import add_kpi, set_period, set_target
    from veille.query.topics import add_topic

    with httpx.Client(base_url=fresh_server.url) as browser:
        token = csrf_from(browser.get("/setup").text)
        form = {"username": "boss", "password": "long enough pass", "confirm": "long enough pass",
                "csrf_token": token}  # fmt: skip
        assert browser.post("/setup", data=form).status_code == 303
        with fresh_server.workspace() as ws:
            add_topic(ws.store, "lumio", "lumio")
            add_kpi(ws, "vol", "mentions", 400, topic="lumio", actor="boss")
            set_target(ws, "vol", 450.5, actor="boss")
            set_period(ws, "vol", 7, actor="boss")
        english = re.sub(r"\s+", " ", html.unescape(browser.get("/audit").text))
        for said in ("mentions target 400<", "target 450.5<", "period 30 -> 7 days<"):
            assert said in english, english
        token = csrf_from(english)
        browser.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/audit"})
        french = re.sub(r"\s+", " ", html.unescape(browser.get("/audit").text))
        for said in ("mentions, cible 400<", "cible 450,5<", "période passée de 30 à 7 jours<"):
            assert said in french, french
        assert "target" not in french and "period" not in french


def test_the_password_rule_writes_its_numbers_the_readers_way(
    client: httpx.Client, login: Login
) -> None:
    """« de 8 à 1024 caractères » is not how French writes a thousand: the
    rule's numbers go through the number formatting, « 1 024 », "1,024"."""
    import html

    login(client, "admin")
    token = csrf_from(client.get("/users").text)
    short = {"username": "newbie", "password": "short", "role": "viewer", "csrf_token": token}
    said = {}
    for lang in ("en", "fr"):
        client.cookies.set("veille_lang", lang)
        refused = client.post("/users", data=short)
        assert refused.status_code == 400
        said[lang] = html.unescape(refused.text)
    assert "The password must have 8 to 1,024 characters." in said["en"]
    assert "Le mot de passe doit compter de 8 à 1\u202f024 caractères." in said["fr"]


def test_ones_own_new_password_too_short_is_refused_in_the_readers_words(
    client: httpx.Client, login: Login
) -> None:
    """/settings says the same rule for one's own password as /users does,
    its numbers the reader's way; the page answered 500 when the rule's
    words changed under it (its call to the users page's wording)."""
    import html

    login(client, "analyst")
    said = {}
    for lang in ("en", "fr"):  # chosen as a reader does (another test may have set one)
        token = csrf_from(client.get("/settings").text)
        client.post("/language", data={"csrf_token": token, "lang": lang, "next": "/settings"})
        token = csrf_from(client.get("/settings").text)
        short = {"current": password_for("analyst"), "password": "short", "csrf_token": token}
        refused = client.post("/settings/password", data=short)
        assert refused.status_code == 400, refused.text[-2000:]
        said[lang] = html.unescape(refused.text)
    assert "The password must have 8 to 1,024 characters." in said["en"]
    assert "Le mot de passe doit compter de 8 à 1\u202f024 caractères." in said["fr"]
