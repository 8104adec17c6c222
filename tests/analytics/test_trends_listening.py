"""Trending terms measured against periods before veille listened to all of.
Where veille holds none of the periods before, a term rose from "0.0%" on
the trends page and in ``veille trends``, as if nobody had said it then: its
share before is now unknown ("–", ``null``) and the page says why; where it
holds part of them, the share before is marked "*" with the days held
(``baseline_held_days`` of ``baseline_days`` in JSON), on both backends.

The posts begin on Tuesday March 3 at 10:00 (UTC): veille holds 6 of the
28 days of the 4 weeks before the week of March 9, none of the 4 weeks
before March 1."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.analytics.copied import copied_run, made_once

WEEK = "2026-03-09..2026-03-15"  # veille holds 6 of the 28 days of the 4 weeks before
FIRST = "2026-03-01..2026-03-07"  # veille holds none of the 28 days before
NNBSP = "\u202f"
PART = {
    "en": "* Before: veille holds only 6 of the 28 days of the periods before (its posts begin "
    "later); its shares are of those days.",
    "fr": f"* Avant{NNBSP}: veille ne détient que 6 des 28 jours des périodes précédentes (ses "
    f"publications commencent plus tard){NNBSP}; ses parts sont celles de ces jours-là.",
}
NONE = {
    "en": "Before: veille holds none of the 28 days of the periods before (its posts begin "
    "later); no term is measured against them.",
    "fr": f"Avant{NNBSP}: veille ne détient aucun des 28 jours des périodes précédentes (ses "
    f"publications commencent plus tard){NNBSP}; aucun terme ne s’y mesure.",
}


def _rows() -> list[dict[str, Any]]:
    posts = [
        ("03", "Lumio ouvre un magasin rue Principale"),
        ("05", "Lumio fibre annoncée hier soir"),
        ("06", "Lumio encore en retard pour les factures"),
        ("10", "Lumio fibre arrive à Gatineau"),
        ("11", "La fibre de Lumio est lente ce matin à Laval"),
        ("12", "Nouvelle offre fibre chez Lumio pour Montréal"),
    ]
    return [
        {"platform": "rss", "id": f"p{d}", "author": f"a{d}", "text": text,
         "published_at": f"2026-03-{d}T10:00:00Z"}
        for d, text in posts
    ]  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_once(tmp_path_factory.mktemp("made"), request.param, _rows())


@pytest.fixture
def run(made: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., str]:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return copied_run(made, tmp_path)


def _flat(text: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", text)


def _cells(table: str, first: str) -> list[str]:
    line = next(row for row in table.splitlines() if f"│ {first} " in row)
    return [c.strip().replace(NNBSP, " ").replace("\xa0", " ") for c in line.split("│")[1:-1]]


@pytest.mark.parametrize(("lang", "before"), [("en", "33.3%*"), ("fr", "33,3 %*")])
def test_trends_mark_a_share_before_of_the_days_veille_holds(
    run: Callable[..., str], lang: str, before: str
) -> None:
    table = run("--language", lang, "trends", "--period", WEEK)
    assert _cells(table, "fibre")[4] == before
    assert PART[lang] in _flat(table)
    got = json.loads(run("trends", "--period", WEEK, "--format", "json"))
    fibre = next(t for t in got if t["term"] == "fibre")
    assert (fibre["baseline_held_days"], fibre["baseline_days"]) == (6, 28)
    assert fibre["baseline_share"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_trends_give_no_share_before_where_veille_holds_none_of_it(
    run: Callable[..., str], lang: str
) -> None:
    table = run("--language", lang, "trends", "--period", FIRST)
    assert _cells(table, "lumio")[4] == "–"  # not "0.0%"
    assert NONE[lang] in _flat(table)
    got = json.loads(run("trends", "--period", FIRST, "--format", "json"))
    lumio = next(t for t in got if t["term"] == "lumio")
    assert (lumio["baseline_share"], lumio["baseline_held_days"], lumio["baseline_days"]) == (
        None, 0, 28
    )  # fmt: skip


# The trends page offers the periods up to today only: a workspace of its own,
# whose first post is 10 days old. Its last 7 days are measured against 28
# days, of which veille holds 3; its last 30 days against 120 it holds none of.


def test_the_trends_page_says_how_much_of_the_periods_before_veille_holds(
    tmp_path: Path,
) -> None:
    from tests.conftest import make_post
    from tests.web.conftest import add_role_users, do_login, serve
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")  # UTC
    add_role_users(root)
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    texts = [(10, "Lumio fibre annoncée hier soir"), (9, "Lumio ouvre un magasin"),
             (8, "Lumio encore en retard pour les factures"),
             (5, "Lumio fibre arrive à Gatineau"), (4, "La fibre de Lumio est lente à Laval"),
             (3, "Nouvelle offre fibre chez Lumio pour Montréal")]  # fmt: skip
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(
            [make_post(f"p{d}", text, published_at=today - timedelta(days=d)) for d, text in texts]
        )
    served, server = serve(root)
    part = {"en": PART["en"].replace("6 of the 28", "3 of the 28"),
            "fr": PART["fr"].replace("6 des 28", "3 des 28")}  # fmt: skip
    none = {lang: said.replace("28 jours", "120 jours").replace("28 days", "120 days")
            for lang, said in NONE.items()}  # fmt: skip
    try:
        for lang in ("en", "fr"):
            with httpx.Client(base_url=served.url, timeout=60, cookies={"veille_lang": lang}) as c:
                assert do_login(c, "viewer").status_code == 303
                for period, note, before in (("last-7d", part, "*"), ("last-30d", none, "–")):
                    page = c.get("/trends", params={"period": period})
                    assert page.status_code == 200, page.text
                    cells = re.findall(
                        r"</a></th><td>\d+</td><td>[^<]*</td><td>([^<]*)</td></tr>", page.text
                    )
                    assert cells and all(unescape(c).endswith(before) for c in cells), page.text
                    text = _flat(unescape(re.sub(r"<[^>]+>", " ", page.text)))
                    assert note[lang] in text, (lang, period)
    finally:
        server.stop()
