"""Authors with as many posts (or as much engagement, or as many followers)
come in the same order on every surface and store: the one engaged with the
most, then the one read by the most, then by handle whatever its case.

Before, ``veille top authors`` and the dashboard's "Most active" broke a tie
by handle as stored, capital letters first: ``Carl`` (no like) and ``Mia``
before ``bob`` (9 likes, 50 followers), and a blog whose feed gives no count
before an account whose posts got 9 likes.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

WEEK = "2026-03-23..2026-03-29"
# Two posts each, the week studied: (handle, platform, likes of each post
# (None: its platform gave no count), followers).
AUTHORS = (
    ("Zoe", "mastodon", 1, 5),
    ("alice", "mastodon", 9, 5),
    ("bob", "mastodon", 9, 50),
    ("Carl", "bluesky", 0, 0),
    ("dan", "rss", None, None),
    ("max", "mastodon", 3, 7),
    ("Mia", "mastodon", 3, 7),
)
BY_POSTS = ["bob", "alice", "max", "Mia", "Zoe", "Carl", "dan"]


def _posts() -> list[Any]:
    from tests.conftest import make_post
    from veille.models import Author, Engagement

    posts = []
    for n, (handle, platform, likes, followers) in enumerate(AUTHORS):
        for i in range(2):
            posts.append(
                make_post(
                    f"{handle}{i}", "Lumio et la fibre", platform=platform,
                    published_at=datetime(2026, 3, 24 + i, 8 + n, tzinfo=UTC),
                    author=Author(handle, followers=followers),
                    engagement=Engagement(given=False) if likes is None
                    else Engagement(likes=likes // 2 + (likes % 2 if i else 0)),
                )
            )  # fmt: skip
    return posts


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made_root(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from veille.workspace import Workspace, init_workspace

    ws = tmp_path_factory.mktemp("author-ties") / "ws"
    if request.param == "chdb":
        pytest.importorskip("chdb")
        ws.mkdir()
        (ws / "veille.toml").write_text('[store]\nposts = "chdb:///posts.chdb"\n', encoding="utf-8")
    init_workspace(ws)
    with Workspace.open(ws) as opened:
        opened.posts.upsert_posts(_posts())
    _cli("topic", "add", "lumio", "lumio", "-w", str(ws))
    return ws


@pytest.fixture
def root(made_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return Path(shutil.copytree(made_root, tmp_path / "ws", symlinks=True))


def _cli(*args: str) -> str:
    from typer.testing import CliRunner

    from veille.cli import build_app

    result = CliRunner().invoke(build_app(), list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


# The whole workspace, a saved topic (their rollups), a query of words (the posts).
SCOPES = ((), ("--topic", "lumio"), ("--query", "lumio"))


def _handles(root: Path, *args: str) -> list[str]:
    out = _cli("top", "authors", "--period", WEEK, "--format", "json", "-w", str(root), *args)
    return [r["handle"] for r in json.loads(out)]


def test_authors_with_as_many_posts_rank_by_engagement_reach_then_handle(root: Path) -> None:
    for scope in SCOPES:
        assert _handles(root, *scope) == BY_POSTS, scope
        # Cut to three, the three best of the tie, not the first three by name.
        assert _handles(root, "--limit", "3", *scope) == BY_POSTS[:3], scope


def test_ties_in_engagement_and_followers_break_the_same_way(root: Path) -> None:
    for scope in SCOPES:
        # 9 likes each: bob has more followers; 3 each, as many followers: by handle.
        assert _handles(root, "--by", "engagement", *scope)[:4] == BY_POSTS[:4], scope
        # 5 followers each: alice has more engagement; 7 each: max before Mia.
        assert _handles(root, "--by", "followers", *scope) == [
            "bob", "max", "Mia", "alice", "Zoe", "Carl", "dan"
        ], scope  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_table_reads_in_the_same_order(root: Path, lang: str) -> None:
    out = _cli("--language", lang, "top", "authors", "--period", WEEK, "-w", str(root))
    at = [out.index(f"@{h}") if f"@{h}" in out else out.index(h) for h in BY_POSTS]
    assert at == sorted(at), out


INFLUENCERS = ["bob", "dan", "alice", "max", "Mia", "Zoe", "Carl"]


def test_influencers_tied_in_score_rank_by_handle_whatever_its_case(root: Path) -> None:
    # max and Mia: as many posts, likes and followers, the same score.
    out = _cli("influencers", "--period", WEEK, "--format", "json", "-w", str(root))
    assert [r["handle"] for r in json.loads(out)] == INFLUENCERS


@pytest.mark.parametrize(("lang", "title"), [("en", "Influencers"), ("fr", "Influenceurs")])
def test_the_report_lists_its_influencers_in_that_order(root: Path, lang: str, title: str) -> None:
    import re

    from veille.analytics.report import render_report
    from veille.analytics.scope import parse_period
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        html, _pdf = render_report(
            ws, topic=None, period=parse_period(WEEK, timezone="UTC"), lang=lang, pdf=False
        )
    text = re.sub(r"<[^>]+>", " ", html[html.index(title) :])
    at = [re.search(rf"\s{h}\s", text) for h in INFLUENCERS]
    assert all(at) and [m.start() for m in at if m] == sorted(m.start() for m in at if m)
