"""Noise control and schedules: best-of-story, floors, caps, quiet hours, time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.alerts.conftest import Receiver, make_post, make_workspace
from veille.alerts.model import Alert, AlertBook
from veille.alerts.monitors import check_monitors
from veille.alerts.outbox import AlertEngine
from veille.alerts.schedule import next_slot
from veille.models import Author, Engagement
from veille.pipeline import build_pipeline

PARIS = ZoneInfo("Europe/Paris")


def test_schedule_daily_weekly_and_quiet_hours() -> None:
    at = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # Saturday 23:30 in Paris
    daily = Alert(name="d", channel_url="x", query="q", frequency="daily", at_time="08:00")
    assert next_slot(daily, at, PARIS) == datetime(2026, 3, 29, 8, 0, tzinfo=PARIS)
    weekly = Alert(name="w", channel_url="x", query="q", frequency="weekly", weekday=0)
    assert next_slot(weekly, at, PARIS) == datetime(2026, 3, 30, 8, 0, tzinfo=PARIS)
    hourly = Alert(name="h", channel_url="x", query="q", frequency="hourly")
    assert next_slot(hourly, at, PARIS).astimezone(UTC) == datetime(2026, 3, 28, 23, tzinfo=UTC)
    quiet = Alert(name="q", channel_url="x", query="q", quiet_start="22:00", quiet_end="07:00")
    # Clocks go forward that night: 07:00 Paris is 05:00 UTC.
    assert next_slot(quiet, at, PARIS) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    noon = datetime(2026, 3, 28, 11, 0, tzinfo=UTC)
    assert next_slot(quiet, noon, PARIS) == noon


def test_quiet_hours_that_end_in_the_hour_the_clocks_skip_end_at_the_jump() -> None:
    """Quiet hours 22:00-02:30, the night Paris goes from 02:00 to 03:00: a
    match at 01:50 waited for 03:30 summer time, while one at 03:10 went at
    once (the clock had passed 02:30). Both go from 03:00, the jump; the
    night the clocks go back, the end is the first 02:30, or the second for
    a match found in the repeated hour."""
    quiet = Alert(name="q", channel_url="x", query="q", quiet_start="22:00", quiet_end="02:30")
    jump = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 CET becomes 03:00 CEST
    assert next_slot(quiet, datetime(2026, 3, 29, 0, 50, tzinfo=UTC), PARIS) == jump
    later = datetime(2026, 3, 29, 1, 10, tzinfo=UTC)  # 03:10 CEST
    assert next_slot(quiet, later, PARIS) == later
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    # (As instants: an aware time in the repeated hour equals none in another zone.)
    before = datetime(2026, 10, 25, 0, 10, tzinfo=UTC)
    assert next_slot(quiet, before, PARIS).astimezone(UTC) == first
    again = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET, the second time
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert next_slot(quiet, again, PARIS).astimezone(UTC) == second


def test_an_hourly_digest_goes_at_the_top_of_each_hour_across_the_dst_change() -> None:
    """The night Paris clocks go back, 02:00-03:00 happens twice: a match at
    02:30 summer time waited for 03:00 winter time, two hours, not for the
    next top of the hour (02:00 winter time)."""
    hourly = Alert(name="h", channel_url="x", query="q", frequency="hourly")
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert next_slot(hourly, first, PARIS).astimezone(UTC) == datetime(2026, 10, 25, 1, tzinfo=UTC)
    again = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the second time
    assert next_slot(hourly, again, PARIS).astimezone(UTC) == datetime(2026, 10, 25, 2, tzinfo=UTC)
    spring = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET; 02:00 does not exist
    assert next_slot(hourly, spring, PARIS).astimezone(UTC) == datetime(2026, 3, 29, 1, tzinfo=UTC)
    india = datetime(2026, 10, 25, 0, 10, tzinfo=UTC)  # 05:40 in Kolkata (+05:30)
    due = next_slot(hourly, india, ZoneInfo("Asia/Kolkata"))
    assert due.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 06:00 there


def _statuses(ws) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(ws.store.conn.execute("SELECT post_id, status FROM deliveries").fetchall())


def test_best_mode_keeps_one_post_per_story_and_the_floors(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(
            name="best",
            query="lumio",
            channel_url=f"webhook+{receiver.url}",
            frequency="daily",
            mode="best",
            min_followers=100,
            min_engagement=50,
        )
    )
    # Posts 1, 2 and 4 are copies of one press release: the ingest path's
    # near-duplicate clustering puts them in one story, which "best" mode
    # reads before it queues (no cluster id is given here).
    release = (
        "Lumio announces a recall of its X200 kettles sold between March and May "
        "after reports of overheating bases; customers should stop using them and "
        "ask for a full refund in any store or on the Lumio website"
    )
    build_pipeline(workspace).ingest(
        [
            make_post(1, release, followers=500),
            make_post(2, release + " today", followers=90_000),
            make_post(3, "Lumio recall, says my cousin", followers=5),
            make_post(4, "RT " + release, followers=200),
            make_post(5, "Lumio thread", engagement=Engagement(likes=300)),
            make_post(6, "Lumio alone", engagement=Engagement(likes=10)),
        ]
    )
    assert _statuses(workspace) == {
        "mastodon:1": "skipped", "mastodon:2": "pending",
        "mastodon:3": "skipped", "mastodon:4": "skipped",
        "mastodon:5": "pending", "mastodon:6": "skipped",
    }  # fmt: skip
    reasons = dict(workspace.store.conn.execute("SELECT post_id, last_error FROM deliveries"))
    assert reasons["mastodon:1"] == "same story as mastodon:2, which reaches more people"
    assert reasons["mastodon:4"] == "same story as mastodon:2"
    assert reasons["mastodon:3"].startswith("below the reach floors")


def test_daily_cap_and_filters(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(
            name="cap",
            query="lumio",
            channel_url=f"webhook+{receiver.url}",
            daily_cap=2,
            languages=("fr",),
            platforms=("mastodon",),
        )
    )
    # Enrichment is skipped: the rule is tested on the languages given here.
    build_pipeline(workspace, skip=("enrich",)).ingest(
        [
            make_post(1, "Lumio un", lang="fr"),
            make_post(2, "Lumio two", lang="en"),
            make_post(3, "Lumio trois", lang="fr", platform="bluesky"),
            make_post(4, "Lumio quatre", lang="fr"),
            make_post(5, "Lumio cinq", lang="fr"),
        ]
    )
    assert _statuses(workspace) == {
        "mastodon:1": "sent",
        "mastodon:4": "sent",
        "mastodon:5": "skipped",
    }
    sent = [p["id"] for r in receiver.accepted() for p in r["json"]["posts"]]
    assert sorted(sent) == ["mastodon:1", "mastodon:4"]


def test_webhook_and_chat_say_how_many_went_over_the_cap(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    """What the daily cap holds back is counted in the message that follows
    (the JSON's ``over_cap``, a line of the chat message), then not again."""
    book = AlertBook(workspace.store)
    book.add(Alert(name="hook", query="lumio", channel_url=f"webhook+{receiver.url}",
                   daily_cap=1))  # fmt: skip
    book.add(Alert(name="chat", query="lumio", channel_url=receiver.url.replace("http://", "json://"),
                   daily_cap=1, language="fr"))  # fmt: skip
    build_pipeline(workspace).ingest([make_post(n, f"Lumio {n}") for n in range(1, 4)])
    hook = [r for r in receiver.requests if r["path"] == "/hook" and "posts" in r["json"]]
    chat = [r for r in receiver.requests if "message" in r["json"]]
    assert len(hook) == 1 and len(chat) == 1
    assert len(hook[0]["json"]["posts"]) == 1 and hook[0]["json"]["over_cap"] == 2
    assert hook[0]["json"]["cap_reached"] is True
    assert "Le plafond de 1 par jour est atteint\u202f:" in chat[0]["json"]["message"]
    assert "2 autres résultats dépassaient le plafond de 1 par jour" in chat[0]["json"]["message"]
    assert "1 nouveau résultat pour" in chat[0]["json"]["title"]
    # The next day's message (the cap counts per day) reports nothing more.
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    post = make_post(4, "Lumio tomorrow", published_at=tomorrow)
    build_pipeline(workspace, skip=("alerts",)).ingest([post])
    with workspace.store.transaction() as tx:
        engine.queue(tx, [post], now=tomorrow.timestamp())
    engine.dispatch(now=tomorrow.timestamp())
    hook = [r for r in receiver.requests if r["path"] == "/hook" and "posts" in r["json"]]
    chat = [r for r in receiver.requests if "message" in r["json"]]
    assert hook[-1]["json"]["over_cap"] == 0 and len(hook) == 2
    assert "dépassaient" not in chat[-1]["json"]["message"] and len(chat) == 2


def test_nothing_is_sent_in_quiet_hours_not_even_a_retry(tmp_path, receiver) -> None:  # type: ignore[no-untyped-def]
    """Quiet hours were applied when a match was queued only: a send that
    failed at 21:59 was retried at 22:10, inside 22:00-07:00 (and so was a
    backlog sent on resume, or a spike). Now nothing leaves in those hours."""
    ws = make_workspace(tmp_path / "ws", '[workspace]\ntimezone = "Europe/Paris"\n')
    hook = f"webhook+{receiver.url}"
    AlertBook(ws.store).add(Alert(name="night", query="lumio", channel_url=hook,
                                  quiet_start="22:00", quiet_end="07:00"))  # fmt: skip
    engine = AlertEngine(ws.store, ws.settings, ws.root)
    evening = datetime(2026, 10, 24, 19, 59, tzinfo=UTC)  # Saturday 21:59 in Paris
    post = make_post(1, "Lumio at night", published_at=evening)
    build_pipeline(ws, skip=("alerts",)).ingest([post])
    with ws.store.transaction() as tx:
        engine.queue(tx, [post], now=evening.timestamp())
    receiver.script = [500]
    assert engine.dispatch(now=evening.timestamp() + 1).failed == 1
    late = datetime(2026, 10, 24, 20, 10, tzinfo=UTC)  # 22:10: quiet
    assert engine.dispatch(now=late.timestamp()).batches == 0
    assert len(receiver.requests) == 1
    # Clocks go back that night (03:00 CEST -> 02:00 CET): 07:00 is 06:00 UTC.
    assert engine.dispatch(now=datetime(2026, 10, 25, 5, 59, tzinfo=UTC).timestamp()).batches == 0
    assert engine.dispatch(now=datetime(2026, 10, 25, 6, 0, tzinfo=UTC).timestamp()).sent == 1
    assert [r["status"] for r in receiver.requests] == [500, 200]
    ws.close()


def test_spike_alert_explains_itself_once(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(
            name="spike",
            kind="spike",
            query="lumio",
            channel_url=f"webhook+{receiver.url}",
            params={"threshold": 3.0, "weeks": 4},
        )
    )
    now = datetime(2026, 11, 2, 15, 5, tzinfo=UTC)
    posts = []
    n = 0
    for week in range(1, 5):  # one or two posts in the same hour of past weeks
        for _ in range(1 + week % 2):
            n += 1
            posts.append(
                make_post(n, "Lumio as usual", published_at=now - timedelta(weeks=week, minutes=30))
            )
    for i in range(12):
        n += 1
        posts.append(make_post(n, "Lumio battery fire reported", platform="bluesky",
                               author=Author(handle=f"witness{i % 3}"),
                               published_at=now - timedelta(minutes=50 - i)))  # fmt: skip
    # Enrichment is skipped: the monitor is tested on the sentiments given here.
    build_pipeline(workspace, skip=("alerts", "enrich")).ingest(posts)
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    assert check_monitors(engine, now=now.timestamp()) == 1
    assert check_monitors(engine, now=now.timestamp() + 60) == 0  # same hour: once
    engine.dispatch(now=now.timestamp() + 61)
    event = receiver.requests[0]["json"]["event"]
    assert event["count"] == 12 and event["z"] >= 3
    assert "12 posts in the last hour" in event["summary"]["en"]
    assert "12 publications" in event["summary"]["fr"]
    assert dict(event["platforms"]) == {"bluesky": 12}
    assert {t for t, _ in event["terms"]} >= {"battery", "fire"}
    assert {a for a, _ in event["authors"]} == {"witness0", "witness1", "witness2"}


def _silence_on_a_source(workspace, receiver, name: str = "lumio-blog") -> datetime:  # type: ignore[no-untyped-def]
    """A silence alert on configured source ``name``, whose posts came on
    past weeks and not in the last 6 hours: the moment it fires."""
    from veille.services.sources import add_source

    add_source(workspace.state, "feeds", "https://lumio.example/blog/feed/", name=name)
    AlertBook(workspace.store).add(
        Alert(
            name="quiet",
            kind="silence",
            channel_url=f"webhook+{receiver.url}",
            params={"silent_hours": 6, "source": name},
        )
    )
    now = datetime(2026, 11, 2, 15, 5, tzinfo=UTC)
    posts = [make_post(i, "post", source=name,
                       published_at=now - timedelta(weeks=1 + i % 4, hours=i % 5))
             for i in range(12)]  # fmt: skip
    build_pipeline(workspace, skip=("alerts", "enrich")).ingest(posts)
    return now


@pytest.mark.parametrize("how", ["removed", "disabled"])
def test_silence_alert_on_a_source_removed_on_purpose_says_nothing(  # type: ignore[no-untyped-def]
    workspace, receiver, how: str
) -> None:
    """A source the team removed (or turned off) is silent on purpose: its
    silence alert said "no post for 6 h" about it all the same."""
    from veille.services.sources import remove_source, set_enabled

    now = _silence_on_a_source(workspace, receiver)
    if how == "removed":
        remove_source(workspace.state, "lumio-blog")
    else:
        set_enabled(workspace.state, "lumio-blog", False)
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    assert check_monitors(engine, now=now.timestamp()) == 0
    engine.dispatch(now=now.timestamp())
    assert receiver.requests == []
    if how == "removed":  # an alert that watches nothing: /healthz says so
        from veille.services.dangling import dangling_references, said

        (found,) = dangling_references(workspace.state)
        assert (found.kind, found.name, found.missing) == ("alert", "quiet", "lumio-blog")
        assert "veille alert remove quiet" in said(found)


def test_silence_alert_on_a_source(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    # A configured source (veille alert add checks it is one), silent for 6 h.
    now = _silence_on_a_source(workspace, receiver)
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    assert check_monitors(engine, now=now.timestamp()) == 1
    engine.dispatch(now=now.timestamp())
    assert "source lumio-blog" in receiver.requests[0]["json"]["event"]["summary"]["en"]
    # A post arrives: no silence in the next window.
    build_pipeline(workspace, skip=("alerts",)).ingest(
        [make_post(99, "back", source="lumio-blog", published_at=now)]
    )
    assert check_monitors(engine, now=(now + timedelta(hours=6)).timestamp()) == 0


def test_quiet_hours_hold_and_pause_keeps_the_queue(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    book = AlertBook(workspace.store)
    now = datetime.now(UTC)
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end = (now + timedelta(hours=2)).strftime("%H:%M")
    book.add(Alert(name="night", query="lumio", channel_url=f"webhook+{receiver.url}",
                   quiet_start=start, quiet_end=end))  # fmt: skip
    build_pipeline(workspace).ingest([make_post(1, "Lumio at night")])
    assert receiver.requests == []  # held until the quiet hours end
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    book.update("night", paused=True)
    assert engine.dispatch(now=(now + timedelta(hours=3)).timestamp()).batches == 0
    book.update("night", paused=False)
    assert engine.dispatch(now=(now + timedelta(hours=3)).timestamp()).sent == 1
    assert [p["id"] for p in receiver.requests[0]["json"]["posts"]] == ["mastodon:1"]


def test_sentiment_shift_alert(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    from veille.models import Sentiment

    AlertBook(workspace.store).add(
        Alert(
            name="mood",
            kind="sentiment",
            query="lumio",
            channel_url=f"webhook+{receiver.url}",
            language="fr",
            params={"threshold": 2.0},
        )
    )
    now = datetime(2026, 11, 2, 15, 5, tzinfo=UTC)
    pos, neg = Sentiment("positive", 0.6, 0.9), Sentiment("negative", -0.7, 0.9)
    posts, n = [], 0
    for day in range(1, 8):  # a calm week: one negative post in five
        for i in range(5):
            n += 1
            posts.append(make_post(n, "Lumio lamp", sentiment=neg if i == 0 else pos,
                                   published_at=now - timedelta(days=day, hours=3)))  # fmt: skip
    for i in range(8):  # today: mostly negative
        n += 1
        posts.append(make_post(n, "Lumio overheating again", sentiment=neg if i < 6 else pos,
                               published_at=now - timedelta(hours=2)))  # fmt: skip
    # Enrichment is skipped: the monitor is tested on the sentiments given here.
    build_pipeline(workspace, skip=("alerts", "enrich")).ingest(posts)
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    assert check_monitors(engine, now=now.timestamp()) == 1
    engine.dispatch(now=now.timestamp())
    event = receiver.requests[0]["json"]["event"]
    assert event["negative_share"] == 0.75 and event["baseline"] == 0.2
    assert "75\u202f% de négatif en 24 h, contre 20\u202f%" in event["summary"]["fr"]
    assert "overheating" in event["details"]["en"][0]


def test_one_check_pass_reads_each_window_once_for_all_alerts(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    """An agency's hundreds of sentiment alerts look at the same eight days:
    one pass reads each day's posts from the store once, not once per alert
    (it ran in the outbox worker's thread, ahead of the instant alerts), and
    each alert still gets its own answer."""
    from veille.models import Sentiment

    book = AlertBook(workspace.store)
    for name, query in (
        ("mood-lumio", "lumio"),
        ("mood-vexa", "vexa"),
        ("mood-lamp", "lumio OR lamp"),
    ):
        url = f"webhook+{receiver.url}"
        book.add(Alert(name=name, kind="sentiment", query=query, channel_url=url,
                       params={"threshold": 2.0}))  # fmt: skip
    now = datetime(2026, 11, 2, 15, 5, tzinfo=UTC)
    pos, neg = Sentiment("positive", 0.6, 0.9), Sentiment("negative", -0.7, 0.9)
    posts, n = [], 0
    for day in range(1, 8):
        for i in range(5):
            n += 1
            posts.append(make_post(n, "Lumio lamp", sentiment=neg if i == 0 else pos,
                                   published_at=now - timedelta(days=day, hours=3)))  # fmt: skip
    for i in range(8):  # today: Lumio mostly negative; nothing about Vexa
        n += 1
        posts.append(make_post(n, "Lumio overheating again", sentiment=neg if i < 6 else pos,
                               published_at=now - timedelta(hours=2)))  # fmt: skip
    build_pipeline(workspace, skip=("alerts", "enrich")).ingest(posts)
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    reads: list[object] = []
    iter_posts = workspace.store.iter_posts

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(args)
        return iter_posts(*args, **kwargs)

    workspace.store.iter_posts = counted
    try:
        assert check_monitors(engine, now=now.timestamp()) == 2  # lumio and lamp, not vexa
    finally:
        del workspace.store.iter_posts
    assert len(reads) == 8  # today and the seven days before, whatever the alerts
    engine.dispatch(now=now.timestamp())
    assert sorted(r["json"]["alert"]["name"] for r in receiver.requests) == [
        "mood-lamp",
        "mood-lumio",
    ]


def test_a_monitor_whose_schedule_fails_leaves_the_others_queued(  # type: ignore[no-untyped-def]
    workspace, receiver, monkeypatch
) -> None:
    """A monitor whose send time cannot be worked out is skipped, logged, like
    one whose check failed: the pass goes on to the other monitors."""
    import veille.alerts.monitors as monitors
    from veille.models import Sentiment

    book = AlertBook(workspace.store)
    url = f"webhook+{receiver.url}"
    for name in ("mood-a", "mood-b"):
        book.add(Alert(name=name, kind="sentiment", query="lumio", channel_url=url,
                       params={"threshold": 2.0}))  # fmt: skip
    now = datetime(2026, 11, 2, 15, 5, tzinfo=UTC)
    pos, neg = Sentiment("positive", 0.6, 0.9), Sentiment("negative", -0.7, 0.9)
    posts = [
        make_post(day * 10 + i, "Lumio", sentiment=neg if i == 0 else pos,
                  published_at=now - timedelta(days=day, hours=3))
        for day in range(1, 8) for i in range(5)
    ] + [
        make_post(100 + i, "Lumio again", sentiment=neg if i < 6 else pos,
                  published_at=now - timedelta(hours=2))
        for i in range(8)
    ]  # fmt: skip
    build_pipeline(workspace, skip=("alerts", "enrich")).ingest(posts)

    def slot(alert, moment, tz):  # type: ignore[no-untyped-def]
        if alert.name == "mood-a":
            raise ValueError("a schedule this version cannot read")
        return next_slot(alert, moment, tz)

    monkeypatch.setattr(monitors, "next_slot", slot)
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    assert check_monitors(engine, now=now.timestamp()) == 1
    engine.dispatch(now=now.timestamp())
    assert [r["json"]["alert"]["name"] for r in receiver.requests] == ["mood-b"]


def test_what_went_over_the_cap_is_counted_once_when_a_retry_goes_beside_a_new_message(
    workspace, receiver
) -> None:  # type: ignore[no-untyped-def]
    """A capped alert's message failed (its retry waits) and the next day's
    match is queued: both leave in one pass. Each said the same '2 more
    matches went over the cap' (over_cap 2 twice, 4 for 2 held back)."""
    AlertBook(workspace.store).add(
        Alert(name="hook", query="lumio", channel_url=f"webhook+{receiver.url}", daily_cap=1)
    )
    receiver.script = [500]  # the first message fails: a retry is due later
    build_pipeline(workspace).ingest([make_post(n, f"Lumio {n}") for n in range(1, 4)])
    assert [r["status"] for r in receiver.requests] == [500]
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    post = make_post(4, "Lumio tomorrow", published_at=tomorrow)
    build_pipeline(workspace, skip=("alerts",)).ingest([post])
    with workspace.store.transaction() as tx:
        engine.queue(tx, [post], now=tomorrow.timestamp())
    engine.dispatch(now=tomorrow.timestamp())
    sent = [r["json"] for r in receiver.requests if r["status"] == 200]
    assert sorted(len(m["posts"]) for m in sent) == [1, 1]  # the retry and the new one
    assert sorted(m["over_cap"] for m in sent) == [0, 2]


def test_a_daily_or_weekly_digest_in_the_hour_that_happens_twice_goes_once() -> None:
    """The night Paris clocks go back, 02:00-03:00 happens twice. A digest
    at 02:30 goes at the first 02:30 (summer time); a match found in the
    second 02:00-03:00 waited for 02:30 winter time the same night (a
    second daily digest an hour after the first) or, for a weekly one, got
    a slot in the past (sent at once, a second report that Sunday)."""
    daily = Alert(name="d", channel_url="x", query="q", frequency="daily", at_time="02:30")
    weekly = Alert(
        name="w", channel_url="x", query="q", frequency="weekly", weekday=6, at_time="02:30"
    )
    before = datetime(2026, 10, 25, 0, 10, tzinfo=UTC)  # 02:10 CEST, the first time
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert next_slot(daily, before, PARIS).astimezone(UTC) == first
    assert next_slot(weekly, before, PARIS).astimezone(UTC) == first
    again = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET, the second time
    assert next_slot(daily, again, PARIS).astimezone(UTC) == datetime(
        2026, 10, 26, 1, 30, tzinfo=UTC
    )
    assert next_slot(weekly, again, PARIS).astimezone(UTC) == datetime(
        2026, 11, 1, 1, 30, tzinfo=UTC
    )
    # St. John's goes back at 02:00 to 01:00 (-02:30 to -03:30): same rule.
    johns = ZoneInfo("America/St_Johns")
    night = Alert(name="n", channel_url="x", query="q", frequency="daily", at_time="01:30")
    second = datetime(2026, 11, 1, 4, 40, tzinfo=UTC)  # 01:10 NST, the second time
    assert next_slot(night, second, johns).astimezone(UTC) == datetime(
        2026, 11, 2, 5, 0, tzinfo=UTC
    )


def test_a_digest_in_the_hour_that_does_not_exist_goes_at_the_hour_after_once() -> None:
    """The night Paris clocks go forward there is no 02:30: the digest goes
    at 03:30 summer time, and a match found at 03:10 goes in it (it waited
    a day for the next one)."""
    daily = Alert(name="d", channel_url="x", query="q", frequency="daily", at_time="02:30")
    shifted = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert (
        next_slot(daily, datetime(2026, 3, 29, 0, 50, tzinfo=UTC), PARIS).astimezone(UTC) == shifted
    )
    assert (
        next_slot(daily, datetime(2026, 3, 29, 1, 10, tzinfo=UTC), PARIS).astimezone(UTC) == shifted
    )
    after = datetime(2026, 3, 29, 1, 40, tzinfo=UTC)  # 03:40 CEST: tomorrow's 02:30
    assert next_slot(daily, after, PARIS).astimezone(UTC) == datetime(
        2026, 3, 30, 0, 30, tzinfo=UTC
    )
    assert next_slot(daily, shifted, PARIS).astimezone(UTC) == datetime(
        2026, 3, 30, 0, 30, tzinfo=UTC
    )


def test_a_spike_is_judged_against_the_same_local_hour_across_the_dst_change(
    tmp_path: Path, receiver: Receiver
) -> None:
    """Paris: a dozen posts between 09:00 and 10:00 every Monday. After the
    clocks went forward on 29 March, "the same hour of the week" was the
    same UTC hour, 08:00-09:00 on the Mondays before the change, where
    nothing is posted: the usual morning read as a spike for weeks."""
    ws = make_workspace(tmp_path / "ws", '[workspace]\ntimezone = "Europe/Paris"\n')
    AlertBook(ws.store).add(
        Alert(name="spike", kind="spike", query="lumio", channel_url=f"webhook+{receiver.url}",
              params={"threshold": 1.5, "weeks": 4})
    )  # fmt: skip
    posts = []
    for week in range(5):  # Monday 6 April (summer time) and the four Mondays before
        monday = datetime(2026, 4, 6, 9, 10, tzinfo=PARIS) - timedelta(weeks=week)
        for i in range(12):
            at = datetime.fromtimestamp(monday.timestamp(), PARIS).replace(minute=10 + 2 * i)
            posts.append(make_post(100 * week + i, "Lumio as usual", published_at=at))
    build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
    engine = AlertEngine(ws.store, ws.settings, ws.root)
    now = datetime(2026, 4, 6, 10, 5, tzinfo=PARIS)  # 08:05 UTC
    assert check_monitors(engine, now=now.timestamp()) == 0
    engine.close()
    ws.close()


def test_a_silence_is_judged_against_the_same_local_hours_across_the_dst_change(
    tmp_path: Path, receiver: Receiver
) -> None:
    """Paris: the brand posts every Monday at 09:30. On the second Monday
    after the clocks went forward none came, and no silence was said: the
    same six hours of the weeks before were taken in UTC (03:00-09:00 on
    the Mondays before the change), which held none of those posts."""
    ws = make_workspace(tmp_path / "ws", '[workspace]\ntimezone = "Europe/Paris"\n')
    AlertBook(ws.store).add(
        Alert(name="quiet", kind="silence", query="lumio", channel_url=f"webhook+{receiver.url}",
              params={"silent_hours": 6})
    )  # fmt: skip
    posts = []
    for week in range(1, 5):  # the four Mondays before 6 April, at 09:30 local
        monday = datetime(2026, 4, 6, 9, 30, tzinfo=PARIS) - timedelta(weeks=week)
        at = datetime.fromtimestamp(monday.timestamp(), PARIS).replace(hour=9, minute=30)
        posts.append(make_post(week, "Lumio weekly news", published_at=at))
    build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
    engine = AlertEngine(ws.store, ws.settings, ws.root)
    now = datetime(2026, 4, 6, 10, 5, tzinfo=PARIS)  # none since 04:00
    assert check_monitors(engine, now=now.timestamp()) == 1
    engine.close()
    ws.close()


def _state_workspace(folder: Path, state_kind: str, zone: str) -> Any:
    """:func:`make_workspace` in ``zone``, its state kept by ``state_kind``
    (the deliveries' keys are state)."""
    import re

    from tests.conftest import init_state_workspace
    from veille.workspace import Workspace

    root = init_state_workspace(folder, state_kind)
    config = root / "veille.toml"
    store = re.findall(r"^(?:posts|state) = .*$", config.read_text(encoding="utf-8"), re.M)
    config.write_text(
        "[http]\nallow_private_networks = true\n\n"
        "[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 1.0\nmax_attempts = 3\n\n"
        f'[workspace]\ntimezone = "{zone}"\n\n[store]\n' + "\n".join(store) + "\n",
        encoding="utf-8",
    )
    return Workspace.open(root)


def test_a_sentiment_shift_is_said_once_a_local_day(
    tmp_path: Path, receiver: Receiver, state_kind: str
) -> None:
    """Montréal: a shift said at 18:05 was said again at 20:05 (a new day in
    UTC), and then not at all the next (local) morning, the UTC day's alert
    being spent."""
    from veille.models import Sentiment

    montreal = ZoneInfo("America/Montreal")
    ws = _state_workspace(tmp_path / "ws", state_kind, "America/Montreal")
    try:
        AlertBook(ws.store).add(
            Alert(name="mood", kind="sentiment", query="lumio",
                  channel_url=f"webhook+{receiver.url}", params={"threshold": 2.0})
        )  # fmt: skip
        evening = datetime(2026, 11, 12, 18, 5, tzinfo=montreal)  # 23:05 UTC
        pos, neg = Sentiment("positive", 0.6, 0.9), Sentiment("negative", -0.7, 0.9)
        posts, n = [], 0
        for day in range(1, 9):  # a calm week: one negative post in five
            at = evening - timedelta(days=day, hours=3)
            for i in range(5):
                n += 1
                posts.append(make_post(n, "Lumio lamp", sentiment=neg if i == 0 else pos,
                                       published_at=at))  # fmt: skip
        for i in range(8):  # this afternoon: mostly negative
            n += 1
            posts.append(make_post(n, "Lumio overheating again", sentiment=neg if i < 6 else pos,
                                   published_at=evening - timedelta(hours=2)))  # fmt: skip
        build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
        engine = AlertEngine(ws.store, ws.settings, ws.root)
        said = [
            check_monitors(engine, now=at.timestamp())
            for at in (
                evening,  # 18:05, 12 November
                evening + timedelta(hours=2),  # 20:05: 01:05 on 13 November in UTC
                evening + timedelta(hours=16),  # 10:05, 13 November: the shift goes on
            )
        ]
        assert said == [1, 0, 1]
        engine.close()
    finally:
        ws.close()


def test_a_days_silence_is_said_once_a_local_day(
    tmp_path: Path, receiver: Receiver, state_kind: str
) -> None:
    """Montréal, a 24-hour silence: the brand's daily 09:30 post stopped
    after Monday. Said on Tuesday at 10:05, it was said again at 19:05 the
    same (local) day, the windows being UTC days; now the next is Wednesday's."""
    montreal = ZoneInfo("America/Montreal")
    ws = _state_workspace(tmp_path / "ws", state_kind, "America/Montreal")
    try:
        AlertBook(ws.store).add(
            Alert(name="quiet", kind="silence", query="lumio",
                  channel_url=f"webhook+{receiver.url}", params={"silent_hours": 24})
        )  # fmt: skip
        monday = datetime(2026, 12, 7, 9, 30, tzinfo=montreal)
        posts = [
            make_post(n, "Lumio daily news", published_at=monday - timedelta(days=n))
            for n in range(35)
        ]
        build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
        engine = AlertEngine(ws.store, ws.settings, ws.root)
        said = [
            check_monitors(engine, now=datetime(2026, 12, *at, 5, tzinfo=montreal).timestamp())
            for at in ((8, 10), (8, 19), (9, 0))  # Tuesday 10:05 and 19:05, Wednesday 00:05
        ]
        assert said == [1, 0, 1]
        engine.close()
    finally:
        ws.close()


def test_a_sentiment_shift_is_measured_against_the_days_that_had_posts(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    """Half negative on each of the 3 days with posts, none on the 4 before:
    the message said "75% negative in 24 h, against 21% usually", the empty
    days counted as 0% negative."""
    from veille.models import Sentiment

    AlertBook(workspace.store).add(
        Alert(name="mood", kind="sentiment", query="lumio", language="fr",
              channel_url=f"webhook+{receiver.url}", params={"threshold": 2.0})
    )  # fmt: skip
    now = datetime(2026, 11, 2, 15, 5, tzinfo=UTC)
    pos, neg = Sentiment("positive", 0.6, 0.9), Sentiment("negative", -0.7, 0.9)
    posts, n = [], 0
    for day in range(1, 4):
        for i in range(4):
            n += 1
            posts.append(make_post(n, "Lumio lamp", sentiment=neg if i < 2 else pos,
                                   published_at=now - timedelta(days=day, hours=3)))  # fmt: skip
    for i in range(8):
        n += 1
        posts.append(make_post(n, "Lumio overheating again", sentiment=neg if i < 6 else pos,
                               published_at=now - timedelta(hours=2)))  # fmt: skip
    build_pipeline(workspace, skip=("alerts", "enrich")).ingest(posts)
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    assert check_monitors(engine, now=now.timestamp()) == 1
    engine.dispatch(now=now.timestamp())
    event = receiver.requests[0]["json"]["event"]
    assert event["baseline"] == 0.5
    assert "75\u202f% de négatif en 24 h, contre 50\u202f% d’habitude" in event["summary"]["fr"]
    assert "75% negative in 24 h, against 50% usually" in event["summary"]["en"]


def test_a_sentiment_shift_needs_a_usual_share_of_enough_posts(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    """One scored post in the week before, positive: a day of negative posts
    was said to shift "against 0% usually", a usual share of one post."""
    from veille.models import Sentiment

    AlertBook(workspace.store).add(
        Alert(name="mood", kind="sentiment", query="lumio",
              channel_url=f"webhook+{receiver.url}", params={"threshold": 2.0})
    )  # fmt: skip
    now = datetime(2026, 11, 2, 15, 5, tzinfo=UTC)
    pos, neg = Sentiment("positive", 0.6, 0.9), Sentiment("negative", -0.7, 0.9)
    posts = [make_post(1, "Lumio lamp", sentiment=pos, published_at=now - timedelta(days=3))]
    posts += [make_post(2 + i, "Lumio overheating again", sentiment=neg if i < 6 else pos,
                        published_at=now - timedelta(hours=2)) for i in range(8)]  # fmt: skip
    build_pipeline(workspace, skip=("alerts", "enrich")).ingest(posts)
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    assert check_monitors(engine, now=now.timestamp()) == 0
    # With four more scored posts that week (five in all), the usual share is said.
    more = [make_post(20 + i, "Lumio lamp", sentiment=pos,
                      published_at=now - timedelta(days=2 + i % 3)) for i in range(4)]  # fmt: skip
    build_pipeline(workspace, skip=("alerts", "enrich")).ingest(more)
    assert check_monitors(engine, now=now.timestamp()) == 1
    engine.dispatch(now=now.timestamp())
    assert (
        "75% negative in 24 h, against 0% usually"
        in (receiver.requests[0]["json"]["event"]["summary"]["en"])
    )
