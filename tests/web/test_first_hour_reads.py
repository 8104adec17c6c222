"""A new user's first hour on the pages the last read left out (an alert's
page and its test send, the inbox's reply and working time, the plan's
editing page), read in English and in French over the live server: each
figure agrees with its sentence, each French word agrees with its noun, and
each refusal says what to do, in the reader's language, with the page's own
words."""

from __future__ import annotations

import dataclasses
import html
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.conftest import make_post
from tests.web.conftest import Served, add_role_users, csrf_from, do_login, serve
from veille.inbox import items as inbox_items
from veille.inbox.model import ItemFilter
from veille.pipeline.ingest import build_pipeline
from veille.plan.kpis import add_kpi
from veille.plan.objectives import add_objective
from veille.query.topics import add_topic
from veille.services.alerts import AlertSpec, add_alert
from veille.services.sources import add_source
from veille.web.deps import SESSION_COOKIE
from veille.workspace import CONFIG_NAME, Workspace, init_workspace

SENT, DEAD = 60, 110  # the page lists the latest 50 deliveries and 100 dead letters
# A send's error as the outbox keeps it: the message, then its hint.
SMTP_REFUSED = (
    "SMTP 127.0.0.1:25: ConnectionRefusedError: [Errno 111] Connection refused\n"
    "Check the [smtp] settings in veille.toml."
)


class _Refuses(BaseHTTPRequestHandler):
    """A webhook that answers every POST with HTTP 500."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(500)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def webhook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refuses)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, webhook: str) -> Iterator[_Site]:
    root = init_workspace(tmp_path_factory.mktemp("web") / "ws")
    toml = root / CONFIG_NAME
    text = toml.read_text(encoding="utf-8")
    text = text.replace("# allow_private_networks = false", "allow_private_networks = true")
    text = text.replace('# timezone = "UTC"', 'timezone = "Europe/Paris"', 1)
    # No mail server listens there: a test e-mail is refused.
    text = text.replace("# port = 25", f"port = {_closed_port()}", 1)
    toml.write_text(text, encoding="utf-8")
    add_role_users(root)
    now = datetime.now(UTC)
    with Workspace.open(root) as ws:
        # One inbox item, a Mastodon post (veille replies there).
        add_topic(ws.store, "outage", "panne", inbox=True)
        build_pipeline(ws, skip=("enrich",)).ingest(
            [make_post("inb1", "Lumio en panne", published_at=now - timedelta(hours=1))]
        )
        # An alert with more deliveries and dead letters than its page lists.
        add_topic(ws.store, "lumio", "lumio")
        posts = [
            make_post(f"p{n}", f"Lumio {n}", published_at=now - timedelta(minutes=n))
            for n in range(SENT + DEAD)
        ]
        ws.store.upsert_posts(posts)
        busy = add_alert(ws, AlertSpec(to="atom:alerts/busy.atom", topic="lumio", name="busy"))
        assert busy.id is not None
        at = now.timestamp()
        with ws.state.transaction() as tx:
            for n, post in enumerate(posts):
                tx.queue_match(
                    busy.id, post.id, cluster_id=None, spans=[],
                    status="sent" if n < SENT else "dead", now=at, due=at,
                    reason=None if n < SENT else SMTP_REFUSED if n == SENT + DEAD - 1
                    else "https://hooks.example answered HTTP 500",
                )  # fmt: skip
        add_alert(ws, AlertSpec(to=f"webhook+{webhook}", topic="lumio", name="hook"))
        add_alert(ws, AlertSpec(to="mailto:team@example.org", topic="lumio", name="mail"))
        add_alert(ws, AlertSpec(to="atom:alerts/d.atom", topic="lumio", name="morning",
                                every="daily", at="09:30"))  # fmt: skip
        add_objective(ws.state, "awareness", "awareness")  # a plan to read
        add_kpi(ws, "reach", "mentions", 400, topic="lumio")
        # An alert whose topic finds one post, with one dead letter.
        ws.store.upsert_posts([make_post("solo1", "Solitaire", published_at=now)])
        add_topic(ws.store, "solo", "solitaire")
        solo = add_alert(ws, AlertSpec(to="atom:alerts/solo.atom", topic="solo", name="solo"))
        assert solo.id is not None
        with ws.state.transaction() as tx:
            tx.queue_match(solo.id, "mastodon:solo1", cluster_id=None, spans=[], status="dead",
                           now=at, due=at, reason="answered HTTP 500")  # fmt: skip
    app, server = serve(root)
    try:
        yield _Site(app.url, app.root, app.app)
    finally:
        server.stop()


@dataclass
class _Site(Served):
    #: role -> the session cookie of that test user: each signs in through
    #: the login form once (an argon2 check, slow on purpose), and the
    #: module's tests share the session (none of them signs out).
    sessions: dict[str, str] = dataclasses.field(default_factory=dict)


@contextmanager
def _client(served: _Site, role: str, lang: str) -> Iterator[httpx.Client]:
    """A client signed in as ``role``, reading in ``lang``."""
    with httpx.Client(base_url=served.url, timeout=60) as client:
        if role in served.sessions:
            client.cookies.set(SESSION_COOKIE, served.sessions[role])
        else:
            assert do_login(client, role).status_code == 303
            served.sessions[role] = client.cookies[SESSION_COOKIE]
        client.cookies.set("veille_lang", lang)
        yield client


def read(served: _Site, path: str, role: str = "analyst") -> dict[str, str]:
    """``path`` as ``role`` reads it in English and in French (entities read)."""
    said = {}
    for lang in ("en", "fr"):
        with _client(served, role, lang) as client:
            page = client.get(path)
            assert page.status_code == 200, (path, page.headers.get("location"))
            said[lang] = html.unescape(page.text)
    return said


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash"[^>]*>(.*?)</p>', page, re.S) or re.search(
        r'role="status"[^>]*>(.*?)</', page, re.S
    )
    assert found, page[:3000]
    return re.sub(r"[ \t\n]+", " ", html.unescape(found.group(1))).strip()


def test_an_alerts_page_says_it_lists_the_latest_of_its_deliveries(served: _Site) -> None:
    """The demo's alert said "Outbox: sent 3,962" above a list of 50
    deliveries, and its dead letters "100 deliveries failed every attempt"
    where 110 had: the list read as all of them."""
    said = read(served, "/alerts/busy")
    assert "The latest 50 of 170 deliveries, newest first." in said["en"]
    assert "110 deliveries failed every attempt. The latest 100 are listed." in said["en"]
    assert "Les 50 derniers envois sur 170, du plus récent au plus ancien." in said["fr"]
    assert "110 envois ont échoué à chaque tentative. Les 100 derniers sont listés." in said["fr"]


def test_an_active_alert_is_active_in_french(served: _Site) -> None:
    """« Alerte busy : actif »: the token's masculine word (un jeton actif)
    stood for the alert's state on its page and in the list of alerts."""
    for path in ("/alerts", "/alerts/busy"):
        said = read(served, path)
        assert '<span class="badge active">active</span>' in said["en"]
        assert '<span class="badge active">active</span>' in said["fr"], path
        assert '<span class="badge active">actif</span>' not in said["fr"], path


