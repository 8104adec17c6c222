"""What a new user reads on the listening pages, in English and in French,
over the live server: the refusals and sentences of the topics, stream and
settings pages say what is true, with French typography."""

from __future__ import annotations

import html

import httpx

from tests.web.conftest import Served, csrf_from, do_login

NNBSP = "\u202f"


def test_a_refused_topic_name_says_which_signs_it_may_hold_in_french_quotes(
    live_server: Served,
) -> None:
    """The French hint quoted the signs a name may hold in English quotes
    ('-', '_' ou '.') beside the form's own « - », « _ » ou « . »."""
    with httpx.Client(base_url=live_server.url, timeout=60, cookies={"veille_lang": "fr"}) as c:
        assert do_login(c, "analyst").status_code == 303
        token = csrf_from(c.get("/topics/new").text)
        page = c.post(
            "/topics/new", data={"csrf_token": token, "name": "Mon sujet!", "query": "lumio"}
        )
    assert page.status_code == 400, page.text[:2000]
    said = html.unescape(page.text)
    assert "Mon sujet!" in said  # what was typed is kept
    q = lambda sign: f"«{NNBSP}{sign}{NNBSP}»"  # noqa: E731
    assert f"utilisez des lettres, chiffres, {q('-')}, {q('_')} ou {q('.')}" in said
    assert "'-'" not in said
