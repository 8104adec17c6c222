"""Share of voice over a period with nothing to share is unknown, not 0%.

0 posts out of 0 made every topic's share 0.0% in ``veille sov``, the API and
the dashboard, while the plan's share-of-voice KPI said "not measurable". A
share is now "–" (``null`` in JSON) where the compared topics together have
no post (or, for the engagement share, no engagement; for the previous share,
no post in the period before), on both backends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.analytics.copied import copied_run, made_once

EMPTY = "2026-01-05..2026-01-11"  # nothing posted then, nor the week before
WEEK = "2026-03-23..2026-03-29"  # posts, no engagement, nothing the week before
QUERIES = ["-q", "Lumio=lumio", "-q", "Vexa=vexa"]


def _rows() -> list[dict[str, Any]]:
    return [
        {"platform": "rss", "id": f"p{i}", "author": "a", "text": t,
         "published_at": f"2026-03-2{3 + i}T10:00:00Z"}
        for i, t in enumerate(["lumio fibre", "lumio panne", "vexa offre"])
    ]  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_once(tmp_path_factory.mktemp("made"), request.param, _rows())


@pytest.fixture
def run(made: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return copied_run(made, tmp_path)


def _cells(table: str, topic: str) -> list[str]:
    line = next(row for row in table.splitlines() if f" {topic} " in row)
    return [c.strip() for c in line.split("│")[1:-1]]


def test_sov_of_an_empty_period_is_unknown(run: Any) -> None:
    data = json.loads(run("sov", *QUERIES, "--period", EMPTY, "--format", "json"))
    assert [(v["posts"], v["share"], v["previous_share"], v["engagement_share"]) for v in data] == [
        (0, None, None, None)
    ] * 2
    table = run("sov", *QUERIES, "--period", EMPTY)
    assert _cells(table, "Lumio") == ["Lumio", "0", "–", "–", "–"]
    assert "0.0%" not in table


def test_each_share_is_unknown_only_where_it_divides_nothing(run: Any) -> None:
    data = json.loads(run("sov", *QUERIES, "--period", WEEK, "--format", "json"))
    got = {v["topic"]: (v["share"], v["previous_share"], v["engagement_share"]) for v in data}
    assert got == {"Lumio": (pytest.approx(2 / 3), None, None),
                   "Vexa": (pytest.approx(1 / 3), None, None)}  # fmt: skip
    assert _cells(run("sov", *QUERIES, "--period", WEEK), "Vexa") == [
        "Vexa", "1", "33.3%", "–", "–"
    ]  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.conftest import make_post
    from tests.web.server import add_role_users, serve
    from veille.query.topics import add_topic
    from veille.records import parse_time
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("sov")) / "ws")
    tokens = add_role_users(root)
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(
            [make_post(r["id"], r["text"], published_at=parse_time(r["published_at"]))
             for r in _rows()]
        )  # fmt: skip
        add_topic(ws.state, "lumio", "lumio")
        add_topic(ws.state, "vexa", "vexa")
    with serve(root) as server:
        server.tokens = tokens
        yield server


def test_the_api_says_null(site: Any) -> None:
    headers = {"Authorization": f"Bearer {site.tokens['viewer']}"}
    got = httpx.get(
        site.url + "/api/v1/analytics/share-of-voice",
        params=[("topic", "lumio"), ("topic", "vexa"), ("period", EMPTY)],
        headers=headers,
        timeout=30,
    ).json()
    assert [(v["share"], v["previous_share"], v["engagement_share"]) for v in got["voices"]] == [
        (None, None, None)
    ] * 2


def test_the_dashboard_shows_a_dash(site: Any) -> None:
    from veille.web.deps import SESSION_COOKIE

    page = httpx.get(
        site.url + "/", params={"period": EMPTY},
        cookies={SESSION_COOKIE: site.session("viewer")}, timeout=30,
    )  # fmt: skip
    assert page.status_code == 200, page.text
    rows = re.findall(r'<tr><th scope="row">(lumio|vexa)</th>(.*?)</tr>', page.text)
    assert len(rows) == 2, page.text
    for _topic, cells in rows:
        assert re.findall(r"<td>(.*?)</td>", cells) == ["0", "–", "–"]
