"""A hint names where to act for where the reader is: a page or the API
names no CLI command it cannot run (publishing accounts are added by an
admin on their page), the CLI keeps its command."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import to_come
from tests.web.server import add_role_users, serve
from veille.errors import NotFound, translated
from veille.workspace import init_workspace


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = init_workspace(tmp_path_factory.mktemp("web") / "ws")
    add_role_users(root)
    with serve(Path(root)) as run:
        yield run


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "an admin adds it on the publishing accounts page"),
        ("fr", "un administrateur l’ajoute sur la page des comptes de publication"),
    ],
)
def test_the_calendar_tells_a_web_user_who_adds_a_publishing_account(
    running: Any, lang: str, said: str
) -> None:
    from veille.web.deps import SESSION_COOKIE

    cookies = {SESSION_COOKIE: running.session("analyst"), "veille_lang": lang}
    with httpx.Client(timeout=60, base_url=running.url, cookies=cookies) as client:
        page = client.get("/plan/calendar", headers={"Accept-Language": lang})
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert token, page.text[:300]
        at = to_come(datetime(2026, 12, 24, 9, 30))  # a time to come (a past one is refused)
        form = {"csrf_token": token.group(1), "account": "ghost", "at": f"{at:%Y-%m-%dT%H:%M}",
                "text": "hello", "title": "", "language": "en", "action": "save"}  # fmt: skip
        answer = client.post("/plan/calendar", data=form, headers={"Accept-Language": lang})
    text = html.unescape(answer.text)
    assert answer.status_code == 400, text[-1500:]
    assert said in text, text[-3000:]
    assert "(veille publish account add)" not in text
    assert '<a href="/plan/accounts">' in text  # the page itself, a link away


def _hint(exc: NotFound, where: str | None) -> str:
    assert exc.hint is not None
    return translated(exc.hint, lambda s: s, "en", where)


def test_user_and_token_hints_name_the_page_on_the_web_and_the_command_in_the_cli(
    running: Any,
) -> None:
    from veille.services import tokens, users
    from veille.workspace import Workspace

    with Workspace.open(running.root) as ws:
        with pytest.raises(NotFound) as user:
            users.set_role(ws.state, "ghost", "viewer")
        with pytest.raises(NotFound) as token:
            tokens.revoke_token(ws.state, 99999)
    assert _hint(user.value, "page") == "See /users."
    assert _hint(user.value, None) == "See veille user list."
    assert _hint(token.value, "page") == "See /settings for the ids."
    assert _hint(token.value, None) == "See veille token list for the ids."


@pytest.mark.parametrize(
    ("lang", "path", "said"),
    [
        ("fr", "/stream?sort=zz", "Conseil\u202f: choisissez newest, relevance"),
        ("fr", "/stream?since=zz", "Conseil\u202f: écrivez-la sous la forme AAAA-MM-JJ"),
        ("fr", "/?period=bogus", "Conseil\u202f: choisissez last-7d"),
        ("en", "/stream?sort=zz", "Hint: Use newest, relevance"),
    ],
)
def test_a_hint_after_its_colon_is_in_lower_case_in_french(
    running: Any, lang: str, path: str, said: str
) -> None:
    """« Conseil : Choisissez… »: a capital in mid-sentence after the colon,
    which French writes in lower case (a name keeps its own, i18n's
    after_colon); English keeps "Hint: Use"."""
    from veille.web.deps import SESSION_COOKIE

    cookies = {SESSION_COOKIE: running.session("analyst"), "veille_lang": lang}
    with httpx.Client(timeout=60, base_url=running.url, cookies=cookies) as client:
        answer = client.get(path)
    text = html.unescape(answer.text)
    assert answer.status_code == 400, text[-1500:]
    assert said in text, text[-3000:]
