"""Leases and pending split-ingest batches: the StateStore contract for
collection across machines (run over every backend keeping state)."""

from __future__ import annotations

from veille.store import StateStore


def test_one_holder_at_a_time_until_expiry(state_store: StateStore) -> None:
    first = state_store.acquire_lease("source:a", "c1", ttl=30, now=100.0)
    assert first == 1
    assert state_store.acquire_lease("source:a", "c2", ttl=30, now=110.0) is None
    # Heartbeats keep it; the holder may take it again.
    assert state_store.renew_leases(["source:a", "source:b"], "c1", ttl=30, now=120.0) == {
        "source:a"
    }
    assert state_store.acquire_lease("source:a", "c2", ttl=30, now=140.0) is None
    # c1 dies: no heartbeat; after expiry c2 takes it over, with a new epoch.
    taken = state_store.acquire_lease("source:a", "c2", ttl=30, now=151.0)
    assert taken == 2
    assert state_store.renew_leases(["source:a"], "c1", ttl=30, now=152.0) == set()
    with state_store.transaction() as tx:
        assert not tx.holds_lease("source:a", "c1", 1, now=152.0)
        assert tx.holds_lease("source:a", "c2", 2, now=152.0)
    state_store.release_lease("source:a", "c2", now=160.0)
    with state_store.transaction() as tx:
        assert not tx.holds_lease("source:a", "c2", 2, now=161.0)
    assert state_store.acquire_lease("source:a", "c3", ttl=30, now=161.0) == 3
    log = state_store.lease_log("source:a")
    assert [(g.holder, g.epoch, g.acquired_at, g.ended_at) for g in log] == [
        ("c1", 1, 100.0, 150.0),  # ended when it expired
        ("c2", 2, 151.0, 160.0),  # released
        ("c3", 3, 161.0, None),
    ]
    (lease,) = state_store.leases()
    assert (lease.holder, lease.epoch, lease.expires_at) == ("c3", 3, 191.0)


