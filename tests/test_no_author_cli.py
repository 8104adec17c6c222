"""A post without an author (an empty handle, see ``veille.models.Author``)
through the CLI: terminal tables and the inbox say "author unknown" (they
showed an empty cell, a bare "@" and "parent: @:"), while JSON, CSV and
exports keep the empty handle as data; an export imports back author-less
(never as ``unknown``), and a pseudonymized export gives it no pseudonym (it
made up a person who wrote every author-less post)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veille.cli import build_app

ROWS = [
    {"platform": "mastodon", "id": "n1", "text": "zorblax panne", "likes": 9,
     "published_at": "2026-11-30T10:00:00Z"},
    {"platform": "mastodon", "id": "a1", "text": "zorblax ok", "author": "alice", "likes": 1,
     "published_at": "2026-11-30T11:00:00Z", "parent_id": "n1"},
    {"platform": "rss", "id": "r1", "title": "Zorblax", "text": "zorblax news",
     "author": {"handle": "", "followers": None}, "published_at": "2026-11-30T12:00:00Z"},
]  # fmt: skip
PERIOD = ("--period", "2026-11-01..2026-12-31")

Run = Callable[..., str]


def _runner(root: Path) -> Run:
    app = build_app()

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, [*args, "-w", str(root)])
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.stdout

    return run


def _workspace(tmp_path: Path, name: str, rows: list[dict[str, object]] | None = None) -> Run:
    CliRunner().invoke(build_app(), ["init", str(tmp_path / name)])
    run = _runner(tmp_path / name)
    run("topic", "add", "zorblax", "zorblax", "--inbox")
    src = tmp_path / f"{name}.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows or ROWS), encoding="utf-8")
    run("import", str(src), "--no-enrich")
    return run


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return _workspace(tmp_path, "ws")


def test_tables_say_author_unknown_and_data_keeps_it_empty(run: Run) -> None:
    table = run("search", "zorblax")
    assert table.count("author unknown") == 2 and "alice" in table
    assert {
        r["author"]
        for r in map(json.loads, run("search", "zorblax", "--format", "jsonl").splitlines())
    } == {"", "alice"}
    top = run("top", "posts", *PERIOD)
    assert top.count("author unknown") == 2
    assert {r["author"] for r in json.loads(run("top", "posts", *PERIOD, "--format", "json"))} == {
        "",
        "alice",
    }


def test_inbox_says_author_unknown(run: Run) -> None:
    listed = run("inbox", "list")
    assert listed.count("author unknown") == 2
    items = {r["post_id"]: r["id"] for r in json.loads(run("inbox", "list", "--format", "json"))}
    shown = run("inbox", "show", str(items["mastodon:n1"]))
    assert shown.splitlines()[0].endswith("· author unknown")
    assert "reply: @alice: zorblax ok" in shown
    answer = run("inbox", "show", str(items["mastodon:a1"]))
    assert "parent: author unknown: zorblax panne" in answer and "@:" not in answer
    assert (
        json.loads(run("inbox", "show", str(items["mastodon:n1"]), "--format", "json"))["author"]
        == ""
    )


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_imports_back_without_an_author(run: Run, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    run("export", "--format", fmt, "-o", str(out))
    again = _runner(tmp_path / "ws2")
    CliRunner().invoke(build_app(), ["init", str(tmp_path / "ws2")])
    again("import", str(out), "--no-enrich")
    back = again("export", "--format", "csv")
    authors = {r["id"]: r["author"] for r in csv.DictReader(io.StringIO(back))}
    assert authors == {"n1": "", "a1": "alice", "r1": ""}
    # author:unknown names an account, never a post without an author (docs/query.md).
    assert again("search", "author:unknown", "--format", "jsonl") == ""
    assert {
        json.loads(r)["id"]
        for r in again("search", "zorblax -author:alice", "--format", "jsonl").splitlines()
    } == {"mastodon:n1", "rss:r1"}
    top = json.loads(again("top", "authors", *PERIOD, "--format", "json"))
    assert [a["handle"] for a in top] == ["alice"]  # no author "unknown"


def test_pseudonymized_export_makes_up_no_author(run: Run) -> None:
    rows = [json.loads(line) for line in run("export", "--pseudonymize").splitlines()]
    authors = sorted(r["author"] for r in rows)
    assert authors[:2] == ["", ""] and authors[2].startswith("a-"), authors


def test_erasing_an_empty_author_is_refused(run: Run, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        build_app(), ["privacy", "erase", "--author", "", "--yes", "-w", str(tmp_path / "ws")]
    )
    assert result.exit_code == 2 and "--author is empty" in result.output
    assert run("search", "zorblax").count("author unknown") == 2  # nothing erased


def test_copies_table_says_author_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    CliRunner().invoke(build_app(), ["init", str(tmp_path / "e")])
    run = _runner(tmp_path / "e")
    src = tmp_path / "e.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    run("import", str(src))  # enriched: each post is a story of its own at least
    assert "author unknown" in run("copies", "mastodon:n1")
    assert json.loads(run("copies", "mastodon:n1", "--format", "json"))["copies"][0]["author"] == ""


def test_top_posts_say_an_unknown_reach_is_unknown(run: Run) -> None:
    """A post whose author's follower count no platform gave (here, none of
    the three) has no known reach: "–" in the table, null in JSON, not 0."""
    rows = json.loads(run("top", "posts", *PERIOD, "--format", "json"))
    assert [r["reach"] for r in rows] == [None, None, None]
    # The feed's post gave no interaction count either (stored 0): unknown too.
    assert [r["engagement"] for r in rows] == [9, 1, None]
    assert run("top", "posts", *PERIOD).count("–") == 3 + 1
