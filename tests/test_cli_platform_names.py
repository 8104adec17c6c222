"""The CLI's tables name platforms as the web pages do (Hacker News, X,
YouTube), where they printed the codes a script reads (hackernews, x,
youtube); CSV and JSON keep the codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veille.cli import build_app

ROWS = [
    {"platform": "hackernews", "id": "h1", "text": "zorblax on the front page", "author": "pg",
     "published_at": "2026-11-30T10:00:00Z", "likes": 3},
    {"platform": "x", "id": "x1", "text": "zorblax again", "author": "jack", "likes": 5,
     "published_at": "2026-11-30T11:00:00Z", "parent_id": "h1"},
    {"platform": "youtube", "id": "y1", "text": "zorblax review", "author": "mkbhd", "likes": 9,
     "published_at": "2026-11-30T12:00:00Z"},
]  # fmt: skip
PERIOD = ("--period", "2026-11-01..2026-12-31")
NAMES = ("Hacker News", "X", "YouTube")

Run = Callable[..., str]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    root = tmp_path / "ws"
    app = build_app()
    CliRunner().invoke(app, ["init", str(root)])

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, [*args, "-w", str(root)])
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.stdout

    run("topic", "add", "zorblax", "zorblax", "--inbox")
    src = tmp_path / "posts.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    run("import", str(src), "--no-enrich")
    return run


def _cells(table: str) -> list[list[str]]:
    """A rich table's cells, row by row (a cell wrapped onto a second line
    is a row of its own, the others empty)."""
    return [
        [c.strip() for c in line.strip()[1:-1].split("│" if "│" in line else "┃")]
        for line in table.splitlines()
        if "│" in line or "┃" in line
    ]


def _column(table: str, head: str) -> list[str]:
    head_row, *rows = _cells(table)
    at = head_row.index(head)
    return [r[at] for r in rows if r[at]]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_analytics_tables_name_platforms(run: Run, lang: str) -> None:
    said = ("--language", lang)
    platforms, heads = ("platforms", "platform") if lang == "en" else ("plateformes", "plateforme")
    shown = _column(run(*said, "influencers", *PERIOD, "-q", "zorblax"), platforms)
    assert sorted(shown) == sorted(NAMES), shown
    shown = _column(run(*said, "top", "authors", *PERIOD), heads)
    assert sorted(shown) == sorted(NAMES), shown
    shown = _column(run(*said, "volume", "--by", "platform", *PERIOD), heads)
    assert sorted(shown) == sorted(NAMES), shown


def test_json_keeps_the_codes(run: Run) -> None:
    codes = ["hackernews", "x", "youtube"]
    found = json.loads(run("influencers", *PERIOD, "-q", "zorblax", "--format", "json"))
    assert sorted(p for i in found for p in i["platforms"]) == codes
    found = json.loads(run("top", "authors", *PERIOD, "--format", "json"))
    assert sorted(a["platform"] for a in found) == codes
    found = json.loads(run("volume", "--by", "platform", *PERIOD, "--format", "json"))
    assert sorted(s["key"] for s in found) == codes
    found = json.loads(run("inbox", "list", "--format", "json"))
    assert sorted(r["platform"] for r in found) == codes


def test_the_inbox_and_stats_name_platforms(run: Run) -> None:
    shown = _column(run("inbox", "list"), "platform")
    assert sorted(shown) == sorted(NAMES), shown
    items = {r["post_id"]: r["id"] for r in json.loads(run("inbox", "list", "--format", "json"))}
    first = run("inbox", "show", str(items["hackernews:h1"])).splitlines()[0]
    assert " · Hacker News · @pg" in first, first
    stats = run("stats")
    assert "Hacker News" in stats and "YouTube" in stats and "hackernews" not in stats, stats
