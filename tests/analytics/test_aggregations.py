from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analytics.conftest import TZ, local
from veille.analytics.scope import Period, Scope, parse_period, words_scope
from veille.analytics.tops import (
    headline,
    headline_and_sentiment,
    stories,
    top_authors,
    top_entities,
    top_posts,
)
from veille.analytics.volume import (
    breakdown,
    buckets_of,
    net_sentiment,
    overall_sentiment,
    share_of_voice,
    volume,
)
from veille.errors import UsageError
from veille.store.base import PostFilter


def test_period_parsing_in_local_time() -> None:
    now = local("2026-04-01T10:00")  # a Wednesday
    week = parse_period("last-week", timezone=TZ, now=now)
    assert week.since == local("2026-03-23T00:00") and week.until == local("2026-03-30T00:00")
    assert week.seconds == 7 * 86400 - 3600  # summer time began that Sunday
    assert week.previous().since == local("2026-03-16T00:00")
    month = parse_period("last-month", timezone=TZ, now=now)
    assert month.since == local("2026-03-01T00:00") and month.until == local("2026-04-01T00:00")
    assert month.previous().since == local("2026-02-01T00:00")
    assert parse_period("last-7d", timezone=TZ, now=now).since == local("2026-03-25T00:00")
    with pytest.raises(UsageError, match="yesterday"):
        parse_period("yesterday", timezone=TZ)
    with pytest.raises(UsageError, match="ends before"):
        parse_period("2026-03-05..2026-03-01", timezone=TZ)


@pytest.mark.parametrize("restricted", [False, True])
def test_daily_volume_in_workspace_time_zone(store, week: Period, restricted: bool) -> None:
    # An always-true restriction forces the raw-posts path; both must agree.
    scope = Scope(scan=True) if restricted else Scope()
    vol = volume(store, scope, week, interval="day", timezone=TZ)
    days = [p.start.date() for p in vol.points]
    assert days == [date(2026, 3, d) for d in range(23, 30)]
    assert [p.posts for p in vol.points] == [1, 1, 1, 1, 0, 0, 1]
    assert [p.previous for p in vol.points] == [0, 1, 0, 0, 1, 0, 0]
    assert (vol.total, vol.previous_total) == (5, 2)
    assert vol.change == pytest.approx(1.5)


def test_weekly_and_hourly_volume(store, week: Period) -> None:
    vol = volume(store, Scope(), week, interval="week", timezone=TZ)
    assert [(p.start.date(), p.posts, p.previous) for p in vol.points] == [
        (date(2026, 3, 23), 5, 2)
    ]
    hours = volume(store, Scope(), week, interval="hour", timezone=TZ)
    assert len(hours.points) == 7 * 24 - 1  # the 02:00 hour of 29 March does not exist
    busy = [(p.start.strftime("%d %H"), p.posts) for p in hours.points if p.posts]
    assert busy == [("23 08", 1), ("24 00", 1), ("25 12", 1), ("26 09", 1), ("29 03", 1)]


def test_a_bucket_across_the_two_periods_counts_each_side_apart(store) -> None:
    # Wednesday to Monday: the week of 23 March holds time of this period and
    # of the one before, so each is read on its own (the two periods are read
    # at once only when no bucket is shared).
    days = Period(local("2026-03-25T00:00"), local("2026-03-30T00:00"))
    vol = volume(store, Scope(), days, interval="week", timezone=TZ)
    assert [(p.start.date(), p.posts, p.previous) for p in vol.points] == [
        (date(2026, 3, 23), 3, 1)  # beside the previous period's first week
    ]
    assert (vol.total, vol.previous_total) == (3, 3)
    daily = volume(store, Scope(), days, interval="day", timezone=TZ)
    assert [p.posts for p in daily.points] == [1, 1, 0, 0, 1]
    assert [p.previous for p in daily.points] == [1, 0, 0, 1, 1]


