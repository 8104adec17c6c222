"""Zones whose offset is not a whole number of hours (Asia/Kolkata +05:30,
Asia/Kathmandu +05:45): a local day begins at 18:30 or 18:15 UTC.

The monitors keyed their once-a-local-day windows by the UTC hour they ran
in (``check_monitors`` rounds down to it): at 00:10 in Kolkata that hour is
18:00 UTC, 23:30 the day before there. The day's key came 30 (45) minutes
late: a sentiment shift or a day's silence first said just after midnight
was filed under the day before, and said a second time at 00:40 under the
new day, then not at all the next day just after midnight. Posts, volumes
and the store's day counts already went by quarter-hours and are checked
here too, on both posts backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.alerts.conftest import Receiver, make_post
from tests.made import copy_workspace
from veille.alerts.model import Alert, AlertBook
from veille.alerts.monitors import check_monitors
from veille.alerts.outbox import AlertEngine
from veille.models import Sentiment
from veille.pipeline import build_pipeline
from veille.store.split import joined
from veille.workspace import Workspace, init_workspace

ZONES = ["Asia/Kolkata", "Asia/Kathmandu"]


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new workspace, its posts in SQLite or chDB, made (and migrated) once
    a module; each test copies it into its zone."""
    if request.param == "chdb":
        pytest.importorskip("chdb")
    folder = tmp_path_factory.mktemp("zones") / "ws"
    _workspace(folder, "UTC", str(request.param)).close()
    return folder


def _workspace(folder: Path, zone: str, posts_kind: str) -> Workspace:
    """A workspace in ``zone``, its posts in SQLite or chDB."""
    folder.mkdir(parents=True)
    store = '[store]\nposts = "chdb:///posts.chdb"\n' if posts_kind == "chdb" else ""
    (folder / "veille.toml").write_text(
        "[http]\nallow_private_networks = true\n\n"
        "[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 1.0\nmax_attempts = 3\n\n"
        f'[workspace]\ntimezone = "{zone}"\n\n{store}',
        encoding="utf-8",
    )
    init_workspace(folder)
    return Workspace.open(folder)


