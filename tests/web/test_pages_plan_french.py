"""The plan page read in French by a head of communications: what each KPI
measures in words, the objectives' and the charts' punctuation the French
way (a narrow no-break space before ``:`` and ``;``)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.plan.test_kpi_period import _a_mention_a_day
from tests.web.conftest import add_role_users, serve
from veille.plan.kpis import add_kpi
from veille.plan.objectives import add_objective
from veille.workspace import Workspace, init_workspace


def test_the_plan_page_in_french_names_what_each_kpi_measures_and_spaces_its_colons(
    tmp_path: Path, login: Callable[..., httpx.Response]
) -> None:
    """In French, each KPI's row read "mentions · lumio" and
    "share_of_voice · lumio" (the command line's keys, where the form
    choosing them says "Mentions d’un sujet"), as did the editing page's
    rows; an objective read "care (Service client): Réponse rapide" with no
    space before its colon, and a chart's spoken summary "5 nov. : 152;
    5 déc. : 148" with none before its semicolons. Now the kinds are said
    in the reader's language and the punctuation is French on both pages
    (English unchanged)."""
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        _a_mention_a_day(ws)
        add_objective(ws.state, "care", "customer_service", description="Réponse rapide")
        add_kpi(ws, "volume", "mentions", 400, topic="lumio", objective="care")
        add_kpi(ws, "sov", "share_of_voice", 60, topic="lumio", compare=["lumio"])
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            login(client, "manager")
            client.cookies.set("veille_lang", "fr")
            page = html.unescape(client.get("/plan").text)
            edit = html.unescape(client.get("/plan/edit").text)
            client.cookies.set("veille_lang", "en")
            english = html.unescape(client.get("/plan").text)
    finally:
        server.stop()
    assert "Mentions d’un sujet · lumio" in page and "Part de voix · lumio" in page
    assert "mentions · lumio" not in page and "share_of_voice" not in page
    assert "(Mentions d’un sujet)" in edit and "(mentions)" not in edit
    assert "</strong> (Service client)\u202f: Réponse rapide" in page
    title = re.search(r"<title>([^<]*Cible[^<]*)</title>", page)
    assert title, page[-3000:]
    assert "\u202f; " in title.group(1) and re.search(r"[^\u202f]; ", title.group(1)) is None
    assert "Mentions of a topic · lumio" in english
    assert "</strong> (Customer service): Réponse rapide" in english
    title = re.search(r"<title>([^<]*Target[^<]*)</title>", english)
    assert title and "\u202f" not in title.group(1)


def test_the_plan_page_in_french_removes_from_the_plan_and_an_alert_is_sent(
    tmp_path: Path, login: Callable[..., httpx.Response]
) -> None:
    """Two catalogs translated "Remove %(name)s" (and "Remove", "sent",
    "Due") each their own way and the first file's won: the plan's editing
    page offered to « Supprimer » a person (the account stays: they leave
    the plan), the calendar « Supprimer » an entry, and an alert's deliveries
    were « envoyée » (an inbox reply's word) under « Échéance ». Now the plan
    « Retire » and an alert's deliveries are « Prévu » and « envoyé »."""
    from tests.web.pages_data import known_posts
    from veille.alerts.model import Alert, AlertBook
    from veille.pipeline import build_pipeline
    from veille.plan.people import add_person

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        add_objective(ws.state, "care", "customer_service")
        add_person(ws.state, "analyst", "spokesperson")
        AlertBook(ws.store).add(Alert(name="watch", query="lumio", channel_url="atom:a.xml"))
        build_pipeline(ws).ingest(known_posts())  # the alert queues its matches
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            login(client, "manager")
            client.cookies.set("veille_lang", "fr")
            edit = html.unescape(client.get("/plan/edit").text)
            alert = html.unescape(client.get("/alerts/watch").text)
            client.cookies.set("veille_lang", "en")
            english = html.unescape(client.get("/plan/edit").text)
    finally:
        server.stop()
    assert ">Retirer care<" in edit and ">Retirer analyst<" in edit, edit
    assert "Supprimer care" not in edit
    assert "Prévu (" in alert and "Échéance" not in alert, alert
    assert ">Remove care<" in english