@pytest.mark.parametrize(
    ("alert", "en", "fr"),
    [
        (
            "hook",
            " answered HTTP 500. Check the webhook's address, and that the service "
            "behind it is up.",
            " a répondu HTTP 500. Vérifiez l’adresse du webhook, et que le service "
            "derrière elle fonctionne.",
        ),
        ("mail", ". Check the [smtp] settings in veille.toml.",
         ". Vérifiez les réglages [smtp] dans veille.toml."),
    ],
)  # fmt: skip
def test_a_failed_test_send_says_what_to_do_in_the_readers_language(
    served: _Site, webhook: str, alert: str, en: str, fr: str
) -> None:
    """**Send a test** to a webhook answering 500 said, on the French page,
    « L’essai n’a pas pu être envoyé : http://… answered HTTP 500 », in
    English; to a mail server that is not there, "ConnectionRefusedError…"
    and nothing about the [smtp] settings the error carried as its hint."""
    for lang, ending in (("en", en), ("fr", fr)):
        with _client(served, "analyst", lang) as client:
            token = csrf_from(client.get(f"/alerts/{alert}").text)
            sent = client.post(f"/alerts/{alert}/test", data={"csrf_token": token})
            assert sent.status_code == 303, sent.text[:2000]
            said = _flash(client.get(sent.headers["location"]).text)
        start = {
            "en": "The test could not be sent: ",
            "fr": "L’essai n’a pas pu être envoyé\u202f: ",
        }[lang]
        assert said.startswith(start), said
        assert said.endswith(ending), said
        if alert == "hook":
            assert said == f"{start}{webhook}{ending}", said


