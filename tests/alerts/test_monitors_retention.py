"""Monitors under a retention period shorter than what they look back over.

A spike compares the last hour with the same hour of the previous 8 weeks,
a sentiment shift the last 24 hours with each of the 7 days before. With
``[privacy] retention_days`` shorter than that, the posts of the older
windows are purged (or left out as they come in), and each such window was
counted as 0 posts: a spike said "10.0× the usual 3.0" where the usual was
6 posts an hour, and a sentiment steady at half negative was said to shift
("50 % negative in 24 h, against 14 % usually"). A window the retention
reaches into is no longer part of the baseline, on both posts backends.

That window began at the last purge's cutoff: a workspace that kept 10
days, purged, then kept 30 and imported an archive of two weeks ago left
that week out of a spike's usual though its posts were all there (no purge
had deleted one published then). It begins after the latest post a purge
deleted, which the posts store names: the weeks the archive filled count,
an older one a purge emptied still does not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.alerts.conftest import Receiver, make_post
from tests.alerts.test_half_hour_zones import _engine
from veille.alerts.model import Alert, AlertBook
from veille.alerts.monitors import check_monitors
from veille.models import Post, Sentiment
from veille.pipeline import build_pipeline
from veille.services.retention import apply_retention
from veille.workspace import Workspace, init_workspace


@pytest.fixture(params=["sqlite", "chdb"])
def posts_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "chdb":
        pytest.importorskip("chdb")
    return str(request.param)


@pytest.fixture
def hour() -> datetime:
    """The start of the last whole UTC hour (posts are dated from now: the
    retention period is counted from the clock)."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def _workspace(folder: Path, posts_kind: str, days: int) -> Workspace:
    folder.mkdir(parents=True)
    store = '[store]\nposts = "chdb:///posts.chdb"\n' if posts_kind == "chdb" else ""
    (folder / "veille.toml").write_text(
        "[http]\nallow_private_networks = true\n\n"
        "[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 1.0\nmax_attempts = 3\n\n"
        f'[workspace]\ntimezone = "UTC"\n\n[privacy]\nretention_days = {days}\n\n{store}',
        encoding="utf-8",
    )
    init_workspace(folder)
    return Workspace.open(folder)


@pytest.fixture
def workspace(tmp_path: Path, posts_kind: str) -> Iterator[object]:
    opened: list[Workspace] = []

    def make(days: int) -> Workspace:
        ws = _workspace(tmp_path / f"ws{len(opened)}", posts_kind, days)
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()


def test_a_spike_says_the_usual_of_the_weeks_the_retention_keeps(
    workspace: object, receiver: Receiver, hour: datetime
) -> None:
    ws = workspace(30)  # type: ignore[operator]
    AlertBook(ws.state).add(
        Alert(name="burst", kind="spike", query="lumio",
              channel_url=f"webhook+{receiver.url}", params={"threshold": 3.0})
    )  # fmt: skip
    posts: list[Post] = []
    for week in range(1, 5):  # the 4 weeks held: 6 posts in that hour each
        for i in range(6):
            at = hour - timedelta(weeks=week, minutes=-5 - 8 * i)
            posts.append(make_post(len(posts), "Lumio as usual", published_at=at))
    for i in range(30):  # the last hour: 30
        at = hour + timedelta(minutes=1 + 2 * i)
        posts.append(make_post(len(posts), "Lumio battery fire", published_at=at))
    build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
    engine = _engine(ws)
    try:
        now = hour + timedelta(hours=1, minutes=5)
        assert check_monitors(engine, now=now.timestamp()) == 1
        engine.dispatch(now=now.timestamp() + 60)
        event = receiver.requests[0]["json"]["event"]
        assert event["count"] == 30
        # It said 3.0 (24 posts over 8 weeks, 4 of them purged).
        assert event["baseline_mean"] == 6.0
        assert (
            "5.0× the usual for this hour of the week, 6.0 posts an hour"
            in (event["summary"]["en"])
        )
        assert (
            "5,0× la moyenne habituelle à cette heure de la semaine, 6,0 publications"
            in (event["summary"]["fr"])
        )
    finally:
        engine.close()