@pytest.fixture
def opened(tmp_path: Path, made: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    def make(zone: str) -> Workspace:
        root = copy_workspace(made, tmp_path / zone.replace("/", "-"))
        config = root / "veille.toml"
        text = config.read_text(encoding="utf-8")
        assert 'timezone = "UTC"' in text
        config.write_text(text.replace('timezone = "UTC"', f'timezone = "{zone}"'), "utf-8")
        ws = Workspace.open(root)
        request.addfinalizer(ws.close)
        return ws

    yield make


def _engine(ws: Workspace) -> AlertEngine:
    return AlertEngine(joined(ws.posts, ws.state), ws.settings, ws.root)


@pytest.mark.parametrize("zone", ZONES)
def test_a_sentiment_shift_is_said_once_a_local_day_in_a_half_hour_zone(
    opened: Any, receiver: Receiver, zone: str
) -> None:
    """The shift goes on over two days. Just after midnight it is said for the
    new day, not again 40 minutes later, and again just after the next
    midnight."""
    tz = ZoneInfo(zone)
    ws = opened(zone)
    AlertBook(ws.state).add(
        Alert(name="mood", kind="sentiment", query="lumio",
              channel_url=f"webhook+{receiver.url}", params={"threshold": 1.5})
    )  # fmt: skip
    day = datetime(2026, 11, 12, tzinfo=tz)  # local midnight starting 12 November
    pos, neg = Sentiment("positive", 0.6, 0.9), Sentiment("negative", -0.7, 0.9)
    posts, n = [], 0
    for back in range(2, 11):  # calm days before: one negative post in five, at 14:00
        at = day - timedelta(days=back) + timedelta(hours=14)
        for i in range(5):
            n += 1
            posts.append(make_post(n, "Lumio lamp", sentiment=neg if i == 0 else pos,
                                   published_at=at))  # fmt: skip
    for evening in (day - timedelta(hours=4), day + timedelta(hours=20)):  # 20:00, two days
        for i in range(8):
            n += 1
            posts.append(make_post(n, "Lumio overheating again", sentiment=neg if i < 6 else pos,
                                   published_at=evening))  # fmt: skip
    build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
    engine = _engine(ws)
    try:
        said = [
            check_monitors(engine, now=at.timestamp())
            for at in (
                day + timedelta(minutes=10),  # 00:10, 12 November
                day + timedelta(minutes=50),  # 00:50: still 12 November
                day + timedelta(days=1, minutes=10),  # 00:10, 13 November
            )
        ]
        assert said == [1, 0, 1]
        keys = sorted(k for (k,) in ws.state.conn.execute("SELECT post_id FROM deliveries"))
        assert keys == ["sentiment:2026-11-12", "sentiment:2026-11-13"]
    finally:
        engine.close()


@pytest.mark.parametrize("zone", ZONES)
def test_a_days_silence_is_said_once_a_local_day_in_a_half_hour_zone(
    opened: Any, receiver: Receiver, zone: str
) -> None:
    """A 24-hour silence: the brand's daily 09:30 post stopped after Monday.
    Said just after midnight on Wednesday, it is not said again at 00:50,
    and said again just after midnight on Thursday."""
    tz = ZoneInfo(zone)
    ws = opened(zone)
    AlertBook(ws.state).add(
        Alert(name="quiet", kind="silence", query="lumio",
              channel_url=f"webhook+{receiver.url}", params={"silent_hours": 24})
    )  # fmt: skip
    monday = datetime(2026, 12, 7, 9, 30, tzinfo=tz)
    posts = [
        make_post(n, "Lumio daily news", published_at=monday - timedelta(days=n)) for n in range(35)
    ]
    build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
    engine = _engine(ws)
    try:
        said = [
            check_monitors(engine, now=datetime(2026, 12, d, 0, m, tzinfo=tz).timestamp())
            for d, m in ((9, 10), (9, 50), (10, 10))  # Wednesday 00:10, 00:50, Thursday 00:10
        ]
        assert said == [1, 0, 1]
    finally:
        engine.close()


@pytest.mark.parametrize("zone", ZONES)
def test_a_post_just_after_local_midnight_counts_on_its_local_day(opened: Any, zone: str) -> None:
    """A post at 00:10 local (18:40 or 18:25 UTC the day before) is counted on
    its local day by the daily volume, the store's day counts and the day's
    top authors; one at 23:50 on the day before."""
    from veille.analytics.scope import Scope, parse_period
    from veille.analytics.volume import volume

    tz = ZoneInfo(zone)
    ws = opened(zone)
    day = datetime(2026, 11, 12, tzinfo=tz)
    late = make_post(1, "Lumio late", published_at=day - timedelta(minutes=10))
    early = make_post(2, "Lumio early", published_at=day + timedelta(minutes=10))
    build_pipeline(ws, skip=("alerts", "enrich")).ingest([late, early])
    period = parse_period("2026-11-11..2026-11-12", timezone=zone)
    vol = volume(ws.posts, Scope(), period, interval="day", timezone=zone)
    assert [(p.start.date().isoformat(), p.posts) for p in vol.points] == [
        ("2026-11-11", 1),
        ("2026-11-12", 1),
    ]
    days = {c.key: c.count for c in ws.posts.stats(timezone=zone).by_day}
    assert days == {"2026-11-11": 1, "2026-11-12": 1}
    twelfth = parse_period("2026-11-12..2026-11-12", timezone=zone)
    top = ws.posts.top_authors(Scope().during(twelfth), twelfth)
    assert [a[1] for a in top] == ["user2"]
    assert early.published_at.astimezone(UTC).date().isoformat() == "2026-11-11"


@pytest.mark.parametrize("zone", ZONES)
def test_a_spike_counts_the_posts_of_the_last_local_hour_in_a_half_hour_zone(
    opened: Any, receiver: Receiver, zone: str
) -> None:
    """Eight posts between 10:00 and 11:00 local, one in that hour of each
    past week: checked at 11:05, the spike counts the eight and names
    10:00–11:00. It read UTC hours (09:30–10:30 and 10:30–11:05 in Kolkata):
    four posts in each, under the five a spike needs, and nothing was said;
    in Kathmandu (09:45–10:45) it said six."""
    tz = ZoneInfo(zone)
    ws = opened(zone)
    AlertBook(ws.state).add(
        Alert(name="burst", kind="spike", query="lumio",
              channel_url=f"webhook+{receiver.url}", params={"threshold": 3.0, "weeks": 4})
    )  # fmt: skip
    ten = datetime(2026, 11, 12, 10, 0, tzinfo=tz)
    posts = [
        make_post(n, "Lumio as usual", published_at=ten - timedelta(weeks=n, minutes=-30))
        for n in range(1, 5)
    ]
    posts += [
        make_post(10 + i, "Lumio battery fire", published_at=ten + timedelta(minutes=3 + 7 * i))
        for i in range(8)  # 10:03, 10:10 … 10:52
    ]
    build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
    engine = _engine(ws)
    eleven = ten + timedelta(hours=1)
    try:
        said = [
            check_monitors(engine, now=(eleven + timedelta(minutes=m)).timestamp()) for m in (5, 40)
        ]
        assert said == [1, 0]
        engine.dispatch(now=(eleven + timedelta(minutes=41)).timestamp())
        event = receiver.requests[0]["json"]["event"]
        assert event["count"] == 8
        assert (
            f"8 posts in the last hour (10:00\u202fAM–11:00\u202fAM, {zone})"
            in (event["summary"]["en"])
        )
        assert (
            f"8 publications dans la dernière heure (10:00–11:00, {zone})"
            in (event["summary"]["fr"])
        )
        assert (event["since"], event["until"]) == (ten.isoformat(), eleven.isoformat())
    finally:
        engine.close()


def test_a_spike_said_by_the_release_before_is_not_said_again_after_the_upgrade(
    opened: Any, receiver: Receiver
) -> None:
    """The release before read UTC hours: at 10:40 in Kolkata it said a burst
    of 10:01–10:29 as the spike of 09:30–10:30 (its key, that hour's end in
    UTC). Upgraded at 10:45, the monitor counts the local hour, whose keys
    fall on the half hour: the same burst, in 10:00–10:45, was said a second
    time. A window that overlaps an hour the release before said is taken as
    said; a new burst in the next hour is still said."""
    zone = "Asia/Kolkata"
    tz = ZoneInfo(zone)
    ws = opened(zone)
    book = AlertBook(ws.state)
    book.add(
        Alert(name="burst", kind="spike", query="lumio",
              channel_url=f"webhook+{receiver.url}", params={"threshold": 3.0, "weeks": 4})
    )  # fmt: skip
    ten = datetime(2026, 11, 12, 10, 0, tzinfo=tz)
    posts = [
        make_post(n, "Lumio as usual", published_at=ten - timedelta(weeks=n, minutes=-30))
        for n in range(1, 5)
    ]
    posts += [
        make_post(10 + i, "Lumio battery fire", published_at=ten + timedelta(minutes=1 + 4 * i))
        for i in range(8)  # 10:01, 10:05 … 10:29
    ]
    posts += [
        make_post(30 + i, "Lumio recall", published_at=ten + timedelta(hours=1, minutes=10 + 3 * i))
        for i in range(8)  # 11:10 … 11:31
    ]
    build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
    engine = _engine(ws)
    try:
        alert = next(a for a in ws.state.alerts_of_kind() if a.name == "burst")
        # What the release before left at 10:40: the spike of 09:30–10:30.
        said_at = (ten + timedelta(minutes=40)).timestamp()
        old_key = f"spike:{int((ten + timedelta(minutes=30)).timestamp())}"
        assert (ten + timedelta(minutes=30)).timestamp() % 3600 == 0
        assert engine.queue_event(alert, old_key, {"kind": "spike", "count": 8}, said_at, said_at)
        said = [
            check_monitors(engine, now=(ten + timedelta(minutes=m)).timestamp())
            for m in (45, 65, 95)  # 10:45, 11:05 (the burst again), 11:35 (a new one)
        ]
        assert said == [0, 0, 1]
    finally:
        engine.close()
