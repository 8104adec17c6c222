"""Shares of a period before veille did not listen to all of. A share by
platform (or of voice) of the period before is a part of the posts of the
days veille holds: it stays, marked "*" with how many days those are
(``previous_held_days`` of ``previous_days`` in JSON), as the headline's
count is; where veille holds none of the period before, its figures read
"–", not 0. Until 2026-12-07 they were shown as the whole period's,
unmarked, on both backends.

The posts begin on Tuesday March 3 at 10:00 (UTC): veille holds 6 of the
7 days of the week before the week of March 9."""

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
FIRST = "2026-03-01..2026-03-07"  # veille holds none of the 7 days before it
NNBSP = "\u202f"
NOTE = {
    "en": "* The period before: veille holds only 6 of its 7 days (its posts begin later); "
    "its figures are of those days.",
    "fr": f"* La période précédente{NNBSP}: veille ne détient que 6 de ses 7 jours (ses "
    f"publications commencent plus tard){NNBSP}; ses chiffres sont ceux de ces jours-là.",
}


def _rows() -> list[dict[str, Any]]:
    posts = [
        ("03", "rss", "Lumio fibre"), ("05", "mastodon", "Vexa panne"),
        ("10", "rss", "Lumio fibre"), ("11", "rss", "Lumio fibre"),
        ("12", "mastodon", "Vexa panne"), ("16", "rss", "Lumio fibre"),
        ("17", "mastodon", "Vexa panne"),
    ]  # fmt: skip
    return [
        {"platform": platform, "id": f"p{d}", "author": "a", "text": text,
         "published_at": f"2026-03-{d}T10:00:00Z"}
        for d, platform, text in posts
    ]  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_once(
        tmp_path_factory.mktemp("made"), request.param, _rows(),
        ("topic", "add", "lumio", "lumio"), ("topic", "add", "vexa", "vexa"),
    )  # fmt: skip


@pytest.fixture
def run(made: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., str]:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return copied_run(made, tmp_path)


def _flat(text: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", text)


def _cells(table: str, first: str) -> list[str]:
    line = next(row for row in table.splitlines() if f"│ {first} " in row)
    return [c.strip() for c in line.split("│")[1:-1]]


@pytest.mark.parametrize(
    ("lang", "share", "before"), [("en", "66.7%", "50.0%*"), ("fr", "66,7 %", "50,0 %*")]
)
def test_a_breakdowns_previous_figures_are_marked_as_of_the_days_held(
    run: Callable[..., str], lang: str, share: str, before: str
) -> None:
    table = run("--language", lang, "volume", "--by", "platform", "--period", WEEK)
    # The week before: 1 post on rss, 1 on mastodon, in the 6 days held of 7
    # (the table names them as the pages do: RSS, Mastodon).
    got = [c.replace(NNBSP, " ").replace("\xa0", " ") for c in _cells(table, "RSS")[1:5]]
    assert got == ["2", share, "1*", before]
    assert NOTE[lang] in _flat(table)


def test_a_breakdowns_json_says_how_much_of_the_period_before_veille_holds(
    run: Callable[..., str],
) -> None:
    got = json.loads(run("volume", "--by", "platform", "--period", WEEK, "--format", "json"))
    assert {(r["key"], r["previous_held_days"], r["previous_days"]) for r in got} == {
        ("rss", 6, 7), ("mastodon", 6, 7)
    }  # fmt: skip
    after = json.loads(run("volume", "--by", "platform", "--period", AFTER, "--format", "json"))
    assert {(r["previous_held_days"], r["previous_days"]) for r in after} == {(None, None)}
    table = run("volume", "--by", "platform", "--period", AFTER)
    assert "*" not in table and "veille holds" not in table


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("en", "The period before: veille holds none of its 7 days (its posts begin later)."),
        ("fr", f"La période précédente{NNBSP}: veille ne détient aucun de ses 7 jours (ses "
               "publications commencent plus tard)."),
    ],
)  # fmt: skip
def test_a_breakdown_of_a_period_before_veille_holds_none_of_reads_no_figure(
    run: Callable[..., str], lang: str, note: str
) -> None:
    table = run("--language", lang, "volume", "--by", "platform", "--period", FIRST)
    assert _cells(table, "RSS")[3:5] == ["–", "–"]  # not "0"
    assert note in _flat(table)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_share_of_voice_marks_the_previous_shares_of_the_days_held(
    run: Callable[..., str], lang: str
) -> None:
    table = run("--language", lang, "sov", "--topic", "lumio", "--topic", "vexa", "--period", WEEK)
    assert _cells(table, "lumio")[3].endswith("%*")
    assert NOTE[lang] in _flat(table)
    got = json.loads(
        run("sov", "--topic", "lumio", "--topic", "vexa", "--period", WEEK, "--format", "json")
    )
    assert [(v["topic"], v["previous_share"], v["previous_held_days"], v["previous_days"])
            for v in got] == [("lumio", 0.5, 6, 7), ("vexa", 0.5, 6, 7)]  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_reports_tables_of_shares_say_the_days_held(run: Callable[..., str], lang: str) -> None:
    run("report", "--topic", "lumio", "--period", WEEK, "--language", lang, "-o", "r.html")
    page = Path("r.html").read_text(encoding="utf-8")
    text = _flat(unescape(re.sub(r"<[^>]+>", " ", page)))
    assert NOTE[lang] in text
    rss = re.search(r'<tr><td>RSS</td><td class="n">2</td><td class="n">[^<]+</td>'
                    r'<td class="n">([^<]+)</td>', page)  # fmt: skip
    assert rss is not None, page
    assert unescape(rss.group(1)).endswith("*")


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


def _api(site: Any, path: str, **params: Any) -> Any:
    return httpx.get(
        site.url + "/api/v1/analytics/" + path, params=params,
        headers={"Authorization": f"Bearer {site.tokens['viewer']}"}, timeout=30,
    ).json()  # fmt: skip


def test_the_api_says_how_much_of_the_period_before_its_shares_are_of(site: Any) -> None:
    got = _api(site, "breakdown", by="platform", period=WEEK)
    assert {(s["key"], s["previous_held_days"], s["previous_days"]) for s in got["shares"]} == {
        ("rss", 6, 7), ("mastodon", 6, 7)
    }  # fmt: skip
    sov = _api(site, "share-of-voice", topic=["lumio", "vexa"], period=WEEK)
    assert {(v["previous_held_days"], v["previous_days"]) for v in sov["voices"]} == {(6, 7)}
    after = _api(site, "breakdown", by="platform", period=AFTER)
    assert {(s["previous_held_days"], s["previous_days"]) for s in after["shares"]} == {
        (None, None)
    }


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_dashboards_share_of_voice_says_the_days_held(site: Any, lang: str) -> None:
    from veille.web.deps import SESSION_COOKIE

    page = httpx.get(
        site.url + "/", params={"period": WEEK},
        cookies={SESSION_COOKIE: site.session("viewer"), "veille_lang": lang}, timeout=30,
    )  # fmt: skip
    assert page.status_code == 200, page.text
    sov = page.text[page.text.index('id="sov-title"') : page.text.index('class="cards"')]
    lumio = re.search(r'<th scope="row">lumio</th>(?:<td>[^<]*</td>){2}<td>([^<]*)</td>', sov)
    assert lumio is not None, sov
    assert unescape(lumio.group(1)).endswith("*")
    assert NOTE[lang] in _flat(unescape(re.sub(r"<[^>]+>", " ", sov)))