def test_a_steady_sentiment_is_no_shift_under_a_short_retention(
    workspace: object, receiver: Receiver, hour: datetime
) -> None:
    ws = workspace(3)  # type: ignore[operator]
    AlertBook(ws.state).add(
        Alert(name="mood", kind="sentiment", query="lumio",
              channel_url=f"webhook+{receiver.url}", params={"threshold": 1.5})
    )  # fmt: skip
    pos, neg = Sentiment("positive", 0.6, 0.9), Sentiment("negative", -0.7, 0.9)
    posts: list[Post] = []
    for back in range(3):  # the last 24 hours and the 2 days before: half negative
        at = hour - timedelta(days=back, hours=2)
        for i in range(10):
            mood = neg if i % 2 else pos
            posts.append(make_post(len(posts), "Lumio lamp", sentiment=mood, published_at=at))
    build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
    engine = _engine(ws)
    try:
        now = hour + timedelta(hours=1, minutes=5)
        assert check_monitors(engine, now=now.timestamp()) == 0
    finally:
        engine.close()


def _hour_of(base: int, at: datetime, n: int, text: str) -> list[Post]:
    return [
        make_post(base + i, text, published_at=at + timedelta(minutes=5 + 4 * i)) for i in range(n)
    ]


def test_a_spikes_usual_counts_the_weeks_an_archive_filled_after_retention_was_lengthened(
    tmp_path: Path, posts_kind: str, receiver: Receiver, hour: datetime
) -> None:
    folder = tmp_path / "ws"
    with _workspace(folder, posts_kind, 10) as ws:
        AlertBook(ws.state).add(
            Alert(name="burst", kind="spike", query="lumio",
                  channel_url=f"webhook+{receiver.url}", params={"threshold": 3.0})
        )  # fmt: skip
        last_week = _hour_of(0, hour - timedelta(weeks=1), 6, "Lumio as usual")
        # Collected 17 days ago, purged under the 10 days kept then.
        gone = _hour_of(100, hour - timedelta(days=17), 6, "Lumio as usual")
        ws.store.upsert_posts([*last_week, *gone])
        report = apply_retention(ws)
        assert report is not None and report.posts == 6
    toml = folder / "veille.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("retention_days = 10", "retention_days = 30"),
        encoding="utf-8",
    )
    with Workspace.open(folder) as ws:
        # An archive of the same hour two weeks ago (12 posts), older than
        # the last purge's cutoff, with the purged posts in it: those are
        # left out again.
        archive = _hour_of(200, hour - timedelta(weeks=2), 12, "Lumio as usual")
        got = build_pipeline(ws, skip=("alerts", "enrich")).ingest([*archive, *gone])
        assert len(got.new) == 12 and sorted(got.expired) == sorted(p.id for p in gone)
        burst = [
            make_post(
                400 + i, "Lumio battery fire", published_at=hour + timedelta(minutes=1 + 2 * i)
            )
            for i in range(30)
        ]
        build_pipeline(ws, skip=("alerts", "enrich")).ingest(burst)
        engine = _engine(ws)
        try:
            now = hour + timedelta(hours=1, minutes=5)
            assert check_monitors(engine, now=now.timestamp()) == 1
            engine.dispatch(now=now.timestamp() + 60)
            event = receiver.requests[0]["json"]["event"]
            assert event["count"] == 30
            # Weeks 1 and 2 (6 and 12 posts); not week 3 (0), which began
            # before the posts purged 17 days ago (its posts may be gone,
            # as theirs are: a usual of 6.0). It said
            # 6.0 (week 1 alone: the last purge's cutoff was 10 days ago).
            assert event["baseline_mean"] == 9.0
            assert (
                "the usual for this hour of the week, 9.0 posts an hour" in (event["summary"]["en"])
            )
            assert "de la semaine, 9,0 publications par heure" in event["summary"]["fr"]
        finally:
            engine.close()