def test_an_empty_reply_is_refused_in_one_sentence_naming_the_pages_check_button(
    served: _Site,
) -> None:
    """Sending an empty reply said "The Mastodon post is empty.. Shorten or
    fix it (veille draft check shows …)": two stops, "shorten" for nothing
    at all, and a command where the page has its own Check button."""
    with served.workspace() as ws:
        (item,) = inbox_items.list_items(ws.state, ItemFilter(limit=10))
    expected = {
        "en": "the reply cannot be sent: The Mastodon post is empty. Fix what it says "
        "(the Check button shows the platform's rules and the staff guidelines).",
        "fr": "la réponse ne peut pas être envoyée\u202f: Le message Mastodon est vide. "
        "Corrigez ce qui est signalé (le bouton Vérifier montre les règles de la "
        "plateforme et la charte du personnel).",
    }
    for lang in ("en", "fr"):
        with _client(served, "analyst", lang) as client:
            token = csrf_from(client.get(f"/inbox/{item.id}").text)
            page = client.post(
                f"/inbox/{item.id}/reply", data={"csrf_token": token, "text": "", "step": "send"}
            )
        assert page.status_code == 400, page.text[:2000]
        said = html.unescape(page.text)
        assert expected[lang] in said, re.findall(r'class="error"[^>]*>(.*?)</p>', said, re.S)


def test_the_plans_assumptions_are_said_in_words(served: _Site) -> None:
    """The plan's cost showed its assumptions as the code's constants,
    "MINUTES_PER_POST = 30", on the French page too."""
    for path in ("/plan", "/plan/edit"):
        said = read(served, path, "manager")
        for lang, line in (
            ("en", "minutes to write one post (draft, image and alt text, checks, "
                   "scheduling): 30"),
            ("fr", "minutes pour écrire une publication (rédaction, image et texte "
                   "alternatif, vérifications, programmation)\u202f: 30"),
        ):  # fmt: skip
            assert line in said[lang], (path, lang)
            assert "MINUTES_PER_POST" not in said[lang], (path, lang)


def test_the_plans_editing_page_points_at_its_own_capacity_form(served: _Site) -> None:
    """On the plan's editing page, the cost said "Say it in the plan's
    editing page": the page the reader was on."""
    said = read(served, "/plan/edit", "manager")
    assert "Say it under “What the team has”, above, to check the plan" in said["en"]
    assert "in the plan's editing page" not in said["en"]
    assert "Indiquez-le sous «\u202fCe qu’a l’équipe\u202f», plus haut" in said["fr"]
    # The plan's own page still sends the reader there.
    assert "Say it in the plan's editing page" in read(served, "/plan", "manager")["en"]


def test_the_working_time_page_keeps_its_two_sentences_apart(served: _Site) -> None:
    """The page said "It is outside working time now (UTC).As set in
    veille.toml.": the template ate the line break between the sentences."""
    said = read(served, "/inbox/hours", "manager")
    assert re.search(r"now \(Europe/Paris\)\. As set in veille\.toml\.", said["en"])
    assert re.search(r"\(Europe/Paris\)\. Tel que réglé dans veille\.toml\.", said["fr"])


def test_the_known_names_agree_with_any_noun_in_french(served: _Site) -> None:
    """An unknown alert's page said « Connus : busy, hook, mail » (alertes
    are feminine, as sources and platforms are)."""
    with _client(served, "analyst", "fr") as client:
        page = html.unescape(client.get("/alerts/nope").text)
    assert "Noms connus\u202f: busy, hook, mail, morning, solo." in page
    assert "Connus\u202f:" not in page


def test_an_alerts_time_of_day_says_its_clock(served: _Site) -> None:
    """An alert "every day at 09:30", its form's "At 08:00" and its
    deliveries' times never said which clock: the workspace's zone (here
    Europe/Paris), not the reader's nor UTC, as the command line says."""
    for path in ("/alerts", "/alerts/morning"):
        said = read(served, path)
        assert "every day at 09:30 (Europe/Paris)" in said["en"], path
        assert "chaque jour à 09:30 (Europe/Paris)" in said["fr"], path
        assert re.search(r'<label for="[as]-at">At \(Europe/Paris\)</label>', said["en"]), path
        assert re.search(r'<label for="[as]-at">À \(Europe/Paris\)</label>', said["fr"]), path
    said = read(served, "/alerts/busy")
    assert '<th scope="col">Due (Europe/Paris)</th>' in said["en"]
    assert '<th scope="col">Sent (Europe/Paris)</th>' in said["en"]
    assert '<th scope="col">Envoyé (Europe/Paris)</th>' in said["fr"]