def test_breakdowns_with_previous_share(store, week: Period) -> None:
    plat = {s.key: s for s in breakdown(store, Scope(), week, "platform")}
    assert (plat["mastodon"].posts, plat["mastodon"].share) == (3, pytest.approx(0.6))
    assert (plat["mastodon"].previous, plat["mastodon"].previous_share) == (1, 0.5)
    assert plat["reddit"].posts == 1 and plat["reddit"].previous == 0
    assert plat["mastodon"].engagement == 12 + 4 + 1 and plat["bluesky"].reach == 5000
    langs = {s.key: s.posts for s in breakdown(store, Scope(), week, "lang")}
    assert langs == {"fr": 2, "en": 2, "und": 1}
    countries = breakdown(store, Scope(), week, "country")
    assert [(c.key, c.posts, c.share) for c in countries] == [("FR", 1, 1.0)]
    senti = {s.key: s.posts for s in breakdown(store, Scope(), week, "sentiment")}
    assert senti == {"positive": 1, "negative": 2, "neutral": 1, "und": 1}


def test_net_sentiment_per_day(store, week: Period) -> None:
    points = net_sentiment(store, Scope(), week, interval="day", timezone=TZ)
    nets = [p.net for p in points]
    assert nets == [1.0, -1.0, 0.0, None, None, None, -1.0]
    total = net_sentiment(store, Scope(), week, interval="week", timezone=TZ)[0]
    assert (total.positive, total.negative, total.neutral) == (1, 2, 1)
    assert total.net == pytest.approx((1 - 2) / 4)


def test_share_of_voice(store, week: Period) -> None:
    topics = {name: words_scope(name) for name in ("Lumio", "Vexa", "Orbita")}
    sov = {v.topic: v for v in share_of_voice(store, topics, week)}
    # Lumio 3 posts, Vexa 2 (4 and 5), Orbita 1 (5): 6 mentions in all.
    assert (sov["Lumio"].posts, sov["Lumio"].share) == (3, pytest.approx(0.5))
    assert sov["Vexa"].share == pytest.approx(2 / 6) and sov["Orbita"].posts == 1
    assert (sov["Lumio"].previous, sov["Vexa"].previous) == (1, 1)
    assert sov["Lumio"].engagement == 12 + 3 + 4
    assert sov["Lumio"].engagement_share == pytest.approx(19 / 20)


def test_filters_and_restrictions_narrow_everything(store, week: Period) -> None:
    only = Scope(flt=PostFilter(platforms=("bluesky",)))
    assert volume(store, only, week, timezone=TZ).total == 1
    lumio = words_scope("lumio", only)
    assert [p.id for p in top_posts(store, lumio, week)] == ["bluesky:2"]


def test_top_posts_authors_and_entities(store, week: Period) -> None:
    assert [p.native_id for p in top_posts(store, Scope(), week)] == ["1", "3", "2", "4", "5"]
    assert [p.native_id for p in top_posts(store, Scope(), week, by="reach", limit=2)] == ["2", "1"]
    authors = top_authors(store, Scope(), week)
    assert [(a.handle, a.posts, a.engagement, a.followers) for a in authors][:1] == [
        ("alice", 2, 13, 1000)
    ]
    tags = top_entities(store, Scope(), week, "hashtags")
    assert [(t.value, t.posts) for t in tags] == [("lumio", 2), ("outage", 1)]
    domains = top_entities(store, Scope(), week, "domains")
    assert [(d.value, d.posts) for d in domains] == [("example.com", 2), ("news.example.org", 1)]
    links = top_entities(store, Scope(), week, "links")
    assert {lk.value for lk in links} == {
        "https://www.example.com/a",
        "https://example.com/b",
        "https://news.example.org/x",
    }
    with pytest.raises(UsageError, match="colors"):
        top_entities(store, Scope(), week, "colors")


def test_stories_count_near_duplicates_once(store, week: Period) -> None:
    found = stories(store, Scope(), week)
    assert len(found) == 4  # posts 1 and 3 are one story
    assert (found[0].first.native_id, found[0].posts, found[0].reach) == ("2", 1, 5000)
    story = found[1]
    assert (story.key, story.posts, story.reach, story.engagement) == ("c1", 2, 1200, 16)
    assert story.first.native_id == "1" and story.platforms == ("mastodon",)
    by_posts = stories(store, Scope(), week, by="posts", limit=1)
    assert [s.key for s in by_posts] == ["c1"]


