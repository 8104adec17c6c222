"""The plan page's KPIs read each window once, and the same figures.

The page measures each KPI over its period and the eight before it (its
history). The current window was measured twice (once for the value, once as
the history's last point), share of voice read every compared topic over
the period before each window too (which the KPI never shows: twice the
reads), and "when do the posts begin" sorted every post to read the oldest
(``iter_posts``) where a ``min()`` answers. A window that ends before the
posts begin is not measurable for a count, whatever it counts: it is not
read. A count's history asks the store for its windows together
(``window_totals``: one grouped read in ClickHouse, the rollups window by
window in SQLite). "Influencers engaged" ranked the topic's authors in every window,
where only those the organization last engaged with then can count. The
figures are those the per-window path gives, on SQLite and on chDB.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import posts_workspace
from tests.made import copy_workspace
from veille.analytics.influencers import engaged_with
from veille.analytics.scope import Period
from veille.analytics.volume import share_of_voice
from veille.plan.channels import set_channel
from veille.plan.kpi_measures import _topic
from veille.plan.kpis import (
    HISTORY_POINTS,
    Measure,
    add_kpi,
    measure,
    remove_kpi,
    window,
)
from veille.plan.status import report, reports
from veille.query.topics import add_topic
from veille.workspace import Workspace

from .conftest import NOW, post, world

WORDS = ("lumio", "vexa", "orbita", "lumio vexa", "autre")
HANDLES = ("carol", "dave", "erin", "bob", "lumio_hq", "zoe")
SENTIMENTS = ("positive", "negative", "neutral", None)


def spread() -> list[Any]:
    """Posts over the last 200 days (the history of 30-day windows reaches
    270: its oldest windows are before the posts begin)."""
    rng = random.Random(17)
    return [
        post(
            100 + n,
            f"{rng.choice(WORDS)} {n}",
            rng.uniform(0, 200),
            platform=rng.choice(("mastodon", "bluesky")),
            handle=rng.choice(HANDLES),
            sentiment=rng.choice(SENTIMENTS),
            likes=rng.randrange(5),
            replies=rng.randrange(3),
            mentions=("carol",) if n % 7 == 0 else (),
            followers=rng.choice((100, 5000, 20000)),
        )
        for n in range(300)
    ]


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace of posts, topics and KPIs, made once a module per store."""
    root = posts_workspace(request.param, tmp_path_factory.mktemp("reads") / "ws")
    with Workspace.open(root) as w:
        w.store.upsert_posts([*world(), *spread()])
        for name in ("lumio", "vexa", "orbita"):
            add_topic(w.store, name, name)
        set_channel(w.state, "mastodon", handle="@lumio_hq", posts_per_week=3)
        kinds: list[tuple[str, dict[str, Any]]] = [
            ("mentions", {"topic": "lumio"}),
            ("share_of_voice", {"topic": "lumio", "compare": ["vexa", "orbita"]}),
            ("net_sentiment", {"topic": "lumio"}),
            ("influencers_engaged", {"topic": "lumio"}),
            ("engagement", {"platform": "mastodon"}),
            ("posts_published", {"platform": "mastodon"}),
        ]
        for kind, kw in kinds:
            add_kpi(w, kind, kind, 1, now=NOW, **kw)
    return root


