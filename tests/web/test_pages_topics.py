"""The topic editor over real HTTP: the live test against stored posts counts
right on known data, creating and editing keep every version, deleting, and
CSRF on every form."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import httpx
import pytest

from tests.web.conftest import Served, csrf_from
from tests.web.pages_data import LUMIO, LUMIO_PANNE, VEXA, seed
from veille.query.topics import get_topic, versions
from veille.services.audit import list_entries
from veille.workspace import Workspace

Login = Callable[..., httpx.Response]


@pytest.fixture(scope="module")
def seeded(live_server: Served) -> Served:
    seed(live_server.root)
    return live_server


def matches(html: str) -> int:
    found = re.search(r"<strong>(\d+) stored posts? match", html)
    assert found, html[:3000]
    return int(found.group(1))


@pytest.mark.parametrize(
    ("query", "expected"),
    [("lumio", LUMIO), ("lumio panne", LUMIO_PANNE), ("lumio OR vexa", LUMIO + VEXA),
     ("lumio -panne", LUMIO - LUMIO_PANNE), ("nothing-like-this", 0)],
)  # fmt: skip
def test_preview_counts_the_stored_posts(
    seeded: Served, client: httpx.Client, login: Login, query: str, expected: int
) -> None:
    login(client, "viewer")
    fragment = client.get("/topics/preview", params={"query": query})
    assert fragment.status_code == 200
    assert matches(fragment.text) == expected
    if expected:
        assert fragment.text.count('class="post"') == min(expected, 5)


def test_preview_of_a_query_that_reads_each_post_stops_counting_and_says_more(
    seeded: Served, client: httpx.Client, login: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A condition on metadata (sentiment) makes the count read each post: past
    the limit (10,000; 6 here) the preview says "more than"; words alone are
    counted on the index, exactly."""
    from veille.web.routes import topics as topics_route

    monkeypatch.setattr(topics_route, "MAX_COUNT", 6)
    login(client, "viewer")
    bounded = client.get("/topics/preview", params={"query": "lumio sentiment:positive"})
    assert "More than 6 stored posts match" in bounded.text
    words = client.get("/topics/preview", params={"query": "lumio"})
    assert matches(words.text) == LUMIO  # 12, past the limit, and exact


def test_preview_shows_a_query_error_with_its_caret(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "viewer")
    fragment = client.get("/topics/preview", params={"query": 'lumio "panne'})
    assert 'class="query-caret"' in fragment.text and "^" in fragment.text
    # Its hint says what to do, without saying the error again (it read
    # "unclosed quote (column 7) … Hint: unclosed quote: add the closing").
    said = re.sub(r"<[^>]+>", "", html.unescape(fragment.text))
    assert said.count("unclosed quote") == 1, said
    assert 'Hint: add the closing " after the phrase' in said
    client.cookies.set("veille_lang", "fr")
    fragment = client.get("/topics/preview", params={"query": 'lumio "panne'})
    said = re.sub(r"<[^>]+>", "", html.unescape(fragment.text))
    assert said.count("guillemet non fermé") == 1, said
    assert 'Conseil\u202f: ajoutez le " fermant après l’expression' in said