def test_the_inbox_bulk_action_counts_in_words_and_asks_for_a_selection(
    served: _Site,
) -> None:
    """**Apply** with one item ticked said "1 items changed." (« 1 éléments
    modifiés. »), and with none ticked "0 items changed.", not what to do."""
    with served.workspace() as ws:
        (item,) = inbox_items.list_items(ws.state, ItemFilter(limit=10))
    expected = {
        "en": ("1 item changed.", "No item selected: tick the items to change, then apply."),
        "fr": ("1 élément modifié.",
               "Aucun élément sélectionné\u202f: cochez les éléments à modifier, puis appliquez."),
    }  # fmt: skip
    for lang, (one, none) in expected.items():
        with _client(served, "analyst", lang) as client:
            token = csrf_from(client.get("/inbox").text)
            said = []
            for ids in ([str(item.id)], []):
                sent = client.post(
                    "/inbox/bulk",
                    data={"csrf_token": token, "action": "priority", "value": "high", "ids": ids},
                )
                assert sent.status_code == 303, sent.text[:2000]
                said.append(_flash(client.get(sent.headers["location"]).text))
        assert said == [one, none], said


def test_a_refused_new_user_or_token_keeps_what_was_typed(served: _Site) -> None:
    """Adding a user whose password is too short came back with the name
    empty and the role back to "viewer" (retyped, the user got less than
    asked for); a token whose expiry is past lost its name and scope."""
    for lang in ("en", "fr"):
        with _client(served, "admin", lang) as client:
            token = csrf_from(client.get("/users").text)
            page = client.post(
                "/users",
                data={"csrf_token": token, "username": "ann", "password": "Zq9#x",
                      "role": "manager"},
            )  # fmt: skip
            assert page.status_code == 400, page.text[:2000]
            assert re.search(
                r'<input id="new-username" name="username"[^>]* value="ann"', page.text
            )
            assert re.search(r'<option value="manager" selected>', page.text), lang
            assert "Zq9#x" not in page.text  # never the password
            token = csrf_from(client.get("/settings").text)
            page = client.post(
                "/settings/tokens",
                data={"csrf_token": token, "name": "nightly export", "scope": "read",
                      "expires": "2020-01-01"},
            )  # fmt: skip
            assert page.status_code == 400, page.text[:2000]
            assert re.search(r'<input id="token-name" name="name"[^>]* value="nightly export"',
                             page.text)  # fmt: skip
            assert '<option value="read" selected>' in page.text
            assert re.search(r'<input id="token-expires"[^>]* value="2020-01-01"', page.text)
            # The date as typed, not read back in UTC (the workspace is in
            # Europe/Paris: "2019-12-31T23:00:00+00:00", the day before).
            past = {"en": "the token's expiry 2020-01-01 is already past",
                    "fr": "l’expiration du jeton, 2020-01-01, est déjà passée"}[lang]  # fmt: skip
            assert past in html.unescape(page.text), lang
            # The field is a date picker: told of a date to come (90 days
            # ahead, not a date written in once), not of "90d".
            said = html.unescape(page.text)
            ahead = {(datetime.now(UTC) + timedelta(days=90, hours=h)).date().isoformat()
                     for h in (-1, 0, 1)}  # fmt: skip
            how = {"en": "Give a date to come, such as {}.",
                   "fr": "Donnez une date à venir, par exemple le {}."}[lang]  # fmt: skip
            assert any(how.format(d) in said for d in ahead), said[:3000]
            # (As a word: the page's CSRF token, random hex, may hold "90d".)
            assert not re.search(r"\b90d\b", said) and "2027-01-31" not in said, lang


def test_a_refused_new_objective_keeps_what_was_typed(served: _Site) -> None:
    """Adding an objective under a name the plan has came back with the
    refusal and an empty form: its description, owner, deadline and topics
    were to be typed again."""
    typed = {"name": "awareness", "kind": "customer_service", "owner": "manager",
             "description": "Answer within the hour", "deadline": "2027-05-01"}  # fmt: skip
    for lang in ("en", "fr"):
        with _client(served, "manager", lang) as client:
            token = csrf_from(client.get("/plan/edit").text)
            page = client.post(
                "/plan/objectives", data={"csrf_token": token, **typed, "topics": ["lumio"]}
            )
        assert page.status_code == 400, page.text[:2000]
        form = html.unescape(page.text.split('action="/plan/objectives" class="stacked"')[1])
        form = form.split("</form>")[0]
        for field, value in typed.items():
            if field == "kind":
                assert '<option value="customer_service" selected>' in form, lang
            else:
                assert re.search(rf'name="{field}"[^>]* value="{re.escape(value)}"', form), (
                    lang,
                    field,
                )
        assert '<input type="checkbox" name="topics" value="lumio" checked>' in form, lang


