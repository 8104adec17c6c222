"""A post without an author is nobody's, and an unknown follower count is not 0.

An import row with no author (a feed entry, a deleted account) was stored
under the handle ``unknown``: it was counted as one author, listed among the
top authors, and could be named "the most influential voice". It is now
stored with an empty handle and left out of every per-author figure (author
count, top authors, influencers, the report's findings), on both backends and
on every path they answer from (rollups for whole days, posts at a period's
edges, a scan for a query, SQLite's column copy), while it still counts in the
volume. A real account named ``unknown`` stays an author like any other.

Top authors' followers read ``–`` (``null`` in JSON) where none of their
posts gave a count (Bluesky here, a feed), and 0 only where a post said 0.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.conftest import local, make_post
from tests.analytics.copied import copied_run, made_once
from veille.analytics.scope import Period, Scope
from veille.analytics.tops import AuthorRow, author_count, top_authors
from veille.records import post_from_record

WEEK = "2026-03-23..2026-03-29"
EDGES = "2026-03-23T05:00..2026-03-29T20:00"  # partial days at either end


def _rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        # Six posts without an author: more than anybody's.
        {"platform": "rss", "id": f"n{i}", "text": "lumio fibre panne", "likes": 20,
         "published_at": f"2026-03-2{3 + i % 4}T10:00:00Z"}
        for i in range(6)
    ]  # fmt: skip
    rows += [
        {"platform": "mastodon", "id": "a1", "text": "lumio super", "author": "alice",
         "followers": 50, "likes": 3, "published_at": "2026-03-24T10:00:00Z"},
        # Bluesky gives no follower count here: unknown, not 0.
        {"platform": "bluesky", "id": "b1", "text": "lumio bof", "author": "bob",
         "published_at": "2026-03-25T10:00:00Z"},
        # A count of 0 that the platform gave.
        {"platform": "mastodon", "id": "z1", "text": "lumio", "author": "zed",
         "followers": 0, "published_at": "2026-03-26T10:00:00Z"},
        # A real account whose name is "unknown".
        {"platform": "reddit", "id": "u1", "text": "lumio", "author": "unknown",
         "followers": 10, "published_at": "2026-03-26T11:00:00Z"},
    ]  # fmt: skip
    return rows


EXPECTED = {
    ("mastodon", "alice"): 50,
    ("bluesky", "bob"): None,
    ("mastodon", "zed"): 0,
    ("reddit", "unknown"): 10,
}


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_once(
        tmp_path_factory.mktemp("made"), request.param, _rows(), ("topic", "add", "lumio", "lumio")
    )


@pytest.fixture
def run(made: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """``veille`` in a workspace holding :func:`_rows`, its posts in SQLite or chDB."""
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return copied_run(made, tmp_path)


@pytest.mark.parametrize("period", [WEEK, EDGES], ids=["whole-days", "edges"])
@pytest.mark.parametrize(
    "query", [[], ["-q", "lumio"], ["-t", "lumio"]], ids=["rollup", "scan", "topic"]
)
def test_top_authors_leave_out_posts_without_an_author(
    run: Any, period: str, query: list[str]
) -> None:
    got = json.loads(run("top", "authors", "--period", period, "--format", "json", *query))
    assert {(r["platform"], r["handle"]): r["followers"] for r in got} == EXPECTED
    table = run("top", "authors", "--period", period, *query)
    bob = next(line for line in table.splitlines() if " bob " in line)
    assert bob.split("│")[-2].strip() == "–"  # unknown, not 0
    zed = next(line for line in table.splitlines() if " zed " in line)
    assert zed.split("│")[-2].strip() == "0"


def test_the_report_counts_no_placeholder_author(run: Any, tmp_path: Path) -> None:
    run("report", "--period", WEEK, "-o", str(tmp_path / "r.html"))
    text = unescape(re.sub(r"<[^>]+>", " ", (tmp_path / "r.html").read_text()))
    text = " ".join(text.split())
    assert "Authors 4" in text  # alice, bob, zed and the account named unknown
    assert "Posts 10" in text  # the posts without an author still count
    voice = re.search(r"The most influential voice was (\S+) \(([^)]*)\)", text)
    assert voice is not None and "RSS" not in voice.group(2), voice
    found = json.loads(run("influencers", "--period", WEEK, "--format", "json"))
    assert sorted(i["handle"] for i in found) == ["alice", "bob", "unknown", "zed"]


def test_an_import_row_without_an_author_has_none() -> None:
    post = post_from_record({"platform": "rss", "text": "x", "published_at": "2026-03-23"})
    assert post.author.handle == ""
    # Its id is the one it had when the placeholder was stored.
    before = post_from_record(
        {"platform": "rss", "text": "x", "published_at": "2026-03-23", "author": "unknown"}
    )
    assert post.id == before.id


def test_the_column_copy_leaves_them_out_too(tmp_path: Path) -> None:
    from veille.store.sqlite import SQLiteStore

    store = SQLiteStore.open(tmp_path / "t.db")
    store.upsert_posts(
        [make_post(f"n{i}", "2026-03-24T10:00", handle="", followers=None) for i in range(3)]
        + [make_post("a", "2026-03-24T11:00", handle="alice", followers=None)]
    )
    period = Period(local("2026-03-23T00:00"), local("2026-03-30T00:00"))
    store.keep_columns()
    try:
        scope = Scope(scan=True)
        assert top_authors(store, scope, period) == [
            AuthorRow("mastodon", "alice", None, 1, 0, None)
        ]
        assert author_count(store, scope, period) == 1
        assert store.headline_figures(scope, [period])[0]["authors"] == 1
    finally:
        store.drop_columns()
        store.close()