@pytest.fixture
def ws(made: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A copy of :func:`made` of its own: tests add and remove KPIs."""
    with Workspace.open(copy_workspace(made, tmp_path / "ws")) as w:
        yield w


def per_window(ws: Workspace, kpi: Any) -> tuple[Measure, list[tuple[Any, float]]]:
    """The KPI over its window and each of its history's, one window at a
    time as the page read them before: share of voice from analytics' share
    of voice, the posts' beginning from the oldest post."""
    oldest = next(iter(ws.store.iter_posts(batch_size=1))).published_at

    def one(per: Any) -> Measure:
        if kpi.kind != "share_of_voice":
            return measure(ws, kpi, per, since=lambda: oldest)
        scopes = {t: _topic(ws, t) for t in [kpi.topic, *kpi.compare]}
        share = {v.topic: v.share for v in share_of_voice(ws.store, scopes, per)}[kpi.topic]
        return Measure(None if share is None else round(share * 100, 1))

    current = one(window(NOW, kpi.period_days))
    points = []
    for i in range(HISTORY_POINTS - 1, -1, -1):
        end = NOW - timedelta(days=kpi.period_days * i)
        got = one(window(end, kpi.period_days))
        if got.value is not None:
            points.append((end.date(), got.value))
    return current, points


def test_every_kpi_and_its_history_are_the_figures_of_each_window(ws: Workspace) -> None:
    kpis = ws.state.plan_kpis()
    assert len(kpis) == 6
    for kpi in kpis:
        current, points = per_window(ws, kpi)
        got = report(ws, kpi, now=NOW)
        assert (got.value, got.history) == (current.value, points), kpi.kind
        assert len(points) >= 3, kpi.kind  # measured windows, not only gaps


def test_a_page_reads_each_window_of_each_kpi_once(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ws.posts  # the one that keeps the posts (ws.store may join two)
    reads: list[int] = []
    walks: list[int] = []
    histories: list[int] = []  # reads of a history's windows together
    inside: list[int] = []
    real_totals, real_walk = store.post_totals, store.iter_posts
    real_windows = store.window_totals

    def totals(*args: Any, **kwargs: Any) -> Any:
        if not inside:  # SQLite reads a history's windows one by one
            reads.append(1)
        return real_totals(*args, **kwargs)

    def windows_of(scope: Any, periods: Any) -> Any:
        reads.extend(1 for _ in periods)
        histories.append(1)
        inside.append(1)
        try:
            return real_windows(scope, periods)
        finally:
            inside.pop()

    def walk(*args: Any, **kwargs: Any) -> Any:
        walks.append(1)
        return real_walk(*args, **kwargs)

    monkeypatch.setattr(store, "post_totals", totals)
    monkeypatch.setattr(store, "window_totals", windows_of)
    monkeypatch.setattr(store, "iter_posts", walk)
    for name in ("mentions", "share_of_voice", "influencers_engaged", "net_sentiment"):
        remove_kpi(ws.state, name)
    # The current window is the history's last; one that ends before the
    # posts begin is not measurable, whatever it would count: not read.
    oldest = ws.posts.posts_begin()
    assert oldest is not None
    windows = sum(1 for k in range(HISTORY_POINTS) if NOW - timedelta(days=30 * k) > oldest)
    assert windows == HISTORY_POINTS - 1
    reads.clear()
    (engagement, published) = reports(ws, now=NOW)
    assert engagement.value is not None and published.value is not None
    assert len(reads) == 2 * windows  # one read of our posts a window each
    assert len(histories) == 2  # the history's windows asked together
    assert walks == []  # when the posts begin: no walk over them

    add_kpi(ws, "sov", "share_of_voice", 1, topic="lumio", compare=["vexa"], now=NOW)
    for name in ("engagement", "posts_published"):
        remove_kpi(ws.state, name)
    reads.clear()
    histories.clear()
    (sov,) = reports(ws, now=NOW)
    assert sov.value is not None
    # lumio and vexa over each window (not the one before) veille listened
    # to: one before the posts begin is a gap, as for the counts, unread
    assert len(reads) == 2 * windows
    assert len(histories) == 2


def test_influencers_engaged_ranks_only_the_windows_someone_was_engaged_in(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An influencer counts in a window when the organization engaged with
    them in it (tests/plan/test_kpi_windows.py checks the figures). The
    windows where it engaged with no one are 0 without ranking the topic's
    authors."""
    store = ws.posts
    ranked: list[int] = []
    real = store.author_reads  # the ranking's read of the authors

    def activity(*args: Any, **kwargs: Any) -> Any:
        ranked.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "author_reads", activity)
    kpi = next(k for k in ws.state.plan_kpis() if k.kind == "influencers_engaged")
    assert set(engaged_with(store, ["mastodon:lumio_hq"])) == {"carol"}  # our mentions of her
    got = report(ws, kpi, now=NOW)
    begin = store.posts_begin()
    assert begin is not None
    ends = [NOW - timedelta(days=30 * k) for k in range(HISTORY_POINTS - 1, -1, -1)]
    engaged = [
        bool(engaged_with(store, ["mastodon:lumio_hq"], Period(e - timedelta(days=30), e)))
        for e in ends
        if e > begin
    ]
    assert got.value == 2
    assert len(got.history) == len(engaged) == HISTORY_POINTS - 1
    assert 0 < engaged.count(False) < len(engaged)
    # No one engaged: 0, unranked; someone: ranked, carol counted.
    assert [v > 0 for _d, v in got.history] == engaged
    assert len(ranked) == engaged.count(True)


def test_when_the_posts_begin_is_the_oldest_post(ws: Workspace) -> None:
    oldest = next(iter(ws.store.iter_posts(batch_size=1))).published_at
    assert ws.store.posts_begin() == oldest
    assert oldest.tzinfo is not None and oldest < NOW - timedelta(days=190)


@pytest.mark.parametrize("backend", ["sqlite", "chdb"])
def test_when_the_posts_begin_is_none_while_there_is_none(backend: str, tmp_path: Path) -> None:
    with Workspace.open(posts_workspace(backend, tmp_path / "empty")) as w:
        assert w.store.posts_begin() is None
