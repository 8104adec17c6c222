"""Top authors, stories and hashtags say unknown where no post gave a count,
and a true 0 where the platform said 0; unknown ranks after every known value.

Before, they read an unknown count as 0: a blog (a feed gives no like,
share, reply or follower count) ranked beside an account nobody liked, and
``veille top`` then printed both as unknown (any 0 was taken as unknown).
The headline's coverage ("on 3 of 6 posts") counted every post of a platform
where some post gave counts, rather than the posts that gave them.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest

WEEK = "2026-03-23..2026-03-29"


def _posts() -> list[Any]:
    from tests.conftest import make_post
    from veille.models import Author, Engagement

    def at(day: int, hour: int) -> datetime:
        return datetime(2026, 3, day, hour, tzinfo=UTC)

    unknown = Engagement(given=False)
    quiet = Engagement(likes=0)
    return [
        # A blog read through its feed: no count of any kind; one story of two copies.
        *(make_post(f"b{i}", "Lumio et la fibre #fibre", platform="rss",
                    published_at=at(24, 10 + i), author=Author("blog"), engagement=unknown,
                    hashtags=("fibre",), links=("https://blog.example/a",), cluster_id="feed")
          for i in range(2)),
        # An account nobody follows and nobody answered: counts given, all 0.
        *(make_post(f"q{i}", "Lumio annonce #lumio", platform="bluesky",
                    published_at=at(25, 9 + i), author=Author("lumio", followers=0),
                    engagement=quiet, hashtags=("lumio",), links=("https://lumio.example/a",),
                    cluster_id="quiet")
          for i in range(2)),
        make_post("m0", "Lumio panne #panne", platform="mastodon", published_at=at(25, 12),
                  author=Author("claire", followers=10), engagement=Engagement(likes=5, shares=1),
                  hashtags=("panne",)),
        # A Mastodon post imported from a sheet without counts: unknown, though
        # its platform counts.
        make_post("m1", "Lumio encore", platform="mastodon", published_at=at(26, 12),
                  author=Author("anon"), engagement=unknown),
    ]  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made_root(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace every test reads, made once a module for each store
    (migrations, posts, the topic) and copied for each test: its posts
    store's path is relative to the workspace, so a copy is whole."""
    from veille.workspace import Workspace, init_workspace

    ws = tmp_path_factory.mktemp("unknown-tops") / "ws"
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
    # symlinks=True: chDB links its tables' folders by relative links, which
    # a copy must keep as links (copied as folders, chDB refuses to open).
    return Path(shutil.copytree(made_root, tmp_path / "ws", symlinks=True))


