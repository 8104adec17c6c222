"""What a new user still read wrong after the first hour's fixes, read in
English and in French over the live server: one French word for one thing
(the staff guidelines, an inbox item's state), a misspelt rule answered with
the rule meant, the plan's refusals naming the form's own labels, an owner
who is not a user said so, and the settings page saying the port the app
answers on."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import make_post
from tests.web.conftest import Served, add_role_users, csrf_from, do_login, serve
from veille.inbox import items as inbox_items
from veille.inbox.model import ItemFilter
from veille.pipeline.ingest import build_pipeline
from veille.plan.objectives import add_objective
from veille.plan.people import set_guidelines
from veille.query.topics import add_topic
from veille.workspace import Workspace, init_workspace

NNBSP = "\u202f"
RULES = "+++\nforbidden_words = ['gratuit']\n+++\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = init_workspace(tmp_path_factory.mktemp("web") / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        add_topic(ws.store, "outage", "panne", inbox=True)
        build_pipeline(ws, skip=("enrich",)).ingest(
            [
                make_post(
                    "inb1", "Lumio en panne", published_at=datetime.now(UTC) - timedelta(hours=1)
                )
            ]
        )
        set_guidelines(ws.state, RULES + "# Guidelines", RULES + "# Charte", actor="manager")
        # A plan to read, whose objective's owner is no account (docs/plan.md: a username).
        add_objective(ws.state, "awareness", "awareness", owner="mia")
    app, server = serve(root)
    try:
        yield app
    finally:
        server.stop()


@contextmanager
def _client(served: Served, role: str, lang: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=60) as client:
        assert do_login(client, role).status_code == 303
        client.cookies.set("veille_lang", lang)
        yield client


def _text(page: httpx.Response) -> str:
    return html.unescape(page.text)


def _said(page: str) -> str:
    """The page's error or flash, in one line."""
    found = re.search(
        r'<p class="(?:error|error-message|flash)"[^>]*>(.*?)</p>', page, re.S
    ) or re.search(r'role="status"[^>]*>(.*?)</', page, re.S)
    assert found, page[:3000]
    return re.sub(r"[ \t\n]+", " ", html.unescape(found.group(1))).strip()


def _save_guidelines(client: httpx.Client, text_fr: str) -> httpx.Response:
    page = client.get("/plan/guidelines")
    version = re.search(r'name="version" value="(\d*)"', page.text)
    return client.post(
        "/plan/guidelines",
        data={
            "csrf_token": csrf_from(page.text),
            "text_en": "# Guidelines",
            "text_fr": text_fr,
            "version": version.group(1) if version else "",
        },
    )


def test_the_french_reader_reads_one_word_for_the_staff_guidelines(served: Served) -> None:
    """The page's title said « Charte du personnel », its refusals and the
    draft checker « les consignes »: two things, for a new reader."""
    with served.workspace() as ws:
        (item,) = inbox_items.list_items(ws.state, ItemFilter(limit=10))
    with _client(served, "manager", "fr") as client:
        read = _text(client.get("/plan/guidelines"))
        refused = _text(_save_guidelines(client, "+++\nmots_interdits = 3\n+++\n# Charte"))
        page = client.get("/plan/guidelines")
        acknowledged = client.post(
            "/plan/guidelines/acknowledge",
            data={"csrf_token": csrf_from(page.text), "version": "99"},
            follow_redirects=True,
        )
        reply = client.get(f"/inbox/{item.id}")
        checked = client.post(
            f"/inbox/{item.id}/reply",
            data={"csrf_token": csrf_from(reply.text), "text": "C’est gratuit", "step": "check"},
        )
    assert "Charte du personnel" in read
    assert "la charte en français" in _said(refused)
    assert "la version 99 de la charte n’est pas l’actuelle" in _said(_text(acknowledged))
    assert f"La charte exclut «{NNBSP}gratuit{NNBSP}»" in _text(checked)
    for page_text in (read, refused, _text(acknowledged), _text(checked)):
        assert "consigne" not in page_text.lower()


