"""A headline change against a period before veille did not listen to all
of is no change. A demo workspace's posts begin on October 8; its report of
November, its dashboard card, ``veille volume`` and the API said "+68%"
against an October veille held 24 of the 31 days of. Each now gives no
change ("–", ``change: null``) and how many days of the period before veille
holds (``previous_held_days`` of ``previous_days``), on both backends.

The posts here begin on Tuesday March 3 at 10:00 (UTC): veille holds 6 of
the 7 days of the week before the week of March 9, whose 3 posts were "+50%"
against that week's 2."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.analytics.copied import copied_run, made_once
from tests.made import copy_workspace

WEEK = "2026-03-09..2026-03-15"  # veille holds 6 of the 7 days before it
AFTER = "2026-03-16..2026-03-22"  # the week before held whole
NNBSP = "\u202f"


def _rows() -> list[dict[str, Any]]:
    days = ["03", "05", "10", "11", "12", "16", "17"]
    return [
        {"platform": "rss", "id": f"p{d}", "author": "a", "text": "Lumio fibre",
         "published_at": f"2026-03-{d}T10:00:00Z"}
        for d in days
    ]  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_once(
        tmp_path_factory.mktemp("made"), request.param, _rows(), ("topic", "add", "lumio", "lumio")
    )


@pytest.fixture
def run(made: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., str]:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return copied_run(made, tmp_path)


def _flat(text: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", text)


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "3 posts in {p}; 2 the period before (no change: veille holds only 6 of its 7 "
               "days)"),
        ("fr", f"3 publications sur {{p}}{NNBSP}; 2 la période précédente (aucune "
               f"évolution{NNBSP}: veille ne détient que 6 de ses 7 jours)"),
    ],
)  # fmt: skip
def test_volume_gives_no_change_against_a_week_partly_held(
    run: Callable[..., str], lang: str, said: str
) -> None:
    table = _flat(run("--language", lang, "volume", "--topic", "lumio", "--period", WEEK))
    assert re.search(re.escape(said).replace(r"\{p\}", ".+?"), table), table
    assert "50" not in table.split("│")[-1]  # no "+50%" in the footer


def test_volume_json_says_why_the_change_is_null(run: Callable[..., str]) -> None:
    got = json.loads(run("volume", "--topic", "lumio", "--period", WEEK, "--format", "json"))
    assert (got["change"], got["previous_held_days"], got["previous_days"]) == (None, 6, 7)
    assert (got["volume"]["total"], got["volume"]["previous_total"]) == (3, 2)
    # The week after: the week before it held whole, its change a measure.
    after = json.loads(run("volume", "--topic", "lumio", "--period", AFTER, "--format", "json"))
    assert after["change"] == pytest.approx(2 / 3 - 1)
    assert (after["previous_held_days"], after["previous_days"]) == (None, None)


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("en", "* No change is given: veille holds only 6 of the 7 days of the period before "
               "(its posts begin later)."),
        ("fr", f"* Aucune évolution n’est donnée{NNBSP}: veille ne détient que 6 des 7 jours "
               "de la période précédente (ses publications commencent plus tard)."),
    ],
)  # fmt: skip
def test_the_reports_posts_figure_gives_no_change_and_says_why(
    run: Callable[..., str], lang: str, note: str
) -> None:
    run("report", "--topic", "lumio", "--period", WEEK, "--language", lang, "-o", "r.html")
    page = Path("r.html").read_text(encoding="utf-8")
    text = _flat(unescape(re.sub(r"<[^>]+>", " ", page)))
    assert "+50" not in text
    assert note in text
    posts = re.search(r'<div class="figure"><div>[^<]+</div>\s*<div class="v">3</div>\s*'
                      r'<div class="">\s*(.*?)\s*</div>', page, re.S)  # fmt: skip
    assert posts is not None, page
    assert unescape(posts.group(1)).startswith("–*")


def test_a_report_of_a_week_after_a_whole_one_gives_its_change(run: Callable[..., str]) -> None:
    run("report", "--topic", "lumio", "--period", AFTER, "--language", "en", "-o", "r.html")
    text = _flat(unescape(re.sub(r"<[^>]+>", " ", Path("r.html").read_text(encoding="utf-8"))))
    assert "No change is given" not in text
    assert "−33%" in text or "-33%" in text


# The daily "previous" of a day veille holds nothing of (March 2, the Monday
# before its first post) is not 0.


def _row(table: str, day: str) -> list[str]:
    line = next(row for row in table.splitlines() if f" {day} " in row)
    return [c.strip() for c in line.split("│")[1:-1]]


@pytest.mark.parametrize(
    ("lang", "monday", "tuesday"),
    [("en", "2026-03-09", "2026-03-10"), ("fr", "9 mars 2026", "10 mars 2026")],
)
def test_volume_shows_a_day_before_the_first_post_as_not_held(
    run: Callable[..., str], lang: str, monday: str, tuesday: str
) -> None:
    table = run("--language", lang, "volume", "--topic", "lumio", "--period", WEEK)
    # Monday 9 beside Monday 2: veille held nothing then; Tuesday 10 beside
    # Tuesday 3, its first post.
    assert _row(table, monday)[:3] == [monday, "0", "–"]
    assert _row(table, tuesday)[:3] == [tuesday, "1", "1"]
    got = json.loads(run("volume", "--topic", "lumio", "--period", WEEK, "--format", "json"))
    assert [p["previous"] for p in got["volume"]["points"]] == [None, 1, 0, 1, 0, 0, 0]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_reports_daily_table_shows_a_day_before_the_first_post_as_not_held(
    run: Callable[..., str], lang: str
) -> None:
    run("report", "--topic", "lumio", "--period", WEEK, "--language", lang, "-o", "r.html")
    page = Path("r.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="n">(\d+)</td>'
                      r'<td class="n">([^<]+)</td>', page)  # fmt: skip
    monday = "March 9, 2026" if lang == "en" else "9 mars 2026"
    assert [(unescape(d), n, unescape(b)) for d, n, b in rows[:2]] == [
        (monday, "0", "–"), (rows[1][0], "1", "1")
    ]  # fmt: skip


# The web app's, last: a process opens one chDB folder, the served one until the end.


@pytest.fixture(scope="module")
def site(made: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.web.server import add_role_users, serve

    root = tmp_path_factory.mktemp("site") / "ws"
    copy_workspace(made, root)
    tokens = add_role_users(root)
    with serve(root) as server:
        server.tokens = tokens
        yield server


def test_the_api_says_null_and_why(site: Any) -> None:
    got = httpx.get(
        site.url + "/api/v1/analytics/volume",
        params={"topic": "lumio", "period": WEEK},
        headers={"Authorization": f"Bearer {site.tokens['viewer']}"},
        timeout=30,
    ).json()
    assert (got["total"], got["previous_total"]) == (3, 2)
    assert (got["change"], got["previous_held_days"], got["previous_days"]) == (None, 6, 7)


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("en", "No change is given: veille holds only 6 of the 7 days of the period before "
               "(its posts begin later)."),
        ("fr", f"Aucune évolution n’est donnée{NNBSP}: veille ne détient que 6 des 7 jours "
               "de la période précédente (ses publications commencent plus tard)."),
    ],
)  # fmt: skip
def test_the_dashboard_card_gives_no_change_and_says_why(site: Any, lang: str, title: str) -> None:
    from veille.web.deps import SESSION_COOKIE

    page = httpx.get(
        site.url + "/", params={"period": WEEK},
        cookies={SESSION_COOKIE: site.session("viewer"), "veille_lang": lang}, timeout=30,
    )  # fmt: skip
    assert page.status_code == 200, page.text
    card = page.text[page.text.index('class="card topic-card"') :]
    posts = re.search(r"<dd>3 <span class=\"change\"( title=\"[^\"]*\")?>\((.*?)\)</span>", card)
    assert posts is not None, card[:2000]
    assert unescape(posts.group(2)) == "–"
    assert unescape(posts.group(1) or "") == f' title="{title}"'


def test_the_api_says_null_for_a_day_before_the_first_post(site: Any) -> None:
    got = httpx.get(
        site.url + "/api/v1/analytics/volume",
        params={"topic": "lumio", "period": WEEK},
        headers={"Authorization": f"Bearer {site.tokens['viewer']}"},
        timeout=30,
    ).json()
    assert [p["previous"] for p in got["points"]] == [None, 1, 0, 1, 0, 0, 0]


def test_the_dashboard_cards_table_shows_a_day_before_the_first_post_as_not_held(
    site: Any,
) -> None:
    from veille.web.deps import SESSION_COOKIE

    page = httpx.get(
        site.url + "/", params={"period": WEEK},
        cookies={SESSION_COOKIE: site.session("viewer"), "veille_lang": "fr"}, timeout=30,
    )  # fmt: skip
    rows = re.findall(r'<tr><th scope="row"[^>]*>([^<]+)</th><td>(\d+)</td><td>([^<]+)</td></tr>',
                      page.text)  # fmt: skip
    assert [(unescape(b)) for _d, _n, b in rows[:2]] == ["–", "1"], page.text[:3000]
