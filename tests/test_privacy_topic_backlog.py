"""A saved topic added shortly before a retention purge, on SQLite and on
chDB (its state in SQLite: the split layout's purge).

A new topic files the posts stored before it existed the first time it is
read (its backlog). A purge that ran before that deleted the old posts
without their ever being counted under the topic: its dashboard showed 0
posts on the purged days (the workspace's own figures kept them). The purge
now files each topic's backlog first, so the topic's card reads as it would
have had the backlog been filed before."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post, retention_workspace
from veille.analytics.scope import Period
from veille.models import Author, Engagement, Post, Sentiment
from veille.query.topics import add_topic, change_topic
from veille.services.dashboard import topic_figures
from veille.services.retention import apply_retention
from veille.workspace import Workspace

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)
# Retention of 10 days: the posts before 2026-11-25 00:00 UTC go.
PERIOD = Period(datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 12, 6, tzinfo=UTC))
MOODS = ("positive", "negative", "neutral", None)


def _posts() -> list[Post]:
    """Four posts a day over 14 days, 9 of them before the cutoff: about the
    lamp, by five people, with counts, followers and a sentiment each."""
    out: list[Post] = []
    for day in range(6, 20):
        for hour in (3, 9, 15, 21):
            i = len(out)
            post = make_post(
                f"p{i}",
                f"Lumio lamp, day {day}",
                author=Author(f"fan{i % 5}", followers=10 * i),
                engagement=Engagement(likes=i % 3),
                published_at=NOW.replace(hour=hour) - timedelta(days=day),
            )
            mood = MOODS[i % 4]
            out.append(replace(post, sentiment=Sentiment(mood, 0.5, 0.9) if mood else None))
    out.append(make_post("other", "A kettle", published_at=NOW - timedelta(days=15)))
    return out


def _card(ws: Workspace) -> dict[str, Any]:
    """What the dashboard's card of the topic shows over the period."""
    got = topic_figures(ws, "lumio", PERIOD)
    return {
        "per_day": [(p.start.date().isoformat(), p.posts) for p in got.volume.points],
        "figures": {k: (f.value, f.covered, f.posts) for k, f in got.figures.items()},
        "platforms": [(s.key, s.posts) for s in got.platforms],
        "sentiment": (got.sentiment.positive, got.sentiment.negative, got.sentiment.neutral),
    }


def _purged(kind: str, root: Path, *, read_first: bool) -> dict[str, Any]:
    """The topic's card after a purge that ran right after the topic was
    added (its backlog read first, as the dashboard would have, or not)."""
    with Workspace.open(retention_workspace(kind, root)) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        if read_first:
            _card(ws)
        report = apply_retention(ws, now=NOW)
        assert report is not None and report.posts == 37
        return _card(ws)


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_purge_right_after_a_topic_is_added_keeps_its_posts_counted(
    kind: str, tmp_path: Path
) -> None:
    seen = _purged(kind, tmp_path / "filed", read_first=True)
    # The purged days are counted: 4 posts on each day from 2026-11-16.
    assert ("2026-11-16", 4) in seen["per_day"] and seen["figures"]["posts"][0] == 56
    # Without its backlog filed before the purge, the topic said 0 on each
    # purged day and 20 posts in all.
    assert _purged(kind, tmp_path / "unfiled", read_first=False) == seen


@pytest.mark.parametrize("kind", ["sqlite", "chdb"])
def test_a_purge_after_a_topic_is_edited_counts_its_new_query(kind: str, tmp_path: Path) -> None:
    """An edit gives the topic a new query whose backlog is filed at the
    next read too: a purge before it counts the old posts the new query
    matches (a kettle post here), as that read would have."""

    def purged(root: Path, read_first: bool) -> dict[str, Any]:
        with Workspace.open(retention_workspace(kind, root)) as ws:
            ws.store.upsert_posts(_posts())
            add_topic(ws.store, "lumio", "lumio")
            _card(ws)
            change_topic(ws.store, "lumio", "lumio OR kettle")
            if read_first:
                _card(ws)
            assert apply_retention(ws, now=NOW) is not None
            return _card(ws)

    seen = purged(tmp_path / "filed", True)
    assert seen["figures"]["posts"][0] == 57
    assert purged(tmp_path / "unfiled", False) == seen