def test_the_inbox_says_one_word_for_an_items_state(served: Served) -> None:
    """« État » labelled the field, « Changer le statut » its button and
    « Statut enregistré » the change."""
    with served.workspace() as ws:
        (item,) = inbox_items.list_items(ws.state, ItemFilter(limit=10))
    with _client(served, "analyst", "fr") as client:
        page = client.get(f"/inbox/{item.id}")
        version = re.search(r'name="version" value="(\d+)"', page.text)
        assert version
        changed = client.post(
            f"/inbox/{item.id}/status",
            data={"csrf_token": csrf_from(page.text), "status": "in_progress",
                  "version": version.group(1)},
            follow_redirects=True,
        )  # fmt: skip
        listed = client.get("/inbox")
    read = _text(page)
    assert '<label for="status">État</label>' in read and "Changer l’état" in read
    assert "État enregistré." in _said(_text(changed))
    for said in (read, _text(changed), _text(listed)):
        assert "statut" not in said.lower()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("max_hashtag", "max_hashtags"),
        ("forbiden_mentions", "forbidden_mentions"),
        ("mentions_mx", "mentions_max"),
        ("divulgaton", "divulgation"),
    ],
)
def test_a_misspelt_rule_is_answered_with_the_rule_meant(
    served: Served, typed: str, meant: str
) -> None:
    with _client(served, "manager", "en") as client:
        said = _said(_text(_save_guidelines(client, f"+++\n{typed} = 1\n+++\n# Charte")))
    assert f"unknown rule '{typed}'" in said and f"Did you mean '{meant}'?" in said


def test_a_rule_no_known_one_is_near_is_not_answered_with_another(served: Served) -> None:
    """``max_lenght`` was answered "Did you mean 'max_mentions'?": the two
    share ``max_`` and little else. No rule limits a post's length (the
    platform's own limit does): the page lists the rules there are."""
    with _client(served, "manager", "en") as client:
        said = _said(_text(_save_guidelines(client, "+++\nmax_lenght = 280\n+++\n# Charte")))
    assert "unknown rule 'max_lenght'" in said
    assert "max_mentions?" not in said and "Did you mean" not in said
    assert "Known: disclosure, forbidden_mentions, forbidden_words" in said


