"""A count KPI over days veille holds no post for: the figure says which days
it covers, and a window veille had collected nothing for is not drawn as 0
(``veille plan kpis`` in its own process, figures against a recount)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from veille.models import Author, Post
from veille.plan.kpis import add_kpi
from veille.query.topics import add_topic
from veille.workspace import Workspace, init_workspace


def daily_lumio(now: datetime, *, days: int, hour_back: int) -> list[Post]:
    """One "lumio" post by ana a day for the last ``days`` days, each
    ``hour_back`` hours before ``now``'s time of day."""
    return [
        Post.create(
            platform="mastodon",
            native_id=str(n),
            text="lumio",
            published_at=now - timedelta(days=n, hours=hour_back),
            author=Author(handle="ana"),
        )
        for n in range(days)
    ]


def kpis(root: Path, *args: str) -> list[dict[str, object]]:
    command = [sys.executable, "-m", "veille", "plan", "kpis", "--format=json", "--history"]
    done = subprocess.run(
        [*command, *args, "-w", str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
        check=True,
    )
    found: list[dict[str, object]] = json.loads(done.stdout)
    return found


def test_a_count_over_days_veille_did_not_listen_says_so(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    empty = init_workspace(tmp_path / "empty")
    with Workspace.open(empty) as ws:
        add_topic(ws.store, "lumio", "lumio")
        add_kpi(ws, "volume", "mentions", 100, topic="lumio")
    # Nothing collected yet: no figure, and what to do.
    (k,) = kpis(empty)
    assert k["value"] is None and k["status"] == "not_measurable"
    assert "collect first" in str(k["reason"]) and k["history"] == []
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        # veille started listening 10 days ago (one lumio post a day since).
        ws.store.upsert_posts(daily_lumio(now, days=10, hour_back=20))
        add_topic(ws.store, "lumio", "lumio")
        add_kpi(ws, "volume", "mentions", 100, topic="lumio")
    (k,) = kpis(root)
    assert k["value"] == 10  # the recount: one post on each of the 10 days
    assert "It counts only 10 of the 30 days: veille holds posts from" in str(k["reason"])
    # The seven earlier months held nothing veille had collected: not zeros.
    assert [h["value"] for h in k["history"]] == [10.0]  # type: ignore[index]
    (k,) = kpis(root, "--lang", "fr")
    assert "Ce chiffre ne compte que 10 des 30 jours\u202f: veille n’a de publications" in str(
        k["reason"]
    )


def test_progress_is_not_measured_from_a_baseline_that_counted_part_of_its_period(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        # One lumio post a day for the last 20 days: a steady conversation.
        ws.store.upsert_posts(daily_lumio(now, days=20, hour_back=12))
        add_topic(ws.store, "lumio", "lumio")
        # Set 10 days ago, its 30-day baseline counted the 10 days veille held.
        kpi = add_kpi(
            ws,
            "volume",
            "mentions",
            25,
            topic="lumio",
            deadline=(now + timedelta(days=20)).date(),
            now=now - timedelta(days=10),
        )
        assert kpi.baseline == 10
    (k,) = kpis(root)
    assert k["value"] == 20  # the recount: the 20 posts of the last 30 days
    # From 10 to 20 would read "67% of the way" to 25: growth that is only the
    # baseline's missing days. The reason says so instead.
    reason = str(k["reason"])
    assert "the baseline (10) counted only 10 of the 30 days" in reason
    assert "of the way" not in reason
    (k,) = kpis(root, "--lang", "fr")
    assert "la base (10) ne comptait que 10 des 30 jours" in str(k["reason"])


def test_the_kpis_of_a_page_read_when_the_posts_begin_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan page's KPIs, each with its history of earlier windows, ask
    when veille's posts begin once between them: each window of each count
    read it again (a read of the oldest post: half a second at 1M posts in
    ClickHouse, some forty of them a page). The figures and reasons are the
    same."""
    from veille.plan.status import reports

    now = datetime.now(UTC)
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(daily_lumio(now, days=10, hour_back=20))
        add_topic(ws.store, "lumio", "lumio")
        for name in ("volume", "volume2", "volume3"):
            add_kpi(ws, name, "mentions", 100, topic="lumio")
        walks: list[int] = []
        real = ws.store.posts_begin

        def counted() -> object:
            walks.append(1)
            return real()

        monkeypatch.setattr(ws.store, "posts_begin", counted)
        found = reports(ws, now=now)
    assert len(walks) == 1
    assert [r.value for r in found] == [10, 10, 10]
    assert all("It counts only 10 of the 30 days" in r.reason_en for r in found)
    assert [[v for _d, v in r.history] for r in found] == [[10.0]] * 3