def _cli(*args: str) -> str:
    from typer.testing import CliRunner

    from veille.cli import build_app

    result = CliRunner().invoke(build_app(), list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def _top(root: Path, kind: str, *args: str) -> list[dict[str, Any]]:
    out = _cli("top", kind, "--period", WEEK, "--format", "json", "-w", str(root), *args)
    found: list[dict[str, Any]] = json.loads(out)
    return found


# The whole workspace (its rollups), a saved topic, a query of words (the posts).
SCOPES = ((), ("--topic", "lumio"), ("--query", "lumio"))


def test_top_authors_say_unknown_engagement_and_rank_it_last(root: Path) -> None:
    for scope in SCOPES:
        rows = _top(root, "authors", "--by", "engagement", *scope)
        got = [(r["handle"], r["engagement"], r["followers"]) for r in rows]
        assert got == [
            ("claire", 6, 10), ("lumio", 0, 0), ("blog", None, None), ("anon", None, None)
        ], scope  # fmt: skip
        rows = _top(root, "authors", "--by", "followers", *scope)
        assert [r["handle"] for r in rows] == ["claire", "lumio", "blog", "anon"], scope


def test_a_known_0_is_not_cut_for_an_unknown(root: Path) -> None:
    """Two authors by engagement: the quiet account, not the blog whose 0 the
    rollups hold for a count never given (it came first by name)."""
    for scope in SCOPES:
        for by in ("engagement", "followers"):
            rows = _top(root, "authors", "--by", by, "--limit", "2", *scope)
            assert [r["handle"] for r in rows] == ["claire", "lumio"], (scope, by)


def test_a_known_0_domain_is_not_cut_for_an_unknown(root: Path) -> None:
    """Of two domains held by as many posts, the one whose posts gave 0
    interactions, not the feed's whose 0 the rollup holds for a count never
    given (it came first by name)."""
    for scope in SCOPES:
        rows = _top(root, "domains", "--limit", "1", *scope)
        assert [(r["value"], r["posts"], r["engagement"]) for r in rows] == [
            ("lumio.example", 2, 0)
        ], scope


def test_top_stories_say_unknown_reach_and_engagement(root: Path) -> None:
    for scope in SCOPES:
        for by in ("reach", "engagement"):
            rows = _top(root, "stories", "--by", by, *scope)
            got = [(r["story"], r["posts"], r["reach"], r["engagement"]) for r in rows]
            assert got == [
                ("mastodon:m0", 1, 10, 6), ("quiet", 2, 0, 0), ("feed", 2, None, None),
                ("mastodon:m1", 1, None, None),
            ], (scope, by)  # fmt: skip


def test_top_hashtags_say_unknown_engagement(root: Path) -> None:
    for scope in SCOPES:
        rows = _top(root, "hashtags", *scope)
        got = [(r["value"], r["posts"], r["engagement"]) for r in rows]
        # Of two tags held by as many posts, the known 0 before the unknown.
        assert got == [("lumio", 2, 0), ("fibre", 2, None), ("panne", 1, 6)], scope


def test_top_authors_table_prints_unknown_and_0(root: Path) -> None:
    out = _cli("top", "authors", "--by", "engagement", "--period", WEEK, "-w", str(root))
    cells = {
        row[1]: (row[4], row[5])
        for line in out.splitlines()
        if len(row := [c.strip() for c in line.split("\u2502")[1:-1]]) == 6
    }
    assert cells == {
        "claire": ("6", "10"), "lumio": ("0", "0"), "blog": ("\u2013", "\u2013"),
        "anon": ("\u2013", "\u2013"),
    }, out  # fmt: skip


def test_influencers_say_unknown_interactions_of_a_feed(root: Path) -> None:
    """Posts imported without a source share one (none): the blog's and the
    sheet's posts read "interactions unknown", the quiet account 0, though a
    post of that same source gave counts."""
    for scope in SCOPES:
        out = _cli(
            "influencers", "--period", WEEK, "--format", "json", "-w", str(root), *scope
        )  # fmt: skip
        got = {r["handle"]: r["engagement"] for r in json.loads(out)}
        assert got == {"claire": 6, "lumio": 0, "blog": None, "anon": None}, scope


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_report_covers_the_posts_that_gave_counts(root: Path, tmp_path: Path) -> None:
    """The headline's engagement covers the 3 posts that gave counts, not the
    4 of the platforms where some did (the imported Mastodon post gave none);
    the story of a feed reads "–", that of the quiet account 0."""
    out = tmp_path / "r.html"
    _cli("report", "--period", WEEK, "-o", str(out), "-w", str(root))
    text = _text(out.read_text(encoding="utf-8"))
    assert "Engagement 6 " in text
    assert "on 3 of 6 posts" in text, text
    assert "on 4 of 6 posts" not in text, text
    assert "Lumio annonce #lumio 2 0 Bluesky" in text, text
    assert "Lumio et la fibre #fibre 2 – RSS" in text, text


def test_the_dashboard_covers_the_posts_that_gave_counts(root: Path) -> None:
    from fastapi.testclient import TestClient

    from tests.web.conftest import add_role_users, do_login
    from veille.web.app import create_app

    add_role_users(root)
    app = create_app(root)
    with TestClient(app) as client:
        do_login(client, "viewer")
        page = client.get("/", params={"period": WEEK})
    assert page.status_code == 200, page.text
    assert "on 3 of 6 posts" in _text(page.text), _text(page.text)


def test_the_column_copy_of_a_dashboard_process_says_the_same(root: Path) -> None:
    """A process that keeps the column copy (the web app) answers a query's
    top lists from it: the same unknowns, 0s and order as from the posts."""
    from veille.analytics import tops
    from veille.analytics.scope import parse_period
    from veille.analytics.topics import query_scope
    from veille.store.sqlite import SQLiteStore
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        store = ws.store
        if not isinstance(ws.posts, SQLiteStore):
            pytest.skip("the column copy is SQLite's")
        period = parse_period(WEEK)
        scope = query_scope(store, "lumio")

        def lists() -> list[Any]:
            return [
                *([p.id for p in tops.top_posts(store, scope, period, by=by, limit=n)]
                  for by in ("engagement", "reach") for n in (2, 10)),
                *(tops.top_authors(store, scope, period, by=by, limit=n)
                  for by in ("engagement", "followers") for n in (2, 10)),
                *(tops.top_entities(store, scope, period, kind, limit=n)
                  for kind in ("hashtags", "domains") for n in (1, 10)),
                *([(s.key, s.reach, s.engagement)
                   for s in tops.stories(store, scope, period, by=by)]
                  for by in ("reach", "engagement")),
            ]  # fmt: skip

        plain = lists()
        assert ws.posts.keep_columns() is not None
        copy = ws.posts.analytics_copy()
        assert copy.select(ws.posts.conn, scope.during(period)) is not None  # read from it
        assert lists() == plain
        assert plain[0] == ["mastodon:m0", "bluesky:q1"]
        assert [a.handle for a in plain[4]] == ["claire", "lumio"]
        assert plain[-1] == [
            ("mastodon:m0", 10, 6), ("quiet", 0, 0), ("feed", None, None),
            ("mastodon:m1", None, None),
        ]  # fmt: skip


def test_top_posts_rank_a_known_0_before_an_unknown(root: Path) -> None:
    """The quiet account's posts (0 given) come before the feed's and the
    imported post's (none given), though these are newer; cut at two, the
    list keeps a known 0, not the newest unknown."""
    for scope in SCOPES:
        for by in ("engagement", "reach"):
            rows = _top(root, "posts", "--by", by, *scope)
            got = [(r["id"], r["engagement"], r["reach"]) for r in rows]
            assert got == [
                ("mastodon:m0", 6, 10), ("bluesky:q1", 0, 0), ("bluesky:q0", 0, 0),
                ("mastodon:m1", None, None), ("rss:b1", None, None), ("rss:b0", None, None),
            ], (scope, by)  # fmt: skip
            rows = _top(root, "posts", "--by", by, "--limit", "2", *scope)
            assert [r["id"] for r in rows] == ["mastodon:m0", "bluesky:q1"], (scope, by)