def _post_form(client: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_from(client.get("/plan/edit").text)
    return client.post(path, data={"csrf_token": token, **data})


def test_the_plans_refusals_name_the_fields_label(served: Served) -> None:
    """« posts_per_week : 'beaucoup' n’est pas un nombre »: the code's name,
    in a French sentence, for the field the form calls « Publications par
    semaine »."""
    expected = {
        "en": ("Posts a week: 'beaucoup' is not a number",
               "Hours a week the team can give the presence: 'lots' is not a number"),
        "fr": (f"Publications par semaine{NNBSP}: «{NNBSP}beaucoup{NNBSP}» n’est pas un nombre",
               f"Heures par semaine que l’équipe peut donner à la présence{NNBSP}: "
               f"«{NNBSP}lots{NNBSP}» n’est pas un nombre"),
    }  # fmt: skip
    for lang, (channel, capacity) in expected.items():
        with _client(served, "manager", lang) as client:
            refused = _post_form(
                client, "/plan/channels", {"platform": "mastodon", "posts_per_week": "beaucoup"}
            )
            assert refused.status_code == 400
            assert channel in _said(_text(refused))
            refused = _post_form(client, "/plan/capacity", {"hours": "lots"})
            assert refused.status_code == 400
            assert capacity in _said(_text(refused))
            assert "posts_per_week" not in _said(_text(refused))


def test_an_owner_who_is_not_a_user_is_said_on_the_plan(served: Served) -> None:
    """The plan took ``leo`` as the Bluesky channel's owner, where no
    account is named leo (a typo for someone, or someone never added),
    without a word: now the plan's pages say it (the plan still keeps it)."""
    with _client(served, "manager", "en") as client:
        saved = _post_form(
            client, "/plan/channels",
            {"platform": "bluesky", "posts_per_week": "2", "owner": "leo"},
        )  # fmt: skip
        assert saved.status_code == 303, saved.text[:2000]
        saved = _post_form(
            client, "/plan/channels",
            {"platform": "x", "posts_per_week": "2", "owner": "analyst"},
        )  # fmt: skip
        assert saved.status_code == 303
        saved = _post_form(client, "/plan/people", {"username": "nora", "role": "spokesperson"})
        assert saved.status_code == 303
    for lang, sentences in {
        "en": (
            "The plan names people who are not users of this workspace",
            "channel bluesky is owned by leo, who is not a user of this workspace",
            "nora, among the plan's people, is not a user of this workspace",
            "objective awareness is owned by mia, who is not a user of this workspace",
        ),
        "fr": (
            "Le plan nomme des personnes qui ne sont pas des utilisateurs de cet espace",
            "le canal bluesky a pour responsable leo, qui n’est pas un utilisateur",
            "nora, parmi les personnes du plan, n’est pas un utilisateur",
            "l’objectif awareness a pour responsable mia, qui n’est pas un utilisateur",
        ),
    }.items():
        with _client(served, "manager", lang) as client:
            for path in ("/plan/edit", "/plan"):
                page = _text(client.get(path))
                warning = re.search(r'<div class="warning" id="strangers".*?</div>', page, re.S)
                assert warning, (lang, path)
                said = re.sub(r"[ \t\n]+", " ", warning.group(0))
                assert all(sentence in said for sentence in sentences), said
                assert "analyst" not in said  # a user: nothing to say
    with served.workspace() as ws:
        assert {c.platform: c.owner for c in ws.state.plan_channels()}["bluesky"] == "leo"


def test_the_settings_page_says_the_port_the_app_answers_on(served: Served) -> None:
    """The settings page showed ``port 8000`` (veille.toml) while the app
    answered on another port (``veille serve --port``), and said nothing of
    links in e-mails still pointing at 8000."""
    port = httpx.URL(served.url).port
    assert port != 8000
    expected = {
        "en": f"This server listens on port {port}: the command line (veille serve --port) "
        "overrides veille.toml's port 8000 shown here. Links in e-mails and feeds still use "
        "base_url, http://127.0.0.1:8000",
        "fr": f"Ce serveur écoute sur le port {port}{NNBSP}: la ligne de commande (veille serve "
        "--port) remplace le port 8000 de veille.toml affiché ici. Les liens des courriels et "
        "des flux utilisent toujours base_url, http://127.0.0.1:8000",
    }
    for lang, sentence in expected.items():
        with _client(served, "admin", lang) as client:
            page = _text(client.get("/settings"))
        found = re.search(r'<p class="warning" id="listening"[^>]*>(.*?)</p>', page, re.S)
        assert found, page[:3000]
        assert sentence in re.sub(r"[ \t\n]+", " ", found.group(1))


def test_the_owner_warning_sends_only_an_admin_to_the_users_page(served: Served) -> None:
    """The plan's warning on an owner who is not a user (``mia``) sent a
    viewer to /users, a page only an admin opens (a 403), and to the plan's
    editing page, which only a manager opens: a viewer is now told whom to
    ask, in their language; an admin still has the link."""
    for lang, ask_admin, ask_manager in (
        ("en", "(ask an admin)", "(ask a manager or an admin)"),
        (
            "fr",
            "(demandez à un administrateur)",
            "(demandez à un responsable ou à un administrateur)",
        ),
    ):
        with _client(served, "viewer", lang) as client:
            page = _text(client.get("/plan"))
        warning = re.search(r'<div class="warning" id="strangers".*?</div>', page, re.S)
        assert warning, (lang, page[:2000])
        said = re.sub(r"[ \t\n]+", " ", warning.group(0))
        assert "mia" in said, said
        assert 'href="/users"' not in said and "/users" not in said, said
        assert "/plan/edit" not in said, said
        assert ask_admin in said and ask_manager in said, said
    with _client(served, "admin", "fr") as client:
        for path in ("/plan", "/plan/edit"):
            page = _text(client.get(path))
            warning = re.search(r'<div class="warning" id="strangers".*?</div>', page, re.S)
            assert warning, path
            said = re.sub(r"[ \t\n]+", " ", warning.group(0))
            assert '<a href="/users">/users</a>' in said, said
            assert '<a href="/plan/edit">/plan/edit</a>' in said, said
            assert "demandez" not in said, said


def test_the_cost_hint_sends_only_a_manager_to_the_plans_editing_page(served: Served) -> None:
    """/plan told a viewer to say the team's hours "in the plan's editing
    page", which only a manager or an admin opens (a 403): a viewer and an
    analyst are now told who can say it, in their language; a manager is
    still sent there."""
    hint = re.compile(r'<p class="plan-capacity">(.*?)</p>', re.S)
    for role in ("viewer", "analyst"):
        for lang, asked in (
            ("en", "A manager or an admin can say it in the plan's editing page"),
            ("fr", "Un responsable ou un administrateur peut l’indiquer"),
        ):
            with _client(served, role, lang) as client:
                found = hint.search(_text(client.get("/plan")))
            assert found, (role, lang)
            said = re.sub(r"[ \t\n]+", " ", found.group(1))
            assert asked in said, said
            assert "Say it in" not in said and "Indiquez-le" not in said, said
    with _client(served, "manager", "en") as client:
        found = hint.search(_text(client.get("/plan")))
    assert found and "Say it in the plan's editing page" in found.group(1)


def test_the_over_capacity_warning_tells_a_viewer_who_can_change_the_plan(
    served: Served,
) -> None:
    """/plan told a viewer, who can neither edit nor adopt the plan, to
    "Lower the cadence or the response targets before adopting it": a viewer
    and an analyst are now told that a manager or an admin can, in their
    language; a manager still reads the instruction."""
    from veille.plan.channels import remove_channel, set_channel
    from veille.plan.cost import set_capacity

    warning = re.compile(r'<p class="plan-capacity error" role="alert">(.*?)</p>', re.S)
    with Workspace.open(served.root) as ws:
        set_channel(ws.state, "mastodon", posts_per_week=30)
        set_capacity(ws.state, hours=1)
    try:
        for role in ("viewer", "analyst"):
            for lang, told, instruction in (
                ("en", "A manager or an admin can lower the cadence or the response targets "
                 "before it is adopted.", "Lower the cadence"),
                ("fr", "Un responsable ou un administrateur peut réduire la fréquence ou "
                 "allonger les délais de réponse avant qu’il soit adopté.", "Réduisez"),
            ):  # fmt: skip
                with _client(served, role, lang) as client:
                    found = warning.search(_text(client.get("/plan")))
                assert found, (role, lang)
                said = re.sub(r"[ \t\n]+", " ", found.group(1))
                assert told in said and instruction not in said, said
        with _client(served, "manager", "en") as client:
            found = warning.search(_text(client.get("/plan")))
        assert found and "Lower the cadence or the response targets before adopting it." in (
            re.sub(r"[ \t\n]+", " ", found.group(1))
        )
    finally:
        with Workspace.open(served.root) as ws:
            set_capacity(ws.state, clear=True)
            remove_channel(ws.state, "mastodon")


def test_a_stranger_in_several_roles_is_said_once(served: Served) -> None:
    """The demo's plan names its login as spokesperson and owner of three
    channels: where that login was no account, the plan's pages said
    "demo, among the plan's people, is not a user of this workspace" four
    times over, word for word. Once is enough: the hint removes the person."""
    with _client(served, "manager", "en") as client:
        for role, platform in (("spokesperson", ""), ("channel_owner", "mastodon"),
                               ("channel_owner", "linkedin")):  # fmt: skip
            saved = _post_form(
                client, "/plan/people", {"username": "zoe", "role": role, "platform": platform}
            )
            assert saved.status_code == 303, saved.text[:2000]
    for lang, sentence in {
        "en": "zoe, among the plan's people, is not a user of this workspace",
        "fr": "zoe, parmi les personnes du plan, n’est pas un utilisateur",
    }.items():
        with _client(served, "manager", lang) as client:
            for path in ("/plan/edit", "/plan"):
                page = re.sub(r"[ \t\n]+", " ", _text(client.get(path)))
                assert page.count(sentence) == 1, (lang, path, page.count(sentence))