def test_a_topic_whose_backlog_fails_does_not_stop_the_purge(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Retention is owed to the people whose posts are kept: a topic whose
    backlog cannot be filed (its stored query no longer reads, as one a
    later release refuses) is logged, naming it, and the purge goes on with
    the other topics' backlogs filed."""
    with Workspace.open(retention_workspace("sqlite", tmp_path / "ws")) as ws:
        ws.store.upsert_posts(_posts())
        ws.store.create_topic("broken", "lumio AND (", int(NOW.timestamp()))
        add_topic(ws.store, "lumio", "lumio")
        with caplog.at_level(logging.ERROR, logger="veille.privacy"):
            report = apply_retention(ws, now=NOW)
        assert report is not None and report.posts == 37
        assert _card(ws)["figures"]["posts"][0] == 56
    assert "broken" in caplog.text and "lumio AND (" in caplog.text


def _announced(
    monkeypatch: pytest.MonkeyPatch, ws: Workspace, threads: list[Any]
) -> tuple[Any, Any]:
    """Two events about the posts store's forget lock as ``threads`` take it
    shared (a write's or a filing's turn): set as one of them asks for it, and
    once it holds it. What a thread waits for is then seen, not guessed from a
    fixed wait."""
    import threading
    from contextlib import contextmanager

    lock = ws.posts.forget_lock
    real_shared = lock.shared
    asked, got = threading.Event(), threading.Event()

    @contextmanager
    def shared() -> Any:
        mine = threading.current_thread() in threads
        if mine:
            asked.set()
        with real_shared():
            if mine:
                got.set()
            yield

    monkeypatch.setattr(lock, "shared", shared)
    return asked, got


def test_a_topic_filed_while_chdb_purges_counts_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dashboard read files a new topic's backlog while the purge runs
    (``veille run --serve``: the web app beside the daemon). ClickHouse's
    purge keeps the topic's totals of the posts it deletes, deletes their
    filings, then the posts: a filing written between the last two filed
    the doomed posts again, and they counted twice (in the kept totals and
    in the filings left). The purge now holds the lock the backlog's
    filing takes (the erasures'), so that filing waits for the purge's end
    and finds the old posts gone."""
    import threading

    from veille.analytics.topics import sync_topic
    from veille.query.topics import get_topic

    expected = _purged("chdb", tmp_path / "alone", read_first=True)
    with Workspace.open(retention_workspace("chdb", tmp_path / "ws")) as ws:
        ws.store.upsert_posts(_posts())
        add_topic(ws.store, "lumio", "lumio")
        _card(ws)  # its backlog filed
        client = ws.posts.client
        command = client.command
        reader: list[threading.Thread] = []
        asked, got = _announced(monkeypatch, ws, reader)
        held: list[bool] = []

        def purging(sql: str, *args: Any, **kw: Any) -> Any:
            if sql.startswith("ALTER TABLE posts DELETE") and not reader:
                # The read of a topic whose backlog it saw unfiled (its new
                # query filed again: the same posts), between the purge's
                # two deletes. It waits while the purge holds the lock (a
                # free lock is taken at once: half a second is ample).
                topic = get_topic(ws.store, "lumio")
                reader.append(threading.Thread(target=sync_topic, args=(ws.store, topic)))
                reader[0].start()
                assert asked.wait(60), "the filing never asked for the lock"
                held.append(not got.wait(0.5))
            return command(sql, *args, **kw)

        monkeypatch.setattr(client, "command", purging)
        assert apply_retention(ws, now=NOW) is not None
        reader[0].join()
        monkeypatch.setattr(client, "command", command)
        # It said 92 posts (56 and the 36 purged again), 36 on 2026-11-16.
        assert reader and held == [True]  # the filing waited for the purge
        assert _card(ws) == expected


def test_sqlite_and_chdb_read_a_topic_the_same_across_the_cutoff(tmp_path: Path) -> None:
    """Over a week that straddles the purge's cutoff, a topic's authors and
    sentiment on SQLite (whole days from its author rollup, whose day of
    the cutoff a purge keeps) are those of ClickHouse (read from the
    filings held) and of the posts kept, with the sentiment of the purged
    days each keeps beside its volume: a retention purge cuts at the start
    of a UTC day, so no day is partly purged. (Cut inside a day, as purges
    before 2026-12-05 were, SQLite went on counting that day's purged posts,
    as before the purge; ClickHouse counted the posts kept.)"""
    week = Period(datetime(2026, 11, 21, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC))
    kept = Period(datetime(2026, 11, 25, tzinfo=UTC), week.until)
    cards: dict[str, Any] = {}
    for kind in ("sqlite", "chdb"):
        with Workspace.open(retention_workspace(kind, tmp_path / kind)) as ws:
            # An author a day (and another every day), so that the days count.
            ws.store.upsert_posts(
                [replace(p, author=Author(f"fan{i // 4 if i % 2 else 99}")) for i, p in
                 enumerate(_posts())]
            )  # fmt: skip
            add_topic(ws.store, "lumio", "lumio")
            assert apply_retention(ws, now=NOW) is not None
            got = [topic_figures(ws, "lumio", per) for per in (week, kept)]
            cards[kind] = [
                (f.figures["authors"].value, f.sentiment.positive, f.sentiment.negative,
                 f.sentiment.neutral) for f in got
            ]  # fmt: skip
    # 3 days kept: the author of each and the one of every day; a post in
    # four has each sentiment, and one none. The week's 4 purged days keep
    # their sentiment (4 posts of each), not their authors (they name people).
    assert cards["sqlite"] == cards["chdb"] == [(4, 7, 7, 7), (4, 3, 3, 3)]


def test_posts_written_while_chdb_purges_wait_and_are_all_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The purge's deletes run under the lock a write of posts takes (the
    erasures'): a collector's write arriving meanwhile waits for the
    purge's end, then stores every post within retention, none lost; one
    older than the purge's names reach (its cutoff less a retention period)
    is left out as ``expired``, as every write leaves it out after a purge."""
    import threading

    with Workspace.open(retention_workspace("chdb", tmp_path / "ws")) as ws:
        ws.store.upsert_posts(_posts())
        client = ws.posts.client
        command = client.command
        writer: list[threading.Thread] = []
        waited: list[bool] = []
        errors: list[BaseException] = []
        fresh = [
            make_post(f"new{i}", "Lumio news", published_at=NOW - timedelta(hours=i))
            for i in range(5)
        ] + [make_post("late", "Lumio old news", published_at=NOW - timedelta(days=30))]

        written: list[Any] = []

        def write() -> None:
            try:
                written.append(ws.posts.upsert_posts(fresh))
            except BaseException as exc:  # said below
                errors.append(exc)

        asked, got = _announced(monkeypatch, ws, writer)

        def purging(sql: str, *args: Any, **kw: Any) -> Any:
            if sql.startswith("ALTER TABLE posts DELETE") and not writer:
                writer.append(threading.Thread(target=write))
                writer[0].start()
                assert asked.wait(60), "the write never asked for the lock"
                # It waits for the purge (a free lock is taken at once).
                waited.append(not got.wait(0.5) and writer[0].is_alive())
            return command(sql, *args, **kw)

        monkeypatch.setattr(client, "command", purging)
        report = apply_retention(ws, now=NOW)
        writer[0].join(60)
        monkeypatch.setattr(client, "command", command)
        assert report is not None and report.posts == 37
        assert waited == [True] and errors == []
        stored = {p.id for p in ws.posts.get_posts([p.id for p in fresh])}
        assert stored == {p.id for p in fresh} - {"mastodon:late"}
        assert written[0].expired == ["mastodon:late"]
