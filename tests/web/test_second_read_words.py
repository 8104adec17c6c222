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
