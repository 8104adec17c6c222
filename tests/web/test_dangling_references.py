"""An alert whose topic was deleted before veille refused to delete a topic
in use (or by an older veille) sends nothing, and said so only in the
daemon's log. Now its owner sees it where alerts are shown (the alerts'
pages, the API, ``veille alert list``) and ``/healthz`` counts it, with
what to do; so are the plan's KPIs, channels and objectives naming a topic
or an objective that is gone. Real HTTP, the real CLI."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.server import Running, add_role_users, serve

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    from veille.alerts.model import Alert, AlertBook
    from veille.inbox.rules import add_rule, make_rule
    from veille.query.topics import add_topic, get_topic
    from veille.store.protocols.plan import KPI, Channel, Objective
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("dangling")) / "ws")
    tokens = add_role_users(root)
    with Workspace.open(root) as ws:
        add_topic(ws.state, "gone", "lumio")
        add_topic(ws.state, "kept", "vexa")
        book = AlertBook(ws.state)
        book.add(Alert(name="orphan", channel_url="atom:feed.xml", topic="gone"))
        book.add(Alert(name="fine", channel_url="atom:feed.xml", topic="kept"))
        # The plan as it was left when these were deleted under it.
        ws.state.save_objective(Objective("reach", "awareness", topics=("gone", "kept")))
        ws.state.save_kpi(KPI("vol", "mentions", 10, topic="gone", objective="dropped"))
        ws.state.save_channel(Channel("mastodon", objectives=("dropped",)))
        # Deleted as veille did before it refused to delete a topic in use.
        ws.state.delete_topic(get_topic(ws.state, "gone").id)
        # An inbox rule notifying through an alert deleted under it, one
        # assigning to someone who is no user, a team counting them.
        book.add(Alert(name="pager", channel_url="atom:pager.xml", query="lumio"))
        rule = make_rule("page-me", query="lumio", actions=[("tag", "hot"), ("notify", "pager")])
        add_rule(ws.state, rule)
        add_rule(ws.state, make_rule("to-ghost", query="vexa", actions=[("assign", "ghost")]))
        ws.state.set_inbox_team("care", ["analyst", "ghost"])
        # One assigning within a team removed under it (before veille refused that).
        add_rule(ws.state, make_rule("to-dissolved", query="vexa", actions=[("team", "night")]))
        book.remove("pager")
    with serve(root) as server:
        server.tokens = tokens
        yield server


def _page(site: Running, path: str, lang: str = "en") -> str:
    from veille.web.deps import SESSION_COOKIE

    r = httpx.get(
        site.url + path,
        cookies={SESSION_COOKIE: site.session("viewer"), "veille_lang": lang},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    # The pages a hint names are links (read here as the words they show).
    return html.unescape(re.sub(r'<a href="(/[^"]*)">\1</a>', r"\1", r.text))


def test_the_alert_pages_say_its_topic_is_gone_and_what_to_do(site: Running) -> None:
    said = "alert orphan watches topic gone, which no longer exists: it sends nothing"
    listing = _page(site, "/alerts")
    assert listing.count("which no longer exists") == 1  # "fine" watches a topic that is
    assert said in listing
    page = _page(site, "/alerts/orphan")
    assert said in page
    assert "Add a topic named gone again (/topics/new), or delete the alert" in page
    assert "no longer exists" not in _page(site, "/alerts/fine")
    french = _page(site, "/alerts/orphan", "fr")
    assert (
        "l’alerte orphan surveille le sujet gone, qui n’existe plus\u202f: elle n’envoie rien"
        in french
    )
    assert "Recréez un sujet nommé gone (/topics/new)" in french


def test_the_api_and_the_cli_say_it(site: Running) -> None:
    headers = {"Authorization": f"Bearer {site.tokens['viewer']}"}
    alerts = httpx.get(site.url + "/api/v1/alerts", headers=headers, timeout=30).json()
    rows = {a["name"]: a for a in alerts}
    assert rows["fine"]["topic_missing"] is None
    missing = rows["orphan"]["topic_missing"]
    assert missing["missing"] == "gone" and "POST /api/v1/topics" in missing["hint"]
    assert "DELETE /api/v1/alerts/orphan" in missing["hint"]
    one = httpx.get(site.url + "/api/v1/alerts/orphan", headers=headers, timeout=30).json()
    assert one["topic_missing"]["missing"] == "gone"
    french = httpx.get(
        site.url + "/api/v1/alerts/orphan", headers=headers | {"Accept-Language": "fr"}
    ).json()["topic_missing"]
    assert french["message"].startswith("l’alerte orphan surveille le sujet gone")
    assert "Recréez un sujet nommé gone (POST /api/v1/topics)" in french["hint"]

    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "400"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "veille", *args, "--workspace", str(site.root)],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip

    table = cli("alert", "list")
    err = " ".join(table.stderr.split())
    assert "alert orphan watches topic gone, which no longer exists: it sends nothing" in err
    assert "veille topic add gone QUERY" in err and "veille alert remove orphan" in err
    french = " ".join(cli("--language", "fr", "alert", "list").stderr.split())
    assert "l’alerte orphan surveille le sujet gone" in french and "which no longer" not in french
    assert "Recréez un sujet nommé gone" in french
    listed = {r["name"]: r for r in json.loads(cli("alert", "list", "--format", "json").stdout)}
    assert listed["orphan"]["topic_missing"]["missing"] == "gone"
    assert listed["fine"]["topic_missing"] is None


def test_health_counts_every_reference_to_nothing_and_names_them_signed_in(
    site: Running,
) -> None:
    from veille.web.deps import SESSION_COOKIE

    anonymous = httpx.get(site.url + "/healthz", timeout=30).json()
    assert anonymous["status"] == "ok" and anonymous["dangling_references"] == 9
    assert "dangling" not in anonymous  # names are not public
    signed = httpx.get(
        site.url + "/healthz", cookies={SESSION_COOKIE: site.session("viewer")}, timeout=30
    ).json()
    said = {(d["kind"], d["name"], d["missing"]) for d in signed["dangling"]}
    assert said == {
        ("alert", "orphan", "gone"),
        ("kpi", "vol", "gone"),
        ("kpi", "vol", "dropped"),
        ("channel", "mastodon", "dropped"),
        ("objective", "reach", "gone"),
        ("inbox_rule", "page-me", "pager"),
        ("inbox_rule", "to-ghost", "ghost"),
        ("inbox_rule", "to-dissolved", "night"),
        ("team", "care", "ghost"),
    }


def test_the_plan_pages_say_what_they_name_that_is_gone(site: Running) -> None:
    """The plan showed the KPI under an objective no page listed and the
    channel serving it, with nothing said. /plan and /plan/edit now list
    each, with what to do, in English and French."""
    from veille.web.deps import SESSION_COOKIE

    page = _page(site, "/plan")
    assert "The plan names what no longer exists" in page
    assert "KPI vol measures topic gone, which no longer exists: it measures nothing" in page
    assert "KPI vol belongs to objective dropped, which no longer exists" in page
    assert "channel mastodon serves objective dropped, which no longer exists" in page
    assert "objective reach is served by topic gone, which no longer exists" in page
    assert "Choose the objectives it serves again (/plan/edit)" in page
    french = _page(site, "/plan", "fr")
    assert "Le plan nomme ce qui n’existe plus" in french
    assert "le canal mastodon sert l’objectif dropped, qui n’existe plus" in french
    r = httpx.get(
        site.url + "/plan/edit", cookies={SESSION_COOKIE: site.session("manager")}, timeout=30
    )
    assert "KPI vol belongs to objective dropped" in html.unescape(r.text)


def test_the_inbox_pages_and_rule_list_say_what_their_rules_and_teams_name_that_is_gone(
    site: Running,
) -> None:
    """A rule notifying through a deleted alert failed on every item, doing
    none of its actions; one assigning to a removed user handed items to no
    one; a team kept them in its round-robin. /inbox/rules, /inbox/teams and
    'veille rule list' now say so, with what to do."""
    rules = _page(site, "/inbox/rules")
    assert "The inbox names what no longer exists" in rules
    assert (
        "inbox rule page-me notifies through alert pager, which no longer exists: it fails on "
        "every item and does none of its actions" in rules
    )
    assert "inbox rule to-ghost assigns to ghost, who is no longer a user" in rules
    assert "Make it assign to someone else (/inbox/rules)" in rules
    # A rule assigning within a team that is gone failed on every item, said nowhere.
    assert (
        "inbox rule to-dissolved assigns within team night, which no longer exists: it fails "
        "on every item and does none of its actions" in rules
    )
    assert "or set the team night again (/inbox/teams)" in rules
    assert (
        "la règle de boîte de réception to-dissolved attribue au sein de l’équipe night, qui "
        "n’existe plus\u202f: elle échoue sur chaque élément" in _page(site, "/inbox/rules", "fr")
    )
    teams = _page(site, "/inbox/teams")
    assert "team care counts ghost, who is no longer a user" in teams
    french = _page(site, "/inbox/teams", "fr")
    assert "l’équipe care compte ghost, qui n’est plus un utilisateur\u202f: personne" in french

    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    listed = subprocess.run(
        [sys.executable, "-m", "veille", "rule", "list", "--workspace", str(site.root)],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    err = " ".join(listed.stderr.split())
    assert "inbox rule page-me notifies through alert pager, which no longer exists" in err
    assert "veille rule edit page-me …" in err