def test_pending_batches_are_held_until_released(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        hold = tx.hold_pending("source:a", ["p1", "p2"], 10.0)
    with state_store.transaction() as tx:
        other = tx.hold_pending("import", ["p3"], 11.0)
    assert state_store.pending_ingests("source:a") == [(hold, "source:a", ["p1", "p2"])]
    assert len(state_store.pending_ingests()) == 2
    with state_store.transaction() as tx:
        tx.release_pending([hold, other])
    assert state_store.pending_ingests() == []


def test_an_expired_lease_nobody_took_is_still_its_holders(state_store: StateStore) -> None:
    # A heartbeat late on a loaded machine: the lease ran out, nobody took it.
    epoch = state_store.acquire_lease("source:a", "c1", ttl=3, now=100.0)
    assert epoch is not None
    with state_store.transaction() as tx:
        assert tx.holds_lease("source:a", "c1", epoch, now=110.0)
    assert state_store.renew_leases(["source:a"], "c1", ttl=3, now=110.0) == {"source:a"}
    assert state_store.acquire_lease("source:a", "c2", ttl=3, now=112.0) is None
    # Released: nobody's, taken at once.
    state_store.release_lease("source:a", "c1", now=112.5)
    assert state_store.renew_leases(["source:a"], "c1", ttl=3, now=112.6) == set()
    assert state_store.acquire_lease("source:a", "c2", ttl=3, now=112.7) == epoch + 1


def test_a_taker_that_read_its_clock_before_a_release_holds_from_the_release(
    state_store: StateStore,
) -> None:
    # Under load, a collector reads the time, then waits for the lock while the
    # holder releases: its grant must not start before the release (the lease
    # log would show two holders at once, and its lease would end early).
    assert state_store.acquire_lease("source:a", "c1", ttl=5, now=100.0) == 1
    state_store.release_lease("source:a", "c1", now=103.0)
    assert state_store.acquire_lease("source:a", "c2", ttl=5, now=102.5) == 2
    log = state_store.lease_log("source:a")
    assert [(g.holder, g.acquired_at, g.ended_at) for g in log] == [
        ("c1", 100.0, 103.0),
        ("c2", 103.0, None),
    ]
    (lease,) = state_store.leases()
    assert lease.expires_at == 108.0


def test_the_store_tells_its_own_time(state_store: StateStore) -> None:
    """What every collector measures leases and schedules by (on this
    machine, the store's clock and the test's agree)."""
    import time

    before = time.time()
    told = state_store.clock()
    assert before - 5 < told < time.time() + 5


def test_the_lease_log_keeps_a_week_not_every_grant_ever(state_store: StateStore) -> None:
    """Every collection of a source is a grant: a source collected hourly for
    a month logged 720 grants, and the log grew so for as long as veille ran.
    Grants that ended more than LEASE_LOG_DAYS ago go when the source is next
    granted; the recent ones, and every source's current grant, stay.
    Collected hourly for twice LEASE_LOG_DAYS (not a month: each grant is a
    round trip to the store, and a log kept whole would hold twice what the
    bounds below allow all the same)."""
    from veille.store.protocols.collection import LEASE_LOG_DAYS

    hour = 3600.0
    hours = 2 * LEASE_LOG_DAYS * 24
    for h in range(hours):
        now = h * hour
        for name in ("source:a", "source:b"):
            assert state_store.acquire_lease(name, "c1", ttl=60, now=now) is not None
            state_store.release_lease(name, "c1", now=now + 30)
    last = (hours - 1) * hour
    state_store.acquire_lease("source:a", "c2", ttl=60, now=last + hour)
    log = state_store.lease_log("source:a")
    assert log[-1].holder == "c2" and log[-1].ended_at is None
    assert min(g.acquired_at for g in log) >= last + hour - LEASE_LOG_DAYS * 86400 - hour
    assert len(log) <= LEASE_LOG_DAYS * 24 + 2
    assert len(state_store.lease_log("source:b")) <= LEASE_LOG_DAYS * 24 + 2


def test_leases_nobody_holds_are_forgotten_with_their_log(state_store: StateStore) -> None:
    """An erasure's lease once it is done: deleted, its grants too; one
    held (and not run out) is kept, and a name taken again starts anew."""
    for name, holder in (("erasure:a", "c1"), ("erasure:b", "c2"), ("erasure:c", "c3")):
        assert state_store.acquire_lease(name, holder, ttl=30, now=100.0) == 1
    state_store.release_lease("erasure:a", "c1", now=110.0)  # released
    # erasure:b runs out at 130 (its process was killed); erasure:c is renewed.
    state_store.renew_leases(["erasure:c"], "c3", ttl=30, now=125.0)
    gone = state_store.forget_leases(["erasure:a", "erasure:b", "erasure:c"], before=140.0)
    assert gone == ["erasure:a", "erasure:b"]
    assert [x.name for x in state_store.leases()] == ["erasure:c"]
    assert {g.name for g in state_store.lease_log()} == {"erasure:c"}
    assert state_store.forget_leases([], before=140.0) == []
    assert state_store.acquire_lease("erasure:a", "c4", ttl=30, now=150.0) == 1
    assert [(g.holder, g.epoch) for g in state_store.lease_log("erasure:a")] == [("c4", 1)]


def test_the_leases_of_a_prefix_are_read_alone(state_store: StateStore) -> None:
    for name in ("source:a", "web:box:http://127.0.0.1:8000", "web;", "webby", "wea", "web"):
        assert state_store.acquire_lease(name, "c1", ttl=30, now=100.0) == 1
    assert [x.name for x in state_store.leases("web:")] == ["web:box:http://127.0.0.1:8000"]
    assert [x.name for x in state_store.leases("web")] == [
        "web",
        "web:box:http://127.0.0.1:8000",
        "web;",
        "webby",
    ]
    assert len(state_store.leases()) == 6
    assert state_store.leases("nothing") == []