def test_create_edit_history_and_delete(seeded: Served, client: httpx.Client, login: Login) -> None:
    login(client, "analyst")
    form = client.get("/topics/new")
    token = csrf_from(form.text)
    # "Test" shows the preview without saving.
    tested = client.post("/topics/new", data={"csrf_token": token, "name": "panne",
                                               "query": "panne", "test": "1"})  # fmt: skip
    assert tested.status_code == 200 and matches(tested.text) == LUMIO_PANNE
    with Workspace.open(seeded.root) as ws:
        assert ws.state.topic("panne") is None
    created = client.post("/topics/new", data={"csrf_token": token, "name": "panne",
                                                "query": "panne"})  # fmt: skip
    assert created.status_code == 303 and created.headers["location"] == "/topics/panne"
    edited = client.post("/topics/panne", data={"csrf_token": token, "query": "panne OR fibre"})
    assert edited.status_code == 303
    page = client.get("/topics/panne")
    assert matches(page.text) == LUMIO and "Version history" in page.text
    with Workspace.open(seeded.root) as ws:
        assert [v.query for v in versions(ws.state, "panne")] == ["panne", "panne OR fibre"]
        assert get_topic(ws.state, "panne").version == 2
    # A bad query is refused on the form, with the parser's message.
    bad = client.post("/topics/panne", data={"csrf_token": token, "query": "panne AND"})
    assert bad.status_code == 400 and "error-message" in bad.text
    deleted = client.post("/topics/panne/delete", data={"csrf_token": token})
    assert deleted.status_code == 303
    with Workspace.open(seeded.root) as ws:
        assert ws.state.topic("panne") is None
        # Each change is in the audit log, with who made it.
        done = [(e.actor, e.action, e.target) for e in list_entries(ws.state, limit=10)]
    for action in ("topic.add", "topic.edit", "topic.remove"):
        assert ("analyst", action, "panne") in done


def test_topic_forms_need_csrf_and_an_analyst(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "analyst")
    assert client.post("/topics/new", data={"name": "x", "query": "x"}).status_code == 403
    assert client.post("/topics/lumio/delete").status_code == 403
    client.cookies.clear()
    login(client, "viewer")
    token = csrf_from(client.get("/topics").text)
    refused = client.post("/topics/new", data={"csrf_token": token, "name": "x", "query": "x"})
    assert refused.status_code == 403
    with Workspace.open(seeded.root) as ws:
        assert ws.state.topic("x") is None and ws.state.topic("lumio") is not None


