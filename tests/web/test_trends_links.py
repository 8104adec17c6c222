"""A rising term on the trends page leads to the posts it was counted in:
the period's days and the query asked, as the page names them. Its link
led to the stream of every post ever stored with the term, whatever the
period and the query (a term rising this week listed months of it, and
the other brands' posts too)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import make_post
from tests.web.conftest import Served, add_role_users, do_login, serve
from veille.models import Author
from veille.pipeline.ingest import build_pipeline
from veille.workspace import Workspace, init_workspace

PLACES = ("Gatineau", "Montreal", "Laval", "Quebec", "Sherbrooke", "Longueuil")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = init_workspace(tmp_path_factory.mktemp("web") / "ws")
    now = datetime.now(UTC)
    # This week: six Lumio outages (the rising term) and one at Vexa; long
    # before the four weeks the trend compares with: an old Lumio outage.
    posts = [
        make_post(f"new{n}", f"Lumio blackout again in {place}, day {n} of waiting",
                  author=Author(f"user{n}"), lang="en",
                  published_at=now - timedelta(days=1, hours=n))
        for n, place in enumerate(PLACES)
    ]  # fmt: skip
    posts += [
        make_post("vexa", "Vexa blackout downtown, support silent", lang="en",
                  author=Author("other"), published_at=now - timedelta(days=2)),
        make_post("old", "Lumio blackout last winter, remember it", lang="en",
                  author=Author("elder"), published_at=now - timedelta(days=90)),
    ]  # fmt: skip
    with Workspace.open(root) as ws:
        build_pipeline(ws, skip=("enrich",)).ingest(posts)
    add_role_users(root)
    app, server = serve(root)
    try:
        yield app
    finally:
        server.stop()


def _term_link(page: str, term: str) -> str:
    links = dict(
        (html.unescape(text).strip(), html.unescape(href))
        for href, text in re.findall(r'<th scope="row"><a href="([^"]+)">(.*?)</a></th>', page)
    )
    assert term in links, links
    return links[term]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_rising_terms_link_lists_the_posts_of_that_period_and_query(
    served: Served, lang: str
) -> None:
    with httpx.Client(base_url=served.url, timeout=60, cookies={"veille_lang": lang}) as client:
        assert do_login(client, "viewer").status_code == 303
        page = client.get("/trends", params={"query": "lumio", "period": "last-7d"})
        assert page.status_code == 200, page.text[:2000]
        # The page names the days it counts, as the dashboard does.
        said = {"en": "Figures over whole days: ", "fr": "Chiffres sur des jours entiers\u202f: "}
        assert said[lang] in html.unescape(page.text)
        stream = client.get(_term_link(page.text, "blackout"))
    assert stream.status_code == 200, stream.text[:2000]
    # (The matched words are marked: the text read without its tags.)
    shown = html.unescape(re.sub(r"<[^>]+>", "", stream.text))
    # The six posts the term was counted in, and neither Vexa's (another
    # query) nor last winter's (another period).
    assert shown.count("Lumio blackout again in") == 6
    assert "support silent" not in shown
    assert "remember it" not in shown
