"""The publishing accounts page (``/plan/accounts``, admins only): an admin
adds the simulator's Mastodon account there, a calendar post goes out with
it and the simulator holds it; the token is never in a page or a log; a bad
address or a missing token is refused naming the field, in English and
French; removal, refused while waiting calendar posts name the account."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import to_come
from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.workspace import Workspace, init_workspace

from .conftest import Served, add_role_users, csrf_from, serve

SIM_NOW = datetime(2026, 10, 1, tzinfo=UTC)
TOKEN = "sim-mastodon-token"  # the simulator's Mastodon token of @lumio
NNBSP = "\u202f"
FR_BAD_URL = f"Adresse du serveur{NNBSP}: «{NNBSP}mastodon.social{NNBSP}» n’est pas une adresse web"
FR_NO_TOKEN = f"Jeton ou mot de passe d’application{NNBSP}: le compte «{NNBSP}lumio-masto{NNBSP}»"
AT = f"{to_come(datetime(2026, 12, 24, 9, 30)):%Y-%m-%dT%H:%M}"


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    cfg = SimConfig(seed=7, days=2, end=SIM_NOW, spike_day=1, posts_per_day=10, spike_posts=0)
    with Simulator(SimWorld.generate(cfg, SimClock(SIM_NOW))) as s:
        yield s


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The app over a workspace that may reach the simulator on loopback."""
    root = init_workspace(tmp_path / "ws")
    toml = root / "veille.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "# allow_private_networks = false", "allow_private_networks = true"
        ),
        encoding="utf-8",
    )
    add_role_users(root)
    running, server = serve(root)
    try:
        yield running
    finally:
        server.stop()


def _client(served: Served, role: str, lang: str = "en") -> httpx.Client:
    from tests.web.server import session_for
    from veille.web.deps import SESSION_COOKIE

    raw = session_for(served.url, role)
    assert raw is not None
    return httpx.Client(base_url=served.url, timeout=30,
                        cookies={SESSION_COOKIE: raw, "veille_lang": lang})  # fmt: skip


def _add(client: httpx.Client, **fields: str) -> httpx.Response:
    token = csrf_from(client.get("/plan/accounts").text)
    form = {"name": "", "platform": "mastodon", "url": "", "handle": "", "secret": ""}
    return client.post("/plan/accounts", data={"csrf_token": token, **form, **fields})


