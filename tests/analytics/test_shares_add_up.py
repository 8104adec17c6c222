"""A table of shares adds up to 100% as shown. Each share rounded half up on
its own made three thirds read 33% + 33% + 33% (99%) and 12.5% + 37.5% + 50%
read 13% + 38% + 50% (101%) in a report, on the dashboard, and 33.3% three
times (99.9%) in ``veille volume --by`` and ``veille sov``; they are now
rounded by largest remainder (34/33/33, 12/38/50, 33.4/33.3/33.3). JSON
keeps the exact shares."""

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

WEEK = "2026-03-09..2026-03-15"
NNBSP = "\u202f"
TOPICS = {"rss": "Lumio fibre", "mastodon": "Vexa panne", "bluesky": "Orbita réseau"}


def _rows() -> list[dict[str, Any]]:
    # The week: one post on each platform (a third each). The week before:
    # 1 on rss, 3 on mastodon, 4 on bluesky (12.5%, 37.5%, 50%); veille
    # holds it whole (its first post is older).
    posts = [("2026-02-20", "rss"), *((f"2026-03-1{i}", p) for i, p in enumerate(TOPICS))]
    posts += [("2026-03-02", "rss")] + [("2026-03-03", "mastodon")] * 3
    posts += [("2026-03-04", "bluesky")] * 4
    return [
        {"platform": platform, "id": f"p{n}", "author": f"a{n}", "text": TOPICS[platform],
         "published_at": f"{day}T10:00:00Z"}
        for n, (day, platform) in enumerate(posts)
    ]  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_once(
        tmp_path_factory.mktemp("made"), request.param, _rows(),
        ("topic", "add", "lumio", "lumio"), ("topic", "add", "vexa", "vexa"),
        ("topic", "add", "orbita", "orbita"),
    )  # fmt: skip


@pytest.fixture
def run(made: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., str]:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return copied_run(made, tmp_path)


def _column(table: str, keys: tuple[str, ...], at: int) -> list[str]:
    got = []
    for key in keys:
        line = next(row for row in table.splitlines() if f"│ {key} " in row)
        got.append(line.split("│")[1:-1][at].strip().replace(NNBSP, " ").replace("\xa0", " "))
    return got


@pytest.mark.parametrize(("lang", "point"), [("en", "."), ("fr", ",")])
def test_a_breakdowns_shares_add_up_to_100_as_shown(
    run: Callable[..., str], lang: str, point: str
) -> None:
    table = run("--language", lang, "volume", "--by", "platform", "--period", WEEK)
    pct = "%" if lang == "en" else " %"
    keys = ("Bluesky", "Mastodon", "RSS")  # named as the pages name them
    assert _column(table, keys, 2) == [f"33{point}4{pct}", f"33{point}3{pct}", f"33{point}3{pct}"]
    assert _column(table, keys, 4) == [f"50{point}0{pct}", f"37{point}5{pct}", f"12{point}5{pct}"]
    got = json.loads(run("volume", "--by", "platform", "--period", WEEK, "--format", "json"))
    assert sorted(r["share"] for r in got) == pytest.approx([1 / 3] * 3)  # exact in JSON


def test_share_of_voice_adds_up_to_100_as_shown(run: Callable[..., str]) -> None:
    args = ("sov", "-t", "lumio", "-t", "vexa", "-t", "orbita", "--period", WEEK)
    table = run(*args)
    shares = _column(table, ("lumio", "vexa", "orbita"), 2)
    assert sorted(shares) == ["33.3%", "33.3%", "33.4%"], table
    assert sorted(_column(table, ("lumio", "vexa", "orbita"), 3)) == ["12.5%", "37.5%", "50.0%"]
    got = json.loads(run(*args, "--format", "json"))
    assert [v["share"] for v in got] == pytest.approx([1 / 3] * 3)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_reports_table_of_platforms_adds_up_to_100(run: Callable[..., str], lang: str) -> None:
    run("report", "--period", WEEK, "--language", lang, "-o", "r.html")
    page = unescape(Path("r.html").read_text(encoding="utf-8"))
    rows = re.findall(
        r'<tr><td>(Bluesky|Mastodon|RSS)</td><td class="n">\d+</td><td class="n">([^<]+)</td>'
        r'<td class="n">([^<]+)</td>', page,
    )  # fmt: skip
    got = {name: (now.replace("\xa0", " ").replace(NNBSP, " "), before.replace("\xa0", " ")
                  .replace(NNBSP, " ")) for name, now, before in rows}  # fmt: skip
    pct = "%" if lang == "en" else " %"
    assert got == {
        "Bluesky": (f"34{pct}", f"50{pct}"),
        "Mastodon": (f"33{pct}", f"38{pct}"),
        "RSS": (f"33{pct}", f"12{pct}"),
    }, rows
    # The finding beside the table says what its rows say: "(33% each)" was
    # true of two of them, not of Bluesky's 34%.
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    said = {
        "en": "The largest shares of conversation are on Bluesky, Mastodon, and RSS "
        "(a third each).",
        "fr": "Les plus grandes parts de la conversation se tiennent sur Bluesky, Mastodon et RSS "
        "(un tiers chacune).",
    }
    assert said[lang] in text, text


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


def test_the_dashboards_share_of_voice_adds_up_to_100(site: Any) -> None:
    from veille.web.deps import SESSION_COOKIE

    page = httpx.get(
        site.url + "/", params={"period": WEEK},
        cookies={SESSION_COOKIE: site.session("viewer"), "veille_lang": "en"}, timeout=30,
    )  # fmt: skip
    assert page.status_code == 200, page.text
    sov = page.text[page.text.index('id="sov-title"') : page.text.index('class="cards"')]
    rows = re.findall(
        r'<th scope="row">(\w+)</th><td>\d+</td><td>([^<]*)</td><td>([^<]*)</td>', sov
    )
    assert sorted(now for _t, now, _b in rows) == ["33%", "33%", "34%"], sov
    assert sorted(before for _t, _n, before in rows) == ["12%", "38%", "50%"], sov
