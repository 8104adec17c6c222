"""The inbox pages over a live server: list with filters, views and bulk
actions, the item page (assign, status, note, reply check with the
collision warning, a stale form refused), rules; viewers read only; French."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from veille.inbox import items as svc
from veille.inbox.model import STATUSES, ItemFilter
from veille.models import Author, Post, Sentiment
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.workspace import Workspace

from .conftest import Served, csrf_from

Login = Callable[..., httpx.Response]


def _items(live_server: Served) -> list[int]:
    """Three inbox items (posts of a flagged topic), entered once per module."""
    from datetime import UTC, datetime

    with live_server.workspace() as ws:
        if ws.store.topic("web-inbox") is None:
            add_topic(ws.store, "web-inbox", "lumio", inbox=True)
            posts = [
                Post.create(
                    platform=p,
                    native_id=f"w{i}",
                    text=text,
                    author=Author(f"person{i}"),
                    published_at=datetime(2026, 11, 30, 10, i, tzinfo=UTC),
                    lang=lang,
                    sentiment=Sentiment(s, 0.0, 1.0),  # type: ignore[arg-type]
                )
                for i, (p, text, lang, s) in enumerate(
                    [
                        (
                            "mastodon",
                            "lumio <b>is</b> broken <script>alert(1)</script>",
                            "en",
                            "negative",
                        ),
                        ("bluesky", "lumio est génial", "fr", "positive"),
                        ("reddit", "lumio question about billing", "en", "neutral"),
                    ]
                )
            ]
            build_pipeline(ws, skip=("enrich",)).ingest(posts)
        return sorted(i.id for i in svc.list_items(ws.state, ItemFilter(limit=10)))


def test_viewers_read_and_never_act(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    ids = _items(live_server)
    login(client, "viewer")
    page = client.get("/inbox")
    assert page.status_code == 200 and "lumio est génial" in page.text
    assert "<script>alert(1)</script>" not in page.text  # post text is escaped
    assert 'action="/inbox/bulk"' in page.text and 'name="ids"' not in page.text
    item = client.get(f"/inbox/{ids[0]}")
    assert item.status_code == 200 and "/assign" not in item.text
    token = csrf_from(item.text)
    for path, data in [
        (f"/inbox/{ids[0]}/assign", {"to": "viewer"}),
        (f"/inbox/{ids[0]}/status", {"status": "closed"}),
        (f"/inbox/{ids[0]}/note", {"text": "hi"}),
        (f"/inbox/{ids[0]}/reply", {"text": "hi", "step": "send"}),
        ("/inbox/bulk", {"ids": str(ids[0]), "action": "status", "value": "closed"}),
        ("/inbox/rules", {"name": "x", "action": "tag", "value": "y"}),
    ]:
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert client.get("/inbox/rules").status_code == 200


def test_anonymous_is_sent_to_login(client: httpx.Client) -> None:
    assert client.get("/inbox").status_code == 303


def test_assign_status_note_and_a_stale_form(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    ids = _items(live_server)
    login(client, "analyst")
    page = client.get(f"/inbox/{ids[0]}")
    token = csrf_from(page.text)
    with live_server.workspace() as ws:
        version = svc.get_item(ws.state, ids[0]).version
    done = client.post(f"/inbox/{ids[0]}/assign",
                       data={"csrf_token": token, "to": "analyst", "version": version})  # fmt: skip
    assert done.status_code == 303
    # The same form again (the version it read is now stale): refused, said why.
    form = {"csrf_token": token, "status": "closed", "version": version}
    stale = client.post(f"/inbox/{ids[0]}/status", data=form)
    assert stale.status_code == 409 and "changed since you read it" in stale.text
    client.post(f"/inbox/{ids[0]}/note", data={"csrf_token": token, "text": "call them"})
    shown = client.get(f"/inbox/{ids[0]}").text
    assert "call them" in shown and "analyst" in shown
    mine = client.get("/inbox", params={"view": "my queue"}).text
    assert f'href="/inbox/{ids[0]}"' in mine and f'href="/inbox/{ids[1]}"' not in mine


def _focused(page: str) -> list[str]:
    """The tags of ``page`` that ask for the focus when it opens."""
    return re.findall(r"<[a-z]+\b[^>]*\sautofocus\b[^>]*>", page)


def test_reply_check_shows_the_verdict_and_the_collision(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    ids = _items(live_server)
    with live_server.workspace() as ws:
        svc.assign(ws.state, ids[1], "manager", actor="manager")
    login(client, "analyst")
    token = csrf_from(client.get(f"/inbox/{ids[1]}").text)
    form = {"csrf_token": token, "text": "x" * 400, "step": "check"}
    checked = client.post(f"/inbox/{ids[1]}/reply", data=form)
    assert checked.status_code == 200
    assert "assigned to manager" in checked.text and "over the limit" in checked.text
    # One element takes the focus (HTML allows one autofocus): "Before you
    # send", not the verdict under the field as well.
    assert _focused(checked.text) == ['<div class="warning" role="alert" tabindex="-1" autofocus>']
    # Sending without "send anyway" is stopped by the collision; nothing is stored.
    sent = client.post(f"/inbox/{ids[1]}/reply",
                       data={"csrf_token": token, "text": "Merci !", "step": "send"})  # fmt: skip
    assert sent.status_code == 409 and "assigned to manager" in sent.text
    assert "send anyway" in sent.text and "--force" not in sent.text
    assert len(_focused(sent.text)) == 1 and 'class="error"' in _focused(sent.text)[0]
    with live_server.workspace() as ws:
        assert ws.state.inbox_replies(ids[1]) == []


def test_bulk_and_answered_outside_and_rules(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    ids = _items(live_server)
    login(client, "manager")
    page = client.get("/inbox")
    token = csrf_from(page.text)
    done = client.post("/inbox/bulk", data={"csrf_token": token, "ids": [str(i) for i in ids],
                                             "action": "tag", "value": "week48"})  # fmt: skip
    assert done.status_code == 303
    assert client.get("/inbox", params={"tag": "week48"}).text.count('name="ids"') == 3
    reddit = client.get(f"/inbox/{ids[2]}").text
    assert "cannot reply on Reddit" in reddit
    client.post(f"/inbox/{ids[2]}/answered", data={"csrf_token": token, "link": ""})
    with live_server.workspace() as ws:
        assert svc.get_item(ws.state, ids[2]).status == "responded"
    # The reply's status says it: not the English placeholder veille keeps as its text.
    answered = client.get(f"/inbox/{ids[2]}").text
    assert "reply-outside" in answered and "answered outside veille)" not in answered
    added = client.post("/inbox/rules", data={"csrf_token": token, "name": "web-rule",
                        "sentiment": "negative", "action": ["priority", "tag"],
                        "value": ["urgent", "angry"]})  # fmt: skip
    assert added.status_code == 303
    rules = client.get("/inbox/rules").text
    assert '<th scope="row">web-rule</th>' in rules and "priority urgent, tag angry" in rules
    bad = client.post("/inbox/rules", data={"csrf_token": token, "name": "idle"})
    assert bad.status_code == 400 and "has no action" in bad.text
    client.post("/inbox/rules/web-rule/remove", data={"csrf_token": token})
    assert '<th scope="row">web-rule</th>' not in client.get("/inbox/rules").text


def test_an_escalation_rule_round_trips_through_its_form(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    ids = _items(live_server)
    login(client, "manager")
    token = csrf_from(client.get(f"/inbox/{ids[0]}").text)
    added = client.post("/inbox/rules", data={"csrf_token": token, "name": "web-late",
                        "on": "breached", "action": ["priority", "team"],
                        "value": ["urgent", "leads"]})  # fmt: skip
    assert added.status_code == 303, added.text
    rules = client.get("/inbox/rules").text
    assert "On an item past its target" in rules and "priority urgent, team leads" in rules
    form = client.get("/inbox/rules/web-late/edit").text
    assert '<option value="breached" selected>an item past its target</option>' in form
    edited = client.post("/inbox/rules/web-late/edit", data={"csrf_token": token,
                         "name": "web-late", "on": "due_soon", "action": ["tag"],
                         "value": ["late"]})  # fmt: skip
    assert edited.status_code == 303, edited.text
    with live_server.workspace() as ws:
        (rule,) = [r for r in ws.state.inbox_rules() if r.name == "web-late"]
        assert (rule.on, rule.actions) == ("due_soon", (("tag", "late"),))
    client.cookies.set("veille_lang", "fr")
    french = html.unescape(client.get("/inbox/rules").text)
    assert "Pour un élément bientôt en retard" in french and "S’applique à" in french
    client.cookies.set("veille_lang", "en")
    bad = client.post("/inbox/rules", data={"csrf_token": token, "name": "odd", "on": "later",
                      "action": ["tag"], "value": ["x"]})  # fmt: skip
    assert bad.status_code == 400 and "is not a trigger" in html.unescape(bad.text)
    client.post("/inbox/rules/web-late/remove", data={"csrf_token": token})


def test_french(live_server: Served, client: httpx.Client, login: Login) -> None:
    ids = _items(live_server)
    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")
    page = client.get("/inbox", headers={"Accept-Language": "fr"})
    assert "Boîte de réception" in page.text
    assert "Fil" in client.get(f"/inbox/{ids[0]}", headers={"Accept-Language": "fr"}).text


def test_the_list_names_platforms_and_languages_in_the_readers_words(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """The list's platform column said the keys and codes a program reads
    ("mastodon · en", "bluesky · fr"), on a French page too, and an item's
    page "person0 · mastodon": they name them as a reader does ("Mastodon ·
    English", « Bluesky · français »)."""
    _items(live_server)
    login(client, "viewer")
    cell = re.compile(r'data-label="(?:Platform|Plateforme)[^"]*">(.*?)</td>')

    def column(lang: str) -> list[str]:
        client.cookies.set("veille_lang", lang)
        every = "&".join(f"status={s}" for s in STATUSES)  # whatever the tests before did
        page = client.get(f"/inbox?{every}").text
        return [re.sub(r"<[^>]+>", "", c) for c in cell.findall(page)]

    english, french = column("en"), column("fr")
    assert {"Mastodon · English", "Bluesky · French", "Reddit · English"} <= set(english)
    assert {"Mastodon · anglais", "Bluesky · français", "Reddit · anglais"} <= set(french)
    client.cookies.set("veille_lang", "en")
    pages = [client.get(f"/inbox/{i}").text for i in _items(live_server)]
    assert all(re.search(r"<header>[^<]* · (Mastodon|Bluesky|Reddit) · <time", p) for p in pages)


def test_a_french_reader_reads_the_inbox_errors_in_french(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """The errors of the inbox's forms (a rule without action, an empty
    note) come from the catalogs, hint included."""
    import html

    ids = _items(live_server)
    login(client, "manager")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get(f"/inbox/{ids[0]}").text)
    bad = client.post("/inbox/rules", data={"csrf_token": token, "name": "idle"})
    page = html.unescape(bad.text)
    assert bad.status_code == 400 and "la règle «\u202fidle\u202f» n’a aucune action" in page
    assert "Donnez-en au moins une" in page and "--tag" not in page
    empty = client.post(f"/inbox/{ids[0]}/note", data={"csrf_token": token, "text": " "})
    assert empty.status_code == 400 and "une note demande du texte" in html.unescape(empty.text)

    client.cookies.set("veille_lang", "en")
    bad = client.post("/inbox/rules", data={"csrf_token": token, "name": "idle"})
    assert "rule 'idle' has no action" in html.unescape(bad.text)


def test_a_french_reader_reads_the_collision_warning_in_french(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """The collision check ("assigned to …", "… is writing a reply") comes
    from the catalogs: on the item page and in the error of a send it stops."""
    import html

    ids = _items(live_server)
    with live_server.workspace() as ws:
        svc.assign(ws.state, ids[1], "manager", actor="manager")
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    page = client.get(f"/inbox/{ids[1]}")
    token = csrf_from(page.text)
    assert "attribué à manager" in html.unescape(page.text)
    assert "assigned to manager" not in page.text
    # The composer's verdict too (the draft checker's findings, errors.po).
    form = {"csrf_token": token, "text": "x" * 400, "step": "check"}
    checked = client.post(f"/inbox/{ids[1]}/reply", data=form)
    shown = html.unescape(checked.text)
    assert "400 caractères comptés à la manière de Bluesky" in shown
    assert "attribué à manager" in shown and "over the limit" not in shown
    sent = client.post(f"/inbox/{ids[1]}/reply",
                       data={"csrf_token": token, "text": "Merci !", "step": "send"})  # fmt: skip
    shown = html.unescape(sent.text)
    assert sent.status_code == 409
    assert f"élément n°\u202f{ids[1]}\u202f: attribué à manager" in shown
    # The manager, meanwhile, sees who is writing a reply.
    client.cookies.clear()
    login(client, "manager")
    client.cookies.set("veille_lang", "fr")
    assert "analyst rédige une réponse" in html.unescape(client.get(f"/inbox/{ids[1]}").text)
    client.cookies.set("veille_lang", "en")


def test_a_french_reader_reads_a_bulk_actions_failures_in_french(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """An item a bulk action could not change is named with its error, from the catalogs."""
    import html

    ids = _items(live_server)
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/inbox").text)
    done = client.post("/inbox/bulk", data={"csrf_token": token, "ids": [str(ids[0]), "99999"],
                                            "action": "tag", "value": "w49"})  # fmt: skip
    assert done.status_code == 303
    page = html.unescape(client.get("/inbox").text)
    assert "n°\u202f99999\u202f: aucun élément n°\u202f99999 dans la boîte de réception" in page
    assert "no inbox item" not in page
    client.cookies.set("veille_lang", "en")


def test_a_wrong_deleted_mark_is_cleared_from_the_item_page(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    ids = _items(live_server)
    with live_server.workspace() as ws:
        svc.mark_deleted_upstream(ws.state, ids[2], actor="manager")
    login(client, "analyst")
    page = client.get(f"/inbox/{ids[2]}")
    assert f'action="/inbox/{ids[2]}/not-deleted"' in page.text
    assert f'action="/inbox/{ids[2]}/deleted"' not in page.text
    done = client.post(f"/inbox/{ids[2]}/not-deleted", data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 303
    with live_server.workspace() as ws:
        assert svc.get_item(ws.state, ids[2]).deleted_upstream_at is None
    shown = client.get(f"/inbox/{ids[2]}").text
    assert "not deleted upstream" in shown and f'action="/inbox/{ids[2]}/deleted"' in shown


def test_a_reply_the_check_refuses_is_said_once_in_plain_sentences(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """Sending a reply the platform's guide or the guidelines refuse: the
    page says it was not sent and lists the problems under the text once,
    without the command line's words or doubled punctuation, in English and
    in French."""
    import html
    import re

    ids = _items(live_server)
    login(client, "analyst")
    token = csrf_from(client.get(f"/inbox/{ids[0]}").text)
    form = {"csrf_token": token, "text": "x" * 600, "step": "send"}
    for language, not_sent, problem in [
        ("en", "The reply was not sent", "over the limit of 500"),
        ("fr", "La réponse n’a pas été envoyée", "au-delà de la limite de 500"),
    ]:
        client.cookies.set("veille_lang", language)
        sent = client.post(f"/inbox/{ids[0]}/reply", data=form)
        page = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", sent.text)))
        assert sent.status_code == 400 and not_sent in page, page[:3000]
        assert page.count(problem) == 1, page[:3000]
        assert "veille draft check" not in page and ".;" not in page
        assert not re.search(r"(?<!\.)\.\.(?!\.)", page)  # "..", an ellipsis aside
    client.cookies.set("veille_lang", "en")
    with live_server.workspace() as ws:
        assert ws.state.inbox_replies(ids[0]) == []


def test_an_empty_inbox_says_how_posts_enter_it(fresh_server: Served) -> None:
    """A new workspace's inbox, while no topic is flagged for it, says how
    posts get there (it said only "Nothing to answer here.", as if the
    listening found nothing to answer); once one is, the usual words."""
    import html
    import re

    from tests.web.conftest import add_role_users, do_login

    add_role_users(fresh_server.root)
    with httpx.Client(base_url=fresh_server.url, timeout=30) as client:
        do_login(client, "analyst")
        for language, said in [("en", "No topic sends its posts to the inbox yet"),
                               ("fr", "Aucun sujet n’envoie encore ses publications")]:  # fmt: skip
            client.cookies.set("veille_lang", language)
            page = client.get("/inbox")
            words = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))
            assert said in words and "--inbox" in words, words[:3000]
        with fresh_server.workspace() as ws:
            add_topic(ws.state, "brand", "lumio", inbox=True)
        client.cookies.set("veille_lang", "en")
        words = html.unescape(client.get("/inbox").text)
        assert "Nothing to answer here." in words and "No topic sends" not in words


def test_a_failed_replys_error_reads_in_the_readers_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, login: Login
) -> None:
    """veille's own reason for a failed reply (here: the account's token is
    in an environment variable that is not set) is kept as its template, and
    the item's page says it, in its history too, in French to a French reader."""
    from datetime import UTC, datetime

    from veille.publish import add_account
    from veille.workspace import init_workspace

    from .conftest import add_role_users, serve

    monkeypatch.delenv("VEILLE_WEB_UNSET_TOKEN", raising=False)
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        add_topic(ws.store, "lumio", "lumio", inbox=True)
        post = Post.create(platform="mastodon", native_id="mastodon.example/1",
                           text="lumio is down", author=Author("asker"), lang="en",
                           published_at=datetime(2026, 11, 30, 10, tzinfo=UTC))  # fmt: skip
        build_pipeline(ws, skip=("enrich",)).ingest([post])
        add_account(ws.state, "masto", "mastodon", "https://mastodon.example",
                    secret="env:VEILLE_WEB_UNSET_TOKEN")  # fmt: skip
        [item] = svc.list_items(ws.state, ItemFilter(limit=10))
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            login(client, "manager")
            token = csrf_from(client.get(f"/inbox/{item.id}").text)
            reply = {"csrf_token": token, "text": "We are on it", "step": "send"}
            sent = client.post(f"/inbox/{item.id}/reply", data=reply)
            assert sent.status_code == 400
            client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/inbox"})
            page = html.unescape(client.get(f"/inbox/{item.id}").text)
    finally:
        server.stop()
    said = (
        "compte «\u202fmasto\u202f»\u202f: "
        "la variable d’environnement VEILLE_WEB_UNSET_TOKEN n’est pas définie"
    )
    assert page.count(said) == 2  # under the reply and in the history
    assert "is not set" not in page and "tr:{" not in page
    # The reply in the thread, its colon spaced the French way.
    assert "manager · échec : We are on it" in page, page


def test_inserting_a_canned_response_in_french(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """The French response goes into the reply box; a name it does not know
    says the language in words (« en français »), not « en « fr » »."""
    ids = _items(live_server)
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get(f"/inbox/{ids[1]}").text)
    form = {"csrf_token": token, "step": "insert", "text": ""}
    inserted = client.post(f"/inbox/{ids[1]}/reply", data={**form, "canned": "fr:looking"})
    assert inserted.status_code == 200
    assert "Merci de nous l’avoir signalé." in html.unescape(inserted.text)
    # A built-in French response is punctuated the French way (U+202F before ! and ?).
    canned_page = html.unescape(client.get("/inbox/canned").text)
    assert "Merci pour votre message\u202f! Nous" in canned_page
    assert "vous aider\u202f?" in canned_page
    assert "message !" not in canned_page and "aider ?" not in canned_page
    unknown = client.post(f"/inbox/{ids[1]}/reply", data={**form, "canned": "nope"})
    assert unknown.status_code == 400
    said = html.unescape(unknown.text)
    assert "aucune réponse type «\u202fnope\u202f» en français" in said
    assert "«\u202ffr\u202f»" not in said


def test_an_item_is_read_in_its_own_language(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """WCAG 3.1.2: the French item of an English page says lang="fr" on its
    words, so that a screen reader reads it in French."""
    ids = _items(live_server)
    login(client, "viewer")
    pages = [client.get(f"/inbox/{i}").text for i in ids]
    french = next(p for p in pages if "lumio est génial" in p)
    assert '<html lang="en">' in french
    assert '<p lang="fr">lumio est génial</p>' in french
    english = next(p for p in pages if "billing" in p)
    assert '<p lang="en">lumio question about billing</p>' in english


def test_forged_ids_and_versions_are_refused_not_a_server_error(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """What a tampered form or address carries (a version or an id no row
    can have, past SQLite's 64-bit integers, or 5,000 digits) is an item that
    changed, or an address that names nothing: it was a 500 (the bulk's
    read=ID:VERSION, 'Send again' on /inbox/replies/ID/retry, /inbox/ID, a
    calendar entry's page), and the 5,000 digits reset the connection."""
    ids = _items(live_server)
    login(client, "analyst")
    token = csrf_from(client.get("/inbox").text)
    with live_server.workspace() as ws:
        before = svc.get_item(ws.state, ids[0])
    for version in ("9" * 25, "9" * 5000):
        done = client.post(
            "/inbox/bulk",
            data={"csrf_token": token, "ids": [str(ids[0])], "action": "priority",
                  "value": "urgent" if before.priority != "urgent" else "low",
                  "read": [f"{ids[0]}:{version}"]},
        )  # fmt: skip
        assert done.status_code == 303, done.text[:500]
        said = html.unescape(client.get(done.headers["location"]).text)
        assert "0 items changed" in said and f"#{ids[0]}:" in said
    with live_server.workspace() as ws:
        assert svc.get_item(ws.state, ids[0]).priority == before.priority  # left as it was
    big = "9" * 25
    gone = client.post("/inbox/bulk", data={"csrf_token": token, "ids": [big],
                                            "action": "priority", "value": "low"})  # fmt: skip
    assert gone.status_code in (303, 422), gone.text[:500]
    assert client.get(f"/inbox/{big}").status_code == 404
    assert client.get(f"/plan/calendar/{big}").status_code == 404
    retried = client.post(f"/inbox/replies/{big}/retry", data={"csrf_token": token})
    assert retried.status_code in (303, 404), retried.text[:500]


def test_the_topic_filter_names_an_unknown_topic_and_bounds_a_long_list(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """/inbox?topic=… a thousand times (a viewer's address) was a 500,
    SQLite's 'Expression tree is too large'; the same with tags. The list says
    how many it takes; an unknown topic is said with the known ones, as
    'veille inbox list --topic' says it, where the page listed nothing."""
    _items(live_server)
    login(client, "viewer")
    for field in ("topic", "tag"):
        page = client.get("/inbox", params=[(field, f"t{i}") for i in range(1000)])
        assert page.status_code == 200, page.text[:300]
        assert "at most 100" in html.unescape(page.text)
    page = html.unescape(client.get("/inbox", params={"topic": "nosuch"}).text)
    assert "no topic named 'nosuch'" in page and "web-inbox" in page
    page = client.get("/inbox", params={"topic": "web-inbox"}).text
    assert "no topic named" not in page and "at most 100" not in page
    assert re.findall(r'href="/inbox/(\d+)"', page)  # the topic's open items
