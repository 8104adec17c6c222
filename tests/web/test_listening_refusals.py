"""What the listening pages answer a new user who asked for what cannot be
shown: the page again with the error, and the status saying it (400), as
trends and reports already answered."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import make_post
from tests.web.conftest import Served, do_login
from veille.models import Author

NNBSP = "\u202f"


def test_a_bad_query_or_an_unknown_topic_is_refused_on_every_listening_page(
    live_server: Served,
) -> None:
    """``/stream`` answered 200 for a query it could not read, and
    ``/stream``, ``/influencers`` and ``/trends`` 200 for a topic that does
    not exist, where ``/reports`` answered 400 and 404: a script or a monitor
    took the refusal for a page."""
    refused = {
        "/stream?q=%22unclosed": 400, "/trends?query=%22unclosed": 400,
        "/stream?topic=nope": 404, "/influencers?topic=nope": 404,
        "/trends?topic=nope": 404, "/reports?topic=nope": 404,
    }  # fmt: skip
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        assert do_login(c, "viewer").status_code == 303
        for path, status in refused.items():
            page = c.get(path)
            assert page.status_code == status, (path, page.status_code)
            assert "error-message" in page.text or "query-error" in page.text, path


def test_influencers_of_all_posts_are_not_said_to_post_on_topic(live_server: Served) -> None:
    """With no topic nor query chosen ("All posts"), each account's "Why"
    read "100% of their posts on topic": there is no topic to be on."""
    post = make_post("allp1", "Lumio fibre all week", author=Author("yan"),
                     published_at=datetime.now(UTC) - timedelta(days=2))  # fmt: skip
    with live_server.workspace() as ws:
        ws.store.upsert_posts([post])
    said = {
        "en": ("of their posts on topic", "on 1 post, PageRank", "on 1 matching post, 100%"),
        "fr": (
            "de ses publications sur le sujet",
            "sur 1 publication, PageRank",
            "sur 1 publication pertinente, 100",
        ),
    }
    for lang, (on_topic, all_posts, matching) in said.items():
        with httpx.Client(base_url=live_server.url, timeout=60, cookies={"veille_lang": lang}) as c:
            assert do_login(c, "viewer").status_code == 303
            everything = html.unescape(c.get("/influencers").text)
            queried = html.unescape(c.get("/influencers", params={"query": "lumio"}).text)
        assert "@yan" in everything, everything[:3000]
        assert on_topic not in everything, lang
        assert all_posts in everything, lang
        # A query chosen: the posts matching it are still said to be on topic.
        assert matching in queried and on_topic in queried, lang


def test_an_unknown_topic_offers_to_create_one_only_to_who_may(live_server: Served) -> None:
    """A viewer asking a listening page for a topic that does not exist was
    told "create one with: /topics/new", a page that refuses them; only an
    analyst or more is offered it now (as the empty dashboard's link)."""
    pages = ("/stream?topic=nope", "/influencers?topic=nope", "/trends?topic=nope",
             "/reports?topic=nope")  # fmt: skip
    for role, offered in (("viewer", False), ("analyst", True)):
        for lang, known in (("en", "known topics: "), ("fr", f"sujets connus{NNBSP}: ")):
            cookies = {"veille_lang": lang}
            with httpx.Client(base_url=live_server.url, timeout=60, cookies=cookies) as c:
                assert do_login(c, role).status_code == 303
                for path in pages:
                    page = html.unescape(c.get(path).text)
                    assert known in page, (role, lang, path, page[:3000])
                    said = ("create one with", "créez-en un")
                    assert any(s in page for s in said) is offered, (role, lang, path)
                    assert ('href="/topics/new"' in page) is offered, (role, lang, path)