def test_an_admin_adds_the_mastodon_account_and_a_calendar_post_goes_out(
    served: Served, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = sim.url("mastodon", "").rstrip("/")
    text = "Joyeux Noël de la part de Lumio #lumio"
    seen: list[str] = []
    with _client(served, "admin") as admin:
        # The calendar, with no account yet, links to the page that adds one.
        calendar = admin.get("/plan/calendar").text
        seen.append(calendar)
        assert 'href="/plan/accounts"' in calendar
        added = _add(admin, name="lumio-masto", url=url, secret=TOKEN)
        assert added.status_code == 303, added.text[-2000:]
        page = admin.get("/plan/accounts")
        seen.append(page.text)
        shown = html.unescape(page.text)
        # Its name, platform, server, what its server allows; the token hidden.
        assert "Account lumio-masto added; its server allows 500 characters." in shown
        row = re.search(r"<th scope=\"row\">lumio-masto</th>(.*?)</tr>", shown, re.S)
        assert row, shown[-3000:]
        assert "Mastodon" in row.group(1) and url in row.group(1)
        assert "stored, hidden" in row.group(1) and "500 characters" in row.group(1)
        # A post for it, saved on the calendar and published now.
        calendar = admin.get("/plan/calendar")
        form = {"csrf_token": csrf_from(calendar.text), "account": "lumio-masto", "at": AT,
                "text": text, "title": "", "language": "fr", "action": "save"}  # fmt: skip
        assert admin.post("/plan/calendar", data=form).status_code == 303
        with Workspace.open(served.root) as ws:
            [entry] = ws.state.calendar_entries()
        went = admin.post(f"/plan/calendar/{entry.id}/publish",
                          data={"csrf_token": form["csrf_token"]})  # fmt: skip
        assert went.status_code == 303
        seen.append(admin.get("/plan/calendar").text)
        seen.append(admin.get("/audit").text)
    # The simulated Mastodon holds it, as @lumio (the token's account).
    [status] = [p for p in sim.world.by_platform["mastodon"] if p.text == text]
    assert status.author.handle == "lumio"
    with Workspace.open(served.root) as ws:
        assert ws.state.calendar_entry(entry.id).status == "published"
    for markup in seen:
        assert TOKEN not in markup
    assert caplog.records and TOKEN not in caplog.text


@pytest.mark.parametrize("role", ["viewer", "analyst", "manager"])
def test_only_an_admin_reaches_the_page(served: Served, role: str) -> None:
    with _client(served, "admin") as admin:
        token = csrf_from(admin.get("/plan/accounts").text)
    with _client(served, role) as client:
        assert client.get("/plan/accounts").status_code == 403
        form = {"csrf_token": token, "name": "sneaky", "platform": "mastodon",
                "url": "https://mastodon.example", "secret": "x"}  # fmt: skip
        assert client.post("/plan/accounts", data=form).status_code == 403
        if role != "viewer":  # a viewer does not see the calendar at all
            assert 'href="/plan/accounts"' not in client.get("/plan/calendar").text
    with Workspace.open(served.root) as ws:
        assert ws.state.publish_accounts() == []


@pytest.mark.parametrize(
    ("lang", "bad_url", "no_token"),
    [
        ("en", "Server address: 'mastodon.social' is not a web address",
         "Token or app password: account 'lumio-masto' needs its token or app password"),
        ("fr", FR_BAD_URL, FR_NO_TOKEN),
    ],
)  # fmt: skip
def test_a_bad_address_or_a_missing_token_is_refused_naming_the_field(
    served: Served, lang: str, bad_url: str, no_token: str
) -> None:
    with _client(served, "admin", lang) as admin:
        refused = _add(admin, name="lumio-masto", url="mastodon.social", secret="s3cret-typed")
        said = html.unescape(refused.text)
        assert refused.status_code == 400
        assert bad_url in said, said[-3000:]
        # What was typed is kept for a second try, never the token.
        assert 'value="lumio-masto"' in said and "s3cret-typed" not in said
        refused = _add(admin, name="lumio-masto", url="https://mastodon.example")
        assert refused.status_code == 400
        assert no_token in html.unescape(refused.text)
    with Workspace.open(served.root) as ws:
        assert ws.state.publish_accounts() == []


def test_an_admin_removes_an_account_unless_a_waiting_post_names_it(served: Served) -> None:
    from veille.publish import add_account

    with Workspace.open(served.root) as ws:
        add_account(ws.state, "old-masto", "mastodon", "https://mastodon.example",
                    secret="env:OLD_MASTO_TOKEN")  # fmt: skip
        add_account(ws.state, "busy-masto", "mastodon", "https://mastodon.example",
                    secret="env:BUSY_MASTO_TOKEN")  # fmt: skip
    with _client(served, "admin") as admin:
        page = admin.get("/plan/accounts")
        # An env: reference is no secret: it says where the token is read.
        assert "read from the environment variable OLD_MASTO_TOKEN" in page.text
        token = csrf_from(page.text)
        form = {"csrf_token": token, "account": "busy-masto", "at": AT, "text": "Bientôt",
                "title": "", "language": "fr", "action": "save"}  # fmt: skip
        assert admin.post("/plan/calendar", data=form).status_code == 303
        gone = admin.post("/plan/accounts/old-masto/remove", data={"csrf_token": token})
        assert gone.status_code == 303
        listed = admin.get("/plan/accounts").text
        assert "Account old-masto removed." in html.unescape(listed)
        kept = admin.post("/plan/accounts/busy-masto/remove", data={"csrf_token": token})
        assert kept.status_code == 409
        said = html.unescape(re.sub(r"<[^>]+>", "", kept.text))
        assert "still named by calendar posts waiting to go out" in said
        # What to do, said for the page: no command to type there.
        assert "(from the calendar, /plan/calendar), then remove the account" in said, said
        assert "veille calendar" not in said
        # A name already taken: removed on this page, not with a command.
        taken = _add(admin, name="busy-masto", url="https://mastodon.example", secret="t")
        said = html.unescape(re.sub(r"<[^>]+>", "", taken.text))
        assert "an account named 'busy-masto' already exists" in said, said
        assert "remove the account of that name first (on /plan/accounts)" in said
        assert "veille publish account remove" not in said
    with Workspace.open(served.root) as ws:
        assert [a.name for a in ws.state.publish_accounts()] == ["busy-masto"]


def test_the_test_button_says_whether_an_account_works_posting_nothing(
    served: Served, sim: Simulator
) -> None:
    from veille.publish import add_account
    from veille.sim import wordpress

    masto = sim.url("mastodon", "").rstrip("/")
    with Workspace.open(served.root) as ws:
        add_account(ws.state, "good-masto", "mastodon", masto, secret=TOKEN)
        add_account(ws.state, "stale-masto", "mastodon", masto, secret="revoked-token-42")
        add_account(ws.state, "blog", "wordpress", sim.url("wordpress", "").rstrip("/"),
                    handle=wordpress.USER, secret=wordpress.APP_PASSWORD)  # fmt: skip
    statuses = len(sim.world.by_platform["mastodon"])
    with _client(served, "admin") as admin:
        token = csrf_from(admin.get("/plan/accounts").text)
        said = {}
        for name in ("good-masto", "stale-masto", "blog"):
            answer = admin.post(f"/plan/accounts/{name}/test", data={"csrf_token": token})
            assert answer.status_code == 200
            said[name] = html.unescape(answer.text)
        with _client(served, "analyst") as analyst:
            refused = analyst.post("/plan/accounts/good-masto/test", data={"csrf_token": token})
            assert refused.status_code == 403
    assert "It works: its server knows it as @lumio. Nothing was posted." in said["good-masto"]
    assert "It works: its server knows it as Lumio." in said["blog"]
    stale = said["stale-masto"]
    assert "It does not work: Mastodon refused the account's token (HTTP 401): " \
        "The access token is invalid" in stale, stale[-3000:]  # fmt: skip
    for page in said.values():
        assert TOKEN not in page and "revoked-token-42" not in page
        assert wordpress.APP_PASSWORD not in page
    assert len(sim.world.by_platform["mastodon"]) == statuses  # nothing was posted