def test_headline_figures_with_change(store, week: Period) -> None:
    h = headline(store, Scope(), week)
    assert (h["posts"].value, h["posts"].previous, h["posts"].change) == (5, 2, 1.5)
    assert h["stories"].value == 4 and h["authors"].value == 5 - 1  # alice twice
    assert h["engagement"].value == 12 + 3 + 4 + 1
    assert h["reach"].value == 1000 + 5000 + 200 + 50
    assert h["net_sentiment"].value == pytest.approx(-0.25)
    assert h["net_sentiment"].previous == 1.0
    # A scope no rollup answers reads every figure in one pass: same figures.
    assert headline(store, Scope(scan=True), week) == h
    # The sentiment counts the figures were read with are those a separate
    # read gives, for each period, whichever path read them.
    # So are the breakdowns read with them.
    dims = ("platform", "lang", "country", "sentiment")
    for scope in (Scope(), Scope(scan=True)):
        figures, now, before, split, _series = headline_and_sentiment(store, scope, week, dims)
        assert figures == h
        assert now == overall_sentiment(store, scope, week)
        assert before == overall_sentiment(store, scope, week.previous())
        assert (now.positive, now.negative, now.neutral) != (0, 0, 0)
        # Unmarked: the callers mark what veille holds of the period before
        # (shares_held_before), as breakdown(held=False) leaves it to them.
        assert split == {d: breakdown(store, scope, week, d, held=False) for d in dims}
        assert sum(s.posts for s in split["platform"]) == 5
        assert sum(s.previous for s in split["sentiment"]) == 2
    with pytest.raises(UsageError, match="unknown breakdown 'mood'"):
        headline_and_sentiment(store, Scope(scan=True), week, ("mood",))


def test_a_topics_breakdowns_read_its_posts_once_a_period(
    store, week: Period, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No rollup answers a topic's (or a query's) posts by platform, language,
    country or sentiment: each breakdown read the scope's posts again, four
    reads a period for the report and the dashboard's cards (0.3 s of a
    topic's week at 1M posts). They are read once a period, with the rows
    each breakdown read alone gives."""
    from veille.store.sqlite.analytics_volume import SQLiteVolume

    dims = ("platform", "lang", "country", "sentiment")
    scope = Scope(scan=True)  # as a topic's or a query's: no rollup answers it
    alone = {d: breakdown(store, scope, week, d, held=False) for d in dims}
    reads: list[tuple[str, ...]] = []
    real = SQLiteVolume.post_totals

    def counted(self: SQLiteVolume, scope: Scope, dims: tuple[str, ...] = (), *a, **k):  # type: ignore[no-untyped-def]
        reads.append(dims)
        return real(self, scope, dims, *a, **k)

    monkeypatch.setattr(SQLiteVolume, "post_totals", counted)
    _figures, _now, _before, split, _series = headline_and_sentiment(store, scope, week, dims)
    assert split == alone and sum(s.posts for s in split["lang"]) == 5
    assert len([d for d in reads if d]) == 2  # the period and the one before


@pytest.mark.parametrize("interval", ["hour", "day", "week"])
def test_net_sentiment_read_with_the_breakdowns_is_the_one_read_apart(
    store, week: Period, interval: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report reads its net sentiment by hour, day or week with its
    breakdowns (one read of a topic's or a query's posts of the period for
    both, on SQLite): the same points as read apart, the same breakdowns
    and figures as read without it, and no more reads of the posts than
    the breakdowns alone made."""
    from veille.store.sqlite.analytics_volume import SQLiteVolume

    dims = ("platform", "lang", "country", "sentiment")
    real = SQLiteVolume.post_totals
    # (The query's posts of the week are not scored: its points are all 0.)
    for scope, scored in ((Scope(), 4), (Scope(scan=True), 4), (words_scope("Lumio OR Vexa"), 0)):
        apart = net_sentiment(store, scope, week, interval=interval, timezone=TZ)
        plain = headline_and_sentiment(store, scope, week, dims)
        buckets = buckets_of(week, interval, TZ)
        reads: list[tuple[str, ...]] = []

        def counted(self: SQLiteVolume, scope: Scope, dims: tuple[str, ...] = (), *a, **k):  # type: ignore[no-untyped-def]
            reads.append(dims)  # noqa: B023 (called inside this loop's turn only)
            return real(self, scope, dims, *a, **k)

        with monkeypatch.context() as m:
            m.setattr(SQLiteVolume, "post_totals", counted)
            got = headline_and_sentiment(store, scope, week, dims, series=buckets)
        assert got[:4] == plain[:4] and got.series is not None and plain.series is None
        together = net_sentiment(
            store, scope, week, interval=interval, timezone=TZ, read=(buckets, got.series)
        )
        assert together == apart
        assert sum(p.positive + p.negative + p.neutral for p in together) == scored
        if scope.restricted:  # the period (with its series) and the one before
            assert len([d for d in reads if d]) == 2