def test_collect_now_counts_one_new_post_in_the_singular(served: _Site) -> None:
    """**Collect now** on a source that brought one post said "1 new posts"
    (« 1 nouvelles publications »)."""
    said = {}
    for lang in ("en", "fr"):
        path = served.root / f"one-{lang}.csv"
        path.write_text(
            "platform,id,text,author,published_at\n"
            f"mastodon,one-{lang},Lumio again,zoe,2026-11-01T08:00:00Z\n",
            encoding="utf-8",
        )
        with served.workspace() as ws:
            add_source(ws.state, "file", str(path), name=f"one-{lang}")
        with _client(served, "analyst", lang) as client:
            token = csrf_from(client.get("/sources").text)
            sent = client.post(f"/sources/one-{lang}/collect", data={"csrf_token": token})
            assert sent.status_code == 303, sent.text[:2000]
            said[lang] = _flash(client.get(sent.headers["location"]).text)
    assert said == {"en": "one-en: 1 new post, 0 quarantined.",
                    "fr": "one-fr\u202f: 1 nouvelle publication, 0 en quarantaine."}  # fmt: skip


def test_a_delivery_error_is_said_in_the_readers_language(served: _Site) -> None:
    """The outbox keeps a failed send's error in English: the French alert
    page listed « https://hooks.example answered HTTP 500 » under its dead
    letters and in its deliveries' Error column."""
    said = read(served, "/alerts/busy")
    assert "https://hooks.example answered HTTP 500" in said["en"]
    assert "https://hooks.example a répondu HTTP 500" in said["fr"]
    assert "answered HTTP" not in said["fr"]
    assert (
        "SMTP 127.0.0.1:25\u202f: ConnectionRefusedError\u202f: [Errno 111] Connection refused "
        "Vérifiez les réglages [smtp] dans veille.toml."
    ) in said["fr"]
    assert "Check the [smtp]" not in said["fr"]


def test_one_post_sent_or_one_dead_letter_is_counted_in_the_singular(served: _Site) -> None:
    """**Send a test** of an alert whose topic finds one post said "(1
    posts)", and **Try them again** with one dead letter "1 dead letters
    queued again." (« 1 envois abandonnés »)."""
    expected = {
        "en": ["Test sent to atom:alerts/solo.atom (1 post).", "1 dead letter queued again."],
        "fr": ["Essai envoyé à atom:alerts/solo.atom (1 publication).",
               "1 envoi abandonné remis en file."],
    }  # fmt: skip
    for lang, lines in expected.items():
        said = []
        with _client(served, "analyst", lang) as client:
            for action in ("test", "retry"):
                token = csrf_from(client.get("/alerts/solo").text)
                sent = client.post(f"/alerts/solo/{action}", data={"csrf_token": token})
                assert sent.status_code == 303, sent.text[:2000]
                said.append(_flash(client.get(sent.headers["location"]).text))
            with served.workspace() as ws:  # dead again, for the next language
                (row,) = ws.state.list_deliveries((), "solo", 10)
                ws.state.finish_deliveries([row.id], "dead", None, None)
        assert said == lines, said


def test_the_guidelines_say_one_hashtag_in_the_singular(served: _Site) -> None:
    """Guidelines allowing one hashtag and one mention read "At most 1
    hashtags a post" (« Au plus 1 mots-clics par message »)."""
    rules = "+++\nmax_hashtags = 1\nmax_mentions = 1\n+++\n"
    with _client(served, "manager", "en") as client:
        token = csrf_from(client.get("/plan/guidelines").text)
        saved = client.post(
            "/plan/guidelines",
            data={"csrf_token": token, "text_en": rules + "Be kind.", "text_fr": "Soyez aimables."},
        )
        assert saved.status_code == 303, saved.text[:2000]
    said = read(served, "/plan/guidelines", "manager")
    assert "<li>At most 1 hashtag a post</li>" in said["en"]
    assert "<li>At most 1 mention a post</li>" in said["en"]
    assert "<li>Au plus 1 mot-clic par message</li>" in said["fr"]
    assert "<li>Au plus 1 mention par message</li>" in said["fr"]