def test_a_french_reader_reads_the_topic_form_errors_in_french(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """The topic form's errors (a name that cannot be one, a name taken, a
    topic that is not there) come from the catalogs."""
    import html

    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/topics/new").text)
    bad = client.post("/topics/new", data={"csrf_token": token, "name": "a b!", "query": "x"})
    page = html.unescape(bad.text)
    assert bad.status_code == 400 and "«\u202fa b!\u202f» n’est pas un nom de sujet valide" in page
    assert "64 caractères au plus" in page
    # A name left empty is said to be missing (it read « «  » n’est pas un nom
    # de sujet valide »); in English too ("'' is not a valid topic name").
    empty = client.post("/topics/new", data={"csrf_token": token, "name": " ", "query": "x"})
    page = html.unescape(empty.text)
    assert empty.status_code == 400 and "un sujet a besoin d’un nom" in page
    assert "n’est pas un nom de sujet valide" not in page
    client.cookies.set("veille_lang", "en")
    empty = client.post("/topics/new", data={"csrf_token": token, "name": "", "query": "x"})
    assert "a topic needs a name" in html.unescape(empty.text)
    client.cookies.set("veille_lang", "fr")
    form = {"csrf_token": token, "name": "fr-errors", "query": "lumio"}
    assert client.post("/topics/new", data=form).status_code == 303
    taken = client.post("/topics/new", data=form)
    page = html.unescape(taken.text)
    assert taken.status_code == 400 and "un sujet nommé «\u202ffr-errors\u202f» existe déjà" in page
    assert "<title>Erreur\u202f: Nouveau sujet · " in page, "the title says the form was refused"
    missing = client.get("/topics/no-such-topic")
    assert missing.status_code == 404
    assert "aucun sujet" in html.unescape(missing.text)

    client.cookies.set("veille_lang", "en")
    taken = client.post("/topics/new", data=form)
    assert "a topic named 'fr-errors' already exists" in html.unescape(taken.text)
    # The message and its hint are two sentences, not one run-on line.
    assert "already exists. Hint: choose another name" in html.unescape(taken.text)
    client.cookies.set("veille_lang", "fr")
    page = html.unescape(client.post("/topics/new", data=form).text)
    assert "existe déjà. Conseil\u202f: " in page


def test_a_missing_csrf_token_says_the_form_expired_not_the_role(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    import html

    login(client, "analyst")
    for lang, expired, role in (
        ("en", "Reload the page and try again.", "Your role does not allow this"),
        ("fr", "Rechargez la page et réessayez.", "Votre rôle ne le permet pas"),
    ):
        client.cookies.set("veille_lang", lang)
        refused = client.post("/topics/new", data={"name": "x", "query": "x"})
        assert refused.status_code == 403
        text = html.unescape(refused.text)
        assert expired in text and role not in text
    # The API with the session cookie and no X-CSRF-Token: the hint names the header.
    answer = client.post("/api/v1/topics", json={"name": "x", "query": "x"})
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert "X-CSRF-Token" in error["hint"] and "role" not in error["hint"]


def test_a_role_too_low_is_said_in_the_readers_language(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    import html

    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")
    refused = client.get("/topics/new")
    assert refused.status_code == 403
    text = html.unescape(refused.text)
    assert "Il faut pour cela le rôle analyste." in text and "this needs" not in text


def test_a_new_topic_is_on_the_dashboard_at_once(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """The dashboard keeps its figures a minute, but not past a change of the
    topics: a topic just created (here or with the CLI) is on it, and one
    deleted is gone, rather than "No topic yet" or the old list for a minute."""
    login(client, "analyst")
    assert "Dashboard" in client.get("/").text  # the figures are kept from now
    token = csrf_from(client.get("/topics/new").text)
    made = client.post("/topics/new", data={"csrf_token": token, "name": "fresh-topic",
                                             "query": "panne"})  # fmt: skip
    assert made.status_code == 303
    assert 'href="/stream?topic=fresh-topic&amp;since=' in client.get("/").text
    client.post("/topics/fresh-topic/delete", data={"csrf_token": token})
    assert "/stream?topic=fresh-topic" not in client.get("/").text


def _save(client: httpx.Client, page: str, version: str, query: str, **more: str) -> httpx.Response:
    """Send the topic form of ``page`` (opened at ``version``) with ``query``."""
    form = {"csrf_token": csrf_from(page), "version": version, "query": query, **more}
    return client.post("/topics/both", data=form)


def _version_field(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "the topic form carries no version"
    return found.group(1)


def test_two_people_editing_a_topic_at_once_the_second_save_is_refused(
    seeded: Served, live_server: Served, login: Login
) -> None:
    """Two analysts open the same topic; the first saves. The second's save
    (from the page opened before) no longer silently replaces the first's
    query: it is refused (409) with the version saved meanwhile and its
    query, the second's query kept in the form; saving again, having seen
    it, replaces it. In French too."""
    import html

    with (
        httpx.Client(timeout=60, base_url=live_server.url) as first,
        httpx.Client(timeout=60, base_url=live_server.url) as second,
    ):
        login(first, "analyst")
        login(second, "manager")
        token = csrf_from(first.get("/topics/new").text)
        form = {"csrf_token": token, "name": "both", "query": "lumio"}
        assert first.post("/topics/new", data=form).status_code == 303
        page_1, page_2 = first.get("/topics/both").text, second.get("/topics/both").text
        assert _version_field(page_1) == _version_field(page_2) == "1"

        saved = _save(first, page_1, "1", "lumio OR vexa")
        assert saved.status_code == 303
        # "Test" keeps the version the form was opened at.
        tested = _save(second, page_2, "1", "lumio -panne", test="1")
        assert _version_field(tested.text) == "1"
        refused = _save(second, page_2, "1", "lumio -panne")
        said = html.unescape(refused.text)
        assert refused.status_code == 409
        assert "topic both changed since you opened it: version 2 was saved" in said
        assert "with the query: lumio OR vexa" in said
        assert "Your query was not saved and is still in the form" in said
        assert ">lumio -panne</textarea>" in said, "the typed query is kept"
        with Workspace.open(seeded.root) as ws:
            assert get_topic(ws.state, "both").query == "lumio OR vexa"
        # Saving again from the refused form replaces version 2, knowingly.
        assert _version_field(refused.text) == "2"
        again = _save(second, refused.text, "2", "lumio -panne")
        assert again.status_code == 303
        with Workspace.open(seeded.root) as ws:
            assert [v.query for v in versions(ws.state, "both")] == [
                "lumio", "lumio OR vexa", "lumio -panne"]  # fmt: skip

        first.cookies.set("veille_lang", "fr")
        stale = _save(first, page_1, "2", "vexa")
        said = html.unescape(stale.text)
        assert stale.status_code == 409
        assert "le sujet both a changé depuis que vous l’avez ouvert\u202f: la version 3" in said
        assert "Conseil\u202f: votre requête n’a pas été enregistrée" in said


def test_a_topic_an_alert_or_the_plan_uses_is_not_deleted_and_they_are_named(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """Deleting a topic an alert watches and a KPI measures left the alert
    sending nothing more and the KPI measuring nothing, unsaid. Now it is
    refused (409) on the topic's page, naming each of them; once they no
    longer use it, it goes. The API and the CLI call the same service."""
    import html

    from veille.plan.kpis import add_kpi, remove_kpi
    from veille.plan.objectives import add_objective, edit_objective
    from veille.services.alerts import AlertSpec, add_alert, remove_alert

    with Workspace.open(seeded.root) as ws:
        from veille.query.topics import add_topic

        add_topic(ws.state, "watched", "lumio")
        add_alert(ws, AlertSpec(to="mailto:team@example.org", topic="watched", name="on-watched"))
        add_objective(ws.state, "heard", "awareness", topics="watched")
        add_kpi(ws, "watched-mentions", "mentions", 100, topic="watched")
    login(client, "analyst")
    page = client.get("/topics/watched")
    refused = client.post("/topics/watched/delete", data={"csrf_token": csrf_from(page.text)})
    said = html.unescape(refused.text)
    assert refused.status_code == 409
    assert (
        "topic watched is still used by alert on-watched, objective heard, "
        "KPI watched-mentions; nothing was deleted" in said
    )
    assert "delete them first" in said
    client.cookies.set("veille_lang", "fr")
    refused = client.post("/topics/watched/delete", data={"csrf_token": csrf_from(page.text)})
    assert (
        "le sujet watched sert encore à l’alerte on-watched, l’objectif heard, "
        "l’indicateur watched-mentions\u202f; rien n’a été supprimé" in html.unescape(refused.text)
    )
    with Workspace.open(seeded.root) as ws:
        assert ws.state.topic("watched") is not None
        remove_alert(ws, "on-watched")
        edit_objective(ws.state, "heard", topics="")
        remove_kpi(ws.state, "watched-mentions")
    deleted = client.post("/topics/watched/delete", data={"csrf_token": csrf_from(page.text)})
    assert deleted.status_code == 303
    with Workspace.open(seeded.root) as ws:
        assert ws.state.topic("watched") is None


def test_saving_a_topic_someone_deleted_meanwhile_is_a_404_that_keeps_the_query(
    seeded: Served, live_server: Served, login: Login
) -> None:
    """An analyst edits a topic while a colleague deletes it: the save is a
    404 naming the topic (not a traceback), and the query typed is shown
    back to copy (into a new topic), not lost."""
    import html

    with (
        httpx.Client(timeout=60, base_url=live_server.url) as editing,
        httpx.Client(timeout=60, base_url=live_server.url) as deleting,
    ):
        login(editing, "analyst")
        login(deleting, "manager")
        token = csrf_from(editing.get("/topics/new").text)
        assert editing.post("/topics/new", data={"csrf_token": token, "name": "gone",
                                                 "query": "lumio"}).status_code == 303  # fmt: skip
        page = editing.get("/topics/gone").text
        other = deleting.get("/topics/gone").text
        deleted = deleting.post("/topics/gone/delete", data={"csrf_token": csrf_from(other)})
        assert deleted.status_code == 303
        query = "lumio AND (panne OR fibre)"
        lost = editing.post("/topics/gone", data={"csrf_token": csrf_from(page), "version": "1",
                                                  "query": query})  # fmt: skip
        said = html.unescape(lost.text)
        assert lost.status_code == 404
        assert "no topic named 'gone'" in said
        assert f">{query}</textarea>" in said and "What you typed" in said