ZONES = ["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe",
         "America/Toronto", "Pacific/Chatham"]  # fmt: skip


@given(
    quarter=st.integers(min_value=1_700_000_000 // 900, max_value=1_900_000_000 // 900),
    zone=st.sampled_from(ZONES),
    interval=st.sampled_from(["hour", "day", "week"]),
)
def test_fast_buckets_agree_with_the_calendar(quarter: int, zone: str, interval: str) -> None:
    from zoneinfo import ZoneInfo

    from veille.analytics.volume import _Buckets, bucket_key

    tz = ZoneInfo(zone)
    buckets = _Buckets(interval, tz)
    # Neighbours too, so that the per-day offset memo is exercised across a day.
    for q in (quarter, quarter + 1, quarter + 95, quarter - 4):
        assert buckets.key(q) == bucket_key(q, interval, tz)
        assert buckets.index(q) == buckets.index(q) and buckets.key(q).tzinfo is tz


@pytest.mark.parametrize("zone", ZONES)
def test_fast_buckets_across_every_2026_offset_change(zone: str) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from veille.analytics.volume import _Buckets, bucket_key

    tz = ZoneInfo(zone)
    start = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()) // 86400
    change_days = [
        d
        for d in range(start, start + 365)
        if datetime.fromtimestamp(d * 86400, tz).utcoffset()
        != datetime.fromtimestamp(d * 86400 + 86399, tz).utcoffset()
    ]
    assert zone == "UTC" or zone == "Asia/Kathmandu" or len(change_days) == 2
    for interval in ("hour", "day", "week"):
        buckets = _Buckets(interval, tz)
        for d in change_days:
            for q in range(d * 96 - 8, d * 96 + 104):
                assert buckets.key(q) == bucket_key(q, interval, tz), (zone, interval, q)


# No deadline: the machine is shared, and tests make no timing assertions.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.integers(min_value=1_700_000_000, max_value=1_900_000_000),
    hours=st.integers(min_value=1, max_value=24 * 40),
    zone=st.sampled_from(ZONES),
    interval=st.sampled_from(["hour", "day", "week"]),
)
def test_bucket_starts_and_offset_segments_match_a_walk_over_every_quarter(
    start: int, hours: int, zone: str, interval: str
) -> None:
    """keys() visits only the quarters where a bucket can start; the result
    and the offsets it learns for SQL equal those of every quarter visited."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from veille.analytics.volume import QUARTER, _Buckets

    tz = ZoneInfo(zone)
    since = datetime.fromtimestamp(start, UTC)
    period = Period(since, since + timedelta(hours=hours))
    fast = _Buckets(interval, tz)
    keys = fast.keys(period)
    walk = _Buckets(interval, tz)
    expected: dict[int, None] = {}
    segments: list[tuple[int, int]] = []
    for q in range(start // QUARTER, -(-(start + hours * 3600) // QUARTER)):
        off = walk._offset(q * QUARTER)
        if not segments or segments[-1][1] != off:
            segments.append((q, off))
        expected.setdefault(walk.index(q), None)
        walk.key(q)
    assert keys == [walk.key_of_index(i) for i in expected]
    assert fast.segments == segments
