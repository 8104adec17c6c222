"""A KPI that has no value says what makes it measurable where its reader
is: the plan page (and its document, and the API) named CLI commands
("run `veille plan snapshot`", "`veille collect`") to a manager on the web,
who has no terminal; it now names the page that does it, a link, in
English and in French. ``veille plan kpis`` keeps the commands."""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.web.server import Running, add_role_users, serve
from veille.cli import build_app
from veille.plan.kpis import add_kpi
from veille.plan.objectives import add_objective
from veille.query.topics import add_topic, get_topic
from veille.served_at import links_base
from veille.store.protocols.plan import KPI
from veille.workspace import Workspace, init_workspace

#: What the CLI names and a reader on the web cannot run.
COMMAND = re.compile(r"veille (plan|collect|topic|run)\b|--[a-z]|`")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A plan whose KPIs cannot be measured for each reason that says what
    to do: no snapshot of the account, no account of ours on the platform,
    no post collected, no competitor to compare with, the organization's
    accounts unknown, a topic deleted under the plan."""
    root = init_workspace(tmp_path_factory.mktemp("reasons") / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        add_topic(ws.state, "lumio", "lumio")
        add_topic(ws.state, "gone", "vexa")
        add_objective(ws.state, "reach", "awareness")
        add_kpi(ws, "fans", "followers", 1000, platform="mastodon", handle="lumio",
                objective="reach")  # fmt: skip
        add_kpi(ws, "likes", "engagement", 100, platform="youtube", objective="reach")
        add_kpi(ws, "heard", "mentions", 100, topic="lumio", objective="reach")
        add_kpi(ws, "voice", "share_of_voice", 40, topic="lumio", objective="reach")
        add_kpi(ws, "fans_met", "influencers_engaged", 5, topic="lumio", objective="reach")
        ws.state.save_kpi(KPI("vol", "mentions", 10, topic="gone", objective="reach"))
        ws.state.delete_topic(get_topic(ws.state, "gone").id)  # as veille did before
    with serve(Path(root)) as run:
        yield run


def _client(running: Running, lang: str) -> httpx.Client:
    from veille.web.deps import SESSION_COOKIE

    cookies = {SESSION_COOKIE: running.session("manager"), "veille_lang": lang}
    headers = {"Accept-Language": lang}
    return httpx.Client(base_url=running.url, cookies=cookies, headers=headers, timeout=60)


def _objects(pdf: bytes) -> bytes:
    """The PDF's objects, those WeasyPrint packs compressed in streams too."""
    found = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            found.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return b"".join(found)


def _reasons(page: str) -> list[str]:
    """The markup of each KPI's status cell (its status, then its reason)."""
    return re.findall(r'<strong class="kpi-status">.*?</td>', page, re.S)


