"""The StateStore contract: what every backend that keeps the state must do
(run over each registered backend, see conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from veille.models import Cursor
from veille.store import StateStore
from veille.store.protocols.sources import SourceRecord

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _state_backends() -> list[Any]:
    from tests.store.conftest import _backends

    return _backends("state")


def _source(name: str = "feeds-a", *, enabled: bool = True) -> SourceRecord:
    return SourceRecord(name, "feeds", {"url": "https://ex.com/feed"}, 900, enabled, T0)


def test_is_a_state_store(state_store: Any) -> None:
    assert isinstance(state_store, StateStore)


def test_cursors_commit_with_their_transaction(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        tx.set_cursor(Cursor("source:a", {"since": "x"}))
    got = state_store.get_cursor("source:a")
    assert got is not None and dict(got.value) == {"since": "x"}
    with pytest.raises(RuntimeError), state_store.transaction() as tx:
        tx.set_cursor(Cursor("source:a", {"since": "y"}))
        raise RuntimeError("the batch failed")
    again = state_store.get_cursor("source:a")
    assert again is not None and dict(again.value) == {"since": "x"}
    assert state_store.get_cursor("source:none") is None


def test_sources_add_list_enable_remove(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        tx.add_source(_source("b"))
        tx.add_source(_source("a"))
        tx.set_cursor(Cursor("source:a", {"page": 2}))
    assert [s.name for s in state_store.list_sources()] == ["a", "b"]
    found = state_store.find_source("a")
    assert found == _source("a")
    assert state_store.find_source("zz") is None
    assert state_store.due_sources(T0) == {"a", "b"}
    with state_store.transaction() as tx:
        tx.set_source_enabled("b", False)
        tx.remove_source("a", cursor="source:a")
    assert [(s.name, s.enabled) for s in state_store.list_sources()] == [("b", False)]
    assert state_store.get_cursor("source:a") is None


def test_health_runs_failures_and_due_times(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        tx.add_source(_source("a"))
    (new,) = state_store.source_health("a")
    assert new.runs == 0 and new.next_due is None  # due at the next round, not in 1970
    assert state_store.due_sources(T0) == {"a"}
    assert (new.dated_ahead, new.dated_ahead_last) == (0, None)
    given = datetime(2031, 1, 1, tzinfo=UTC)
    with state_store.transaction() as tx:
        tx.count_collected("a", 5, 100, dated_ahead=2, dated_ahead_last=given, expired=3)
        tx.count_collected("a", 2, None, expired=1)
        tx.record_success("a", T0, new_posts=7, next_due=T0 + timedelta(minutes=15))
    (h,) = state_store.source_health("a")
    assert (h.total_posts, h.quota_left, h.last_posts, h.runs) == (7, 100, 7, 1)
    # Posts dated ahead of their collection: how many, the date the last gave.
    assert (h.dated_ahead, h.dated_ahead_last) == (2, given)
    # Posts older than the retention period, not stored: a lasting count.
    assert (new.expired, h.expired) == (0, 4)
    assert h.last_success == T0 and h.next_due == T0 + timedelta(minutes=15)
    assert state_store.due_sources(T0) == set()
    assert state_store.due_sources(T0 + timedelta(minutes=15)) == {"a"}
    later = T0 + timedelta(hours=1)
    with state_store.transaction() as tx:
        tx.record_failure(
            "a",
            later,
            error="HTTP 503",
            failures=1,
            new_posts=0,
            next_due=later + timedelta(hours=1),
        )
    (h,) = state_store.source_health()
    assert (h.last_error, h.consecutive_failures, h.runs, h.last_success) == ("HTTP 503", 1, 2, T0)
    assert state_store.consecutive_failures("a") == 1
    assert state_store.consecutive_failures("none") == 0


def test_quarantine_keeps_items_whole_until_released(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        tx.add_source(_source("a"))
        tx.quarantine("a", [("no date", {"id": 1, "x": [1, 2]}), ("no text", {"id": 2})], T0)
        tx.quarantine("b", [("bad", {"id": 3})], T0)
    items = state_store.quarantined("a")
    assert [(i.error, i.raw) for i in items] == [
        ("no date", {"id": 1, "x": [1, 2]}),
        ("no text", {"id": 2}),
    ]
    assert len(state_store.quarantined()) == 3
    assert state_store.source_health("a")[0].quarantined == 2
    with state_store.transaction() as tx:
        tx.set_quarantine_error(items[0].id, "still no date")
        tx.release_quarantined([items[1].id])
    assert [(i.error) for i in state_store.quarantined("a")] == ["still no date"]


def test_a_named_item_is_quarantined_once_and_released_by_its_name(
    state_store: StateStore,
) -> None:
    later = T0 + timedelta(hours=1)
    with state_store.transaction() as tx:
        tx.add_source(_source("a"))
        tx.quarantine("a", [("HTTP 500", {"url": "u1"}), ("old", {"n": 1})], T0, ["u1", None])
        tx.quarantine("b", [("HTTP 500", {"url": "u1"})], T0, ["u1"])
    with state_store.transaction() as tx:  # the same page fails again, another way
        tx.quarantine("a", [("no text", {"url": "u1", "v": 2}), ("old", {"n": 1})], later,
                      ["u1", None])  # fmt: skip
    items = state_store.quarantined("a")
    assert [(i.key, i.error, i.raw) for i in items] == [
        ("u1", "no text", {"url": "u1", "v": 2}),
        (None, "old", {"n": 1}),
        (None, "old", {"n": 1}),
    ]
    assert items[0].created_at == later
    assert state_store.source_health("a")[0].quarantined == 3
    with state_store.transaction() as tx:
        tx.release_quarantined_keys("a", ["u1", "u9"])
    assert [i.key for i in state_store.quarantined("a")] == [None, None]
    assert [i.key for i in state_store.quarantined("b")] == ["u1"]


def test_forgetting_the_states_copies_and_the_log(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        tx.add_source(_source("a"))
        tx.quarantine("a", [("bad", {"author": "Claire"}), ("bad", {"author": "claire2"})], T0)
    assert state_store.forget_author("claire", None) == {
        "inbox_items": 0,
        "audit_details": 0,
        "alert_payloads": 0,
        "quarantine": 1,
    }
    assert [i.raw for i in state_store.quarantined()] == [{"author": "claire2"}]
    assert state_store.forget_posts(["mastodon:1"], rekey=True).get("deliveries") == 0
    later = T0 + timedelta(days=1)
    assert state_store.forget_before(later) == {
        "quarantine": 1,
        "alert_events": 0,
        "deliveries": 0,
        "alert_marks": 0,
    }
    assert state_store.forget_inbox_before(later) == 0  # no item to forget
    assert state_store.author_inbox_item_ids("claire", None) == []
    state_store.log_erasure("author", "mastodon", "a-123", 2, {"inbox_items": 1})
    (entry,) = state_store.erasures()
    assert (entry.kind, entry.platform, entry.subject, entry.posts) == (
        "author",
        "mastodon",
        "a-123",
        2,
    )
    assert entry.details == {"inbox_items": 1}
    assert state_store.atom_files() == []


def test_the_purges_of_one_cutoff_day_are_one_entry_of_the_erasure_log(
    state_store: StateStore,
) -> None:
    """veille run purges hourly: an entry per purge hid the erasures of
    people (the log shows its last entries) within days."""
    state_store.log_erasure("retention", None, "2026-01-01", 2, {"deliveries": 1})
    state_store.log_erasure("author", "mastodon", "a-123", 3, {})
    state_store.log_erasure("retention", None, "2026-01-01", 5, {"deliveries": 2, "minhash": 1})
    state_store.log_erasure("retention", None, "2026-01-02", 1, {})
    log = state_store.erasures()
    assert [(e.kind, e.subject, e.posts) for e in log] == [
        ("retention", "2026-01-02", 1),
        ("retention", "2026-01-01", 7),
        ("author", "a-123", 3),
    ]
    assert log[1].details == {"deliveries": 3, "minhash": 1}


@pytest.fixture(params=_state_backends())
def two_state_stores(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    """Two stores over the same state (two daemons' connections)."""
    from tests.store.conftest import _open

    first = _open(request.param, tmp_path, request)
    make_url = request.param.test_url
    second = request.param.open(make_url(tmp_path), root=tmp_path)
    yield first, second
    second.close()
    first.close()


def test_two_daemons_merging_the_days_erasure_entry_at_once_lose_no_count(
    two_state_stores: Any,
) -> None:
    """Two schedulers purging at once (on PostgreSQL, each a transaction of
    its own) each read the day's entry, deleted it and wrote their own sum:
    one purge's count was lost, or counted twice, and the day had two
    entries. Each merge now holds the log while it reads and writes."""
    import threading

    stores, rounds = two_state_stores, 25
    start = threading.Barrier(2 * len(stores))
    failures: list[BaseException] = []

    def purge(store: Any) -> None:
        try:
            start.wait()
            for _ in range(rounds):
                store.log_erasure("retention", None, "2026-01-01", 1, {"deliveries": 2})
        except BaseException as exc:  # seen by the test, not lost on the thread
            failures.append(exc)

    threads = [threading.Thread(target=purge, args=(s,)) for s in stores for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    log = stores[1].erasures()
    assert [(e.kind, e.subject, e.posts) for e in log] == [("retention", "2026-01-01", 4 * rounds)]
    assert log[0].details == {"deliveries": 8 * rounds}
