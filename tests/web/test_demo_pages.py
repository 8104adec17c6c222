"""The demo's inbox and plan pages, read by its login as a new user reads
them after ``make demo``: the README sends them there, and both were empty
(no item, no objective)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from tests.web.conftest import Served, do_login, serve
from veille.cli import build_app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str, list[str]]]:
    root = tmp_path_factory.mktemp("demo") / "demo"
    # Built as a French reader builds it (``veille --language fr demo``).
    result = CliRunner().invoke(build_app(), ["--language", "fr", "demo", str(root), "--days", "7"])
    assert result.exit_code == 0, (result.output, result.exception)
    tour = result.output.splitlines()
    # The login as the tour gives it (see test_the_tour_says_how_to_sign_in).
    signed = [re.search(r"connectez-vous en tant que demo avec le mot de passe (\S+) ", line)
              for line in tour]  # fmt: skip
    password = next(found.group(1) for found in signed if found)
    served, server = serve(root)
    try:
        yield served, password, tour
    finally:
        server.stop()


def _page(demo: tuple[Served, str, list[str]], path: str, lang: str) -> str:
    served, password, _tour = demo
    with httpx.Client(base_url=served.url, timeout=60, cookies={"veille_lang": lang}) as client:
        do_login(client, "demo", password)
        page = client.get(path)
    assert page.status_code == 200, page.text[:2000]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def test_the_demo_inbox_holds_questions_and_complaints(demo) -> None:
    text = _page(demo, "/inbox", "en")
    assert "attendre deux heures" in text or "on hold for two hours" in text
    assert "Gatineau" in text  # a customer's question
    inbox = demo[0].workspace()
    with inbox as ws:
        from veille.inbox.items import events, list_items

        items = list_items(ws.state)
        assert 4 <= len(items) <= 8
        assert sum(i.assignee == "demo" for i in items) == 2
        assert any(i.priority == "high" for i in items)
        notes = [e for i in items for e in events(ws.state, i.id) if e.action == "note"]
        # The note is in the demo's language (built in French here).
        assert len(notes) == 1 and "attente" in notes[0].detail
    # The demo is built in French: its tour says so in French.
    assert any(line.startswith("Boîte de réception\u202f: ") for line in demo[2]), demo[2]


def test_the_demo_plan_has_objectives_kpis_and_a_spokesperson(demo) -> None:
    text = _page(demo, "/plan", "fr")
    # The demo was built in French: its objectives are named in French.
    assert "Service client" in text and "Notoriété" in text
    with demo[0].workspace() as ws:
        from veille.plan.kpis import list_kpis
        from veille.plan.people import list_people

        kpis = list_kpis(ws.state)
        # Measured on the collected posts: the mentions' baseline is Lumio's count.
        mentions = [k for k in kpis if k.kind == "mentions"]
        assert mentions and all(k.baseline and k.baseline > 0 for k in mentions)
        assert all(k.target > (k.baseline or 0) for k in mentions)
        assert {(p.username, p.role) for p in list_people(ws.state)} >= {("demo", "spokesperson")}
    assert "demo" in text


def test_the_demo_plan_reads_in_the_language_of_its_reader(demo) -> None:
    """Built by a French reader, the demo's plan read in French on English
    pages ("Service client : Répondre aux clients…", tone « serviable,
    simple, personnel », languages « fr »), as one built in English read in
    English on French pages: the words the guided start wrote are said in
    the reader's language, the objective's type beside a name in the other
    one, and its channels speak both languages of Lumio's customers."""
    english = _page(demo, "/plan", "en")
    said = "Service client (Customer service): Answer customers where they ask, quickly and well."
    assert said in english
    assert "helpful, plain, personal" in english and "serviable" not in english
    assert "Répondre aux clients" not in english
    assert "French, English" in english
    french = _page(demo, "/plan", "fr")
    # (_page makes every space one, U+202F included.)
    assert "Service client : Répondre aux clients là où ils demandent, vite et bien." in french
    assert "serviable, simple, personnel" in french and "français, anglais" in french
    assert "(Service client)" not in french
    exported = _page(demo, "/plan/export?format=md&language=en", "fr")
    assert "Answer customers where they ask" in exported and "- Tone: helpful" in exported
    # The plan's own recommendations no longer ask for a channel in French.
    assert "qu’aucun canal du plan n’emploie" not in french


def test_the_demo_built_again_keeps_its_inbox_and_plan(demo) -> None:
    served = demo[0]
    with served.workspace() as ws:
        from veille.demo import file_demo_inbox, start_demo_plan

        assert file_demo_inbox(ws) == 0 and start_demo_plan(ws) == []


def test_the_tour_says_how_to_sign_in(demo) -> None:
    """`veille demo` without --serve toured /inbox and /plan and made no
    login: `veille serve` on its workspace then asked for a first admin,
    and the items the tour gave to demo went to no one who could sign in.
    The tour ends with the command that serves it and demo's password,
    which signs in (the fixture's login is the tour's)."""
    served, _password, tour = demo
    assert f"  veille serve --workspace {served.root}" in tour, tour
    said = [line for line in tour if line.startswith("Dans l’application web, connectez-vous")]
    assert len(said) == 1 and "(un nouveau à chaque construction de la démonstration)." in said[0]
    assert "Gatineau" in _page(demo, "/inbox", "en")  # signed in with it: demo's inbox