SAID = {
    "en": [
        "no snapshot of the account yet: veille takes one each day while it runs; if none "
        "comes, ask whoever runs veille",
        'no account of ours on YouTube is known: set the channel\'s account (<a href="/plan/edit">',
        'veille holds no post yet: collect first (<a href="/sources">/sources</a>)',
        'no topic to compare with: name competitors (<a href="/plan/edit">',
        "the organization's accounts are not known: set them in the channel plan "
        '(<a href="/plan/edit">',
        'topic gone no longer exists: add a topic of that name again (<a href="/topics/new">'
        '/topics/new</a>), or remove this KPI (<a href="/plan/edit">/plan/edit</a>)',
    ],
    "fr": [
        "pas encore de relevé du compte\u202f: veille en fait un chaque jour tant qu’il "
        "tourne\u202f; si aucun ne vient, demandez-le à la personne qui administre veille",
        "aucun compte de l’organisation sur YouTube n’est connu\u202f: indiquez le compte du "
        'canal (<a href="/plan/edit">',
        "veille ne détient encore aucune publication\u202f: collectez d’abord "
        '(<a href="/sources">/sources</a>)',
        'aucun sujet auquel comparer\u202f: nommez des concurrents (<a href="/plan/edit">',
        "les comptes de l’organisation ne sont pas connus\u202f: indiquez-les dans le plan "
        'des canaux (<a href="/plan/edit">',
        "le sujet gone n’existe plus\u202f: recréez un sujet de ce nom "
        '(<a href="/topics/new">/topics/new</a>), ou supprimez cet indicateur '
        '(<a href="/plan/edit">/plan/edit</a>)',
    ],
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_plan_page_says_which_page_makes_a_kpi_measurable(running: Running, lang: str) -> None:
    with _client(running, lang) as client:
        page = client.get("/plan")
        assert page.status_code == 200, page.text[:2000]
        reasons = _reasons(html.unescape(page.text).replace("&#39;", "'"))
        assert len(reasons) == 6, reasons
        for cell in reasons:
            assert not COMMAND.search(cell), cell
        shown = " ".join(reasons)
        for said in SAID[lang]:
            assert said in shown, shown
        # Each link leads to the page that does it.
        for path in sorted(set(re.findall(r'<a href="(/[^"]*)"', shown))):
            assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_plans_document_and_the_api_name_no_command_either(running: Running, lang: str) -> None:
    from veille.workspace import Workspace

    with Workspace.open(running.root) as ws:
        base = links_base(ws.settings, ws.state)[0]
    with _client(running, lang) as client:
        md = client.get("/plan/export", params={"format": "md", "language": lang}).text
        web = client.get("/plan/export", params={"format": "html", "language": lang}).text
        pdf = client.get("/plan/export", params={"format": "pdf", "language": lang})
        api = client.get("/api/v1/plan").json()
    rows = [line for line in md.splitlines() if line.startswith("| ") and "(" in line]
    kpi_rows = [r for r in rows if any(f"| {k} (" in r for k in ("fans", "likes", "vol"))]
    assert len(kpi_rows) == 3, md
    for row in kpi_rows:
        assert not COMMAND.search(row), row
    # The PDF leaves the browser: its pages are links to the web app.
    assert f"[/plan/edit]({base}/plan/edit)" in md, md
    # Its cost says where the team's hours are given: the page, not a command.
    hours = {"en": "Say it ([/plan/edit](", "fr": "Indiquez-le ([/plan/edit]("}
    assert hours[lang] in md and "veille plan capacity" not in md, md
    assert f'<a href="{base}/sources">/sources</a>' in web, web
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert f"/URI ({base}/plan/edit)".encode() in _objects(pdf.content)  # a link there
    reasons = [k["reason"] for k in api["kpis"]]
    assert len(reasons) == 6 and not any(COMMAND.search(r) for r in reasons), reasons
    assert any("(/plan/edit)" in r for r in reasons), reasons


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", ["run `veille plan snapshot` (veille run does it daily)", "(`veille collect`)",
                "(`veille topic add gone QUERY`)", "`veille plan channel set youtube --handle"]),
        ("fr", ["lancez `veille plan snapshot` (veille run le fait chaque jour)",
                "collectez d’abord (`veille collect`)", "(`veille topic add gone QUERY`)",
                "indiquez le compte du canal (`veille plan channel set youtube --handle"]),
    ],
)  # fmt: skip
def test_veille_plan_kpis_still_names_the_commands(
    running: Running, lang: str, said: list[str]
) -> None:
    answer = CliRunner().invoke(
        build_app(),
        ["plan", "kpis", "--format", "json", "--language", lang, "-w", str(running.root)],
    )
    assert answer.exit_code == 0, answer.output
    shown = " ".join(answer.output.split())
    for words in said:
        assert words in shown, shown
    assert "/plan/edit" not in shown
    exported = CliRunner().invoke(
        build_app(),
        ["plan", "export", "--format", "md", "--language", lang, "-w", str(running.root)],
    )
    assert exported.exit_code == 0, exported.output
    assert "(`veille plan capacity --hours`)" in exported.output
    assert "`veille plan snapshot`" in exported.output  # the document made on the command line
