"""Engagement and reach a platform never gave read "–" (``null``), not 0.

A blog read through its feed gives no like, share or reply count and no
follower count; veille stores 0 for them, and the report's platform table,
its headline, ``veille volume --by platform`` and the API said "0" where the
truth is "not known" (a press officer reads "0 interactions on our blog" as
a failure). A sum over a mix now says how many posts it covers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.analytics.copied import copied_run, made_once
from tests.analytics.test_report_reading import _Tables

WEEK = "2026-03-23..2026-03-29"


def _rows() -> list[dict[str, Any]]:
    blog = [
        {"platform": "rss", "id": f"b{i}", "author": "blog", "text": "Lumio et la fibre",
         "published_at": f"2026-03-2{3 + i}T10:00:00Z"}
        for i in range(3)
    ]  # fmt: skip
    counted = [
        {"platform": "mastodon", "id": f"m{i}", "author": "claire", "text": "Lumio panne",
         "published_at": f"2026-03-2{4 + i}T09:00:00Z", "likes": 5 + i, "shares": 1,
         "followers": 200}
        for i in range(2)
    ]  # fmt: skip
    return [*blog, *counted]


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_once(tmp_path_factory.mktemp("made"), request.param, _rows())


@pytest.fixture
def run(made: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return copied_run(made, tmp_path)


def _cells(table: str, key: str) -> list[str]:
    line = next(row for row in table.splitlines() if f" {key} " in row)
    return [c.strip() for c in line.split("│")[1:-1]]


def test_the_platform_table_tells_unknown_from_zero(run: Any) -> None:
    data = json.loads(run("volume", "--by", "platform", "--period", WEEK, "--format", "json"))
    got = {r["key"]: (r["posts"], r["engagement"], r["reach"]) for r in data}
    # mastodon: (5 + 1) + (6 + 1) interactions, 200 followers twice.
    assert got == {"rss": (3, None, None), "mastodon": (2, 13, 400)}
    table = run("volume", "--by", "platform", "--period", WEEK)  # named as the pages name them
    assert _cells(table, "RSS")[-1] == "–"
    assert _cells(table, "Mastodon")[-1] == "13"


def test_top_lists_tell_unknown_from_zero(run: Any) -> None:
    authors = json.loads(run("top", "authors", "--period", WEEK, "--format", "json"))
    got = {a["handle"]: (a["engagement"], a["followers"]) for a in authors}
    assert got == {"blog": (None, None), "claire": (13, 200)}
    table = run("top", "authors", "--period", WEEK)
    assert _cells(table, "blog")[-2:] == ["–", "–"]
    posts = json.loads(
        run(
            "top",
            "posts",
            "--period",
            WEEK,
            "--by",
            "engagement",
            "--limit",
            "5",
            "--format",
            "json",
        )
    )
    assert sorted((p["engagement"] is None, p["reach"] is None) for p in posts) == [
        (False, False), (False, False), (True, True), (True, True), (True, True)
    ]  # fmt: skip


def test_search_tells_unknown_from_zero(run: Any) -> None:
    found = json.loads(run("search", "lumio", "--format", "json"))
    got = {r["id"]: r["engagement"] for r in found}
    assert got == {"rss:b0": None, "rss:b1": None, "rss:b2": None,
                   "mastodon:m0": 6, "mastodon:m1": 7}  # fmt: skip
    table = run("search", "lumio", "--platform", "rss")
    assert table.count("│ – ") == 3, table


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_report_says_what_its_engagement_covers(run: Any, lang: str) -> None:
    run("report", "-q", "lumio", "--period", WEEK, "--language", lang, "-o", "r.html")
    html = unescape(Path("r.html").read_text(encoding="utf-8"))
    parser = _Tables()
    parser.feed(html)
    head = "Platforms" if lang == "en" else "Plateformes"
    platforms = next(rows for _c, rows in parser.tables if rows and rows[0][0] == head)
    rows = {r[0]: r for r in platforms}
    blog = "RSS" if "RSS" in rows else "rss"
    assert rows[blog][-1] == "–"
    assert rows["Mastodon"][-1] == "13"
    # Top posts (by engagement) and top stories (by reach): the blog's read "–".
    for first in ("Date, platform, author", "Date, plateforme, auteur"), ("Story", "Histoire"):
        table = next(rows for _c, rows in parser.tables if rows and rows[0][0] in first)
        figures = sorted(r[2] for r in table[1:])
        assert figures[-1] == "–" and "0" not in figures, table
    if lang == "en":
        assert "on 2 of 5 posts (those that gave interaction counts)" in html
        assert "on 2 of 5 posts (those that gave a follower count)" in html
    else:
        assert "sur 2 des 5 publications (celles qui ont donné leur nombre d’interactions)" in html
        assert "sur 2 des 5 publications (celles qui ont donné un nombre d’abonnés)" in html


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.conftest import make_post
    from tests.web.server import add_role_users, serve
    from veille.models import Author, Engagement
    from veille.query.topics import add_topic
    from veille.records import parse_time
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("unknown")) / "ws")
    tokens = add_role_users(root)
    posts = [
        make_post(
            r["id"], r["text"], platform=r["platform"], published_at=parse_time(r["published_at"]),
            author=Author(r["author"], followers=r.get("followers")),
            # The blog's posts gave no counts (a feed), as its source says.
            engagement=Engagement(likes=r["likes"], shares=r["shares"])
            if "likes" in r else Engagement(given=False),
        )
        for r in _rows()
    ]  # fmt: skip
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(posts)
        add_topic(ws.state, "lumio", "lumio")
        add_topic(ws.state, "fibre", "fibre")  # the blog's posts alone
    with serve(root) as server:
        server.tokens = tokens
        yield server


def test_the_api_breakdown_says_null(site: Any) -> None:
    got = httpx.get(
        site.url + "/api/v1/analytics/breakdown",
        params={"by": "platform", "period": WEEK},
        headers={"Authorization": f"Bearer {site.tokens['viewer']}"},
        timeout=30,
    )
    assert got.status_code == 200, got.text
    rows = {r["key"]: (r["engagement"], r["reach"]) for r in got.json()["shares"]}
    assert rows == {"rss": (None, None), "mastodon": (13, 400)}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_dashboard_says_what_engagement_covers(site: Any, lang: str) -> None:
    from veille.web.deps import SESSION_COOKIE
    from veille.web.i18n import LANG_COOKIE

    page = httpx.get(
        site.url + "/", params={"period": WEEK},
        cookies={SESSION_COOKIE: site.session("viewer"), LANG_COOKIE: lang}, timeout=30,
    )  # fmt: skip
    assert page.status_code == 200, page.text
    text = unescape(page.text)
    cards = {
        name: card
        for name, card in re.findall(
            r'<h2 id="topic-\d+"><a [^>]*>(\w+)</a></h2>(.*?)</dl>', text, re.S
        )
    }
    word = "Engagement" if lang == "en" else "Interactions"
    engagement = {
        name: re.sub(r"<[^>]+>", "", re.search(rf"<dt>{word}</dt><dd>(.*?)</dd>", c, re.S)[1])
        for name, c in cards.items()
    }
    covers = (
        "on 2 of 5 posts (those that gave interaction counts)"
        if lang == "en"
        else "sur 2 des 5 publications (celles qui ont donné leur nombre d’interactions)"
    )
    assert engagement == {"fibre": "–", "lumio": f"13 {covers}"}
