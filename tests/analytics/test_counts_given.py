"""Each post records whether its platform gave its like, share and reply
counts, so a real 0 reads 0 and a count never given reads unknown.

The rule before read a sum of 0 as unknown: a Bluesky account that posted
but earned nothing this week read "–" as a blog's feed does, and a
spreadsheet imported with ``likes`` at 0 read as one without the column. Now
a sum over posts none of which gave counts is unknown (``null``, "–"); one
over posts that did is their true sum, 0 included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.analytics.conftest import imported_workspace
from tests.analytics.copied import copied_run, made_once

WEEK = "2026-03-23..2026-03-29"


def _rows() -> list[dict[str, Any]]:
    blog = [
        {"platform": "rss", "id": f"b{i}", "author": "blog", "text": "Lumio et la fibre",
         "published_at": f"2026-03-2{3 + i}T10:00:00Z"}
        for i in range(2)
    ]  # fmt: skip
    # A platform that counts, and gave 0: nobody liked, shared or answered.
    quiet = [
        {"platform": "bluesky", "id": f"q{i}", "author": "lumio", "text": "Lumio annonce",
         "published_at": f"2026-03-2{4 + i}T09:00:00Z", "likes": 0, "shares": 0, "replies": 0}
        for i in range(2)
    ]  # fmt: skip
    counted = [
        {"platform": "mastodon", "id": "m0", "author": "claire", "text": "Lumio panne",
         "published_at": "2026-03-25T09:00:00Z", "likes": 5, "shares": 1}
    ]  # fmt: skip
    return [*blog, *quiet, *counted]


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_once(tmp_path_factory.mktemp("made"), request.param, _rows())


@pytest.fixture
def run(made: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return copied_run(made, tmp_path)


def test_a_platform_that_counted_nothing_reads_0_beside_a_feed_unknown(run: Any) -> None:
    data = json.loads(run("volume", "--by", "platform", "--period", WEEK, "--format", "json"))
    got = {r["key"]: (r["posts"], r["engagement"]) for r in data}
    assert got == {"rss": (2, None), "bluesky": (2, 0), "mastodon": (1, 6)}
    found = json.loads(run("search", "lumio", "--format", "json"))
    assert {r["id"]: r["engagement"] for r in found} == {
        "rss:b0": None, "rss:b1": None, "bluesky:q0": 0, "bluesky:q1": 0, "mastodon:m0": 6
    }  # fmt: skip
    posts = json.loads(run("top", "posts", "--period", WEEK, "--limit", "5", "--format", "json"))
    assert sorted(p["engagement"] for p in posts if p["engagement"] is not None) == [0, 0, 6]


def test_the_platform_alone_that_counted_nothing_reads_0(run: Any) -> None:
    """The headline of the quiet account alone: 0, not "–"."""
    data = json.loads(
        run(
            "volume", "--by", "platform", "--platform", "bluesky", "--period", WEEK,
            "--format", "json",
        )
    )  # fmt: skip
    assert [(r["key"], r["engagement"]) for r in data] == [("bluesky", 0)]
    feed = json.loads(
        run("volume", "--by", "platform", "--platform", "rss", "--period", WEEK, "--format", "json")
    )
    assert [(r["key"], r["engagement"]) for r in feed] == [("rss", None)]


def _cli(*args: str) -> str:
    from typer.testing import CliRunner

    from veille.cli import build_app

    result = CliRunner().invoke(build_app(), list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_an_export_imported_again_keeps_unknown_and_zero(run: Any, tmp_path: Path) -> None:
    """Exported, a feed's counts are empty and a 0 is 0; imported into a new
    workspace, they read as they did."""
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"all.{fmt}"
        run("export", "-o", str(out), "--format", fmt)
        text = out.read_text(encoding="utf-8")
        if fmt == "jsonl":
            records = {r["id"]: r for r in map(json.loads, text.splitlines())}
            assert (records["b0"]["likes"], records["q0"]["likes"]) == (None, 0)
        ws = str(tmp_path / f"again-{fmt}")
        _cli("init", ws)
        _cli("import", str(out), "-w", ws, "--no-enrich")
        data = json.loads(
            _cli("volume", "--by", "platform", "--period", WEEK, "--format", "json", "-w", ws)
        )
        got = {r["key"]: r["engagement"] for r in data}
        assert got == {"rss": None, "bluesky": 0, "mastodon": 6}, fmt


def test_a_csv_with_empty_counts_is_unknown_and_0_is_0(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    run = imported_workspace("sqlite", tmp_path, [])
    src = tmp_path / "sheet.csv"
    src.write_text(
        "platform,id,author,text,published_at,likes,shares,replies\n"
        "facebook,e1,page,Lumio sans chiffres,2026-03-24T10:00:00Z,,,\n"
        "linkedin,z1,page,Lumio à zéro,2026-03-24T11:00:00Z,0,0,0\n",
        encoding="utf-8",
    )
    run("import", str(src), "--no-enrich")
    data = json.loads(run("volume", "--by", "platform", "--period", WEEK, "--format", "json"))
    assert {r["key"]: r["engagement"] for r in data} == {"facebook": None, "linkedin": 0}


@pytest.fixture
def site(tmp_path: Path) -> Any:
    from tests.conftest import make_post
    from tests.web.server import add_role_users, serve
    from veille.models import Author, Engagement
    from veille.records import parse_time
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    tokens = add_role_users(root)
    posts = [
        make_post(
            r["id"], r["text"], platform=r["platform"], published_at=parse_time(r["published_at"]),
            author=Author(r["author"]),
            engagement=Engagement(likes=r["likes"], shares=r.get("shares", 0))
            if "likes" in r else Engagement(given=False),
        )
        for r in _rows()
    ]  # fmt: skip
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(posts)
    with serve(root) as server:
        server.tokens = tokens
        yield server


def test_the_api_says_0_where_counted_and_null_where_not(site: Any) -> None:
    auth = {"Authorization": f"Bearer {site.tokens['viewer']}"}
    got = httpx.get(
        site.url + "/api/v1/analytics/breakdown",
        params={"by": "platform", "period": WEEK}, headers=auth, timeout=30,
    )  # fmt: skip
    assert got.status_code == 200, got.text
    rows = {r["key"]: r["engagement"] for r in got.json()["shares"]}
    assert rows == {"rss": None, "bluesky": 0, "mastodon": 6}
    found = httpx.get(site.url + "/api/v1/posts", params={"q": "lumio"}, headers=auth, timeout=30)
    assert found.status_code == 200, found.text
    likes = {p["id"]: p["engagement"]["likes"] for p in found.json()["items"]}
    assert likes == {"rss:b0": None, "rss:b1": None, "bluesky:q0": 0, "bluesky:q1": 0,
                     "mastodon:m0": 5}  # fmt: skip
