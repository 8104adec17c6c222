"""A PostgreSQL state store whose server is away fails at once for a few
seconds after one call met it so (no wait for the pool's timeout on each
call), then tries the server again, and serves as soon as it answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from veille.errors import StoreUnavailable

psycopg = pytest.importorskip("psycopg")


class Pool:
    """A pool whose server is away while ``away``; counts what was asked."""

    def __init__(self) -> None:
        self.away = False
        self.asked = 0
        self.checked = 0

    def check(self) -> None:
        self.checked += 1

    @contextmanager
    def connection(self) -> Iterator[Any]:
        self.asked += 1
        if self.away:
            raise psycopg.OperationalError("connection refused")
        yield Connection()


class Connection:
    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_server_away_is_asked_once_per_pause_and_served_again_when_back() -> None:
    from veille.store.postgres.store import Breaker, PostgresStore

    pool, clock = Pool(), Clock()
    store = PostgresStore(pool, "postgresql://u:secret@db/veille", breaker=Breaker(3.0, clock))
    with store.connection():
        pass
    pool.away = True
    refused = "did not answer: connection refused"
    with pytest.raises(StoreUnavailable, match=refused), store.connection():
        pass
    assert pool.asked == 2
    # Within the pause: refused at once, the pool not asked (no 10 s wait).
    for _ in range(3):
        with pytest.raises(StoreUnavailable) as caught, store.write():
            pass
        assert "postgresql://u:****@db/veille did not answer" in caught.value.message
        assert "secret" not in caught.value.message
    assert pool.asked == 2
    # After it, one call tries again; still away: another pause.
    clock.now += 3.0
    with pytest.raises(StoreUnavailable), store.connection():
        pass
    assert pool.asked == 3
    with pytest.raises(StoreUnavailable), store.connection():
        pass
    assert pool.asked == 3
    # Back: the first call after the pause is served, and every one after.
    pool.away = False
    clock.now += 3.0
    for _ in range(3):
        with store.connection():
            pass
    assert pool.asked == 6
    assert pool.checked == 2  # each try drops the connections the server broke


def test_a_statement_refused_while_the_server_answers_opens_no_pause() -> None:
    from veille.store.postgres.store import Breaker, PostgresStore

    pool, clock = Pool(), Clock()
    store = PostgresStore(pool, "postgresql://db/veille", breaker=Breaker(3.0, clock))
    with pytest.raises(StoreUnavailable), store.connection():
        raise psycopg.errors.LockNotAvailable("lock timeout")
    with store.connection():
        pass
    assert pool.asked == 2


def test_one_call_tries_again_while_the_others_are_refused() -> None:
    from veille.store.postgres.store import Breaker

    clock = Clock()
    breaker = Breaker(3.0, clock)
    breaker.failed("connection refused")
    assert breaker.admit() == "no"
    clock.now += 3.0
    assert breaker.admit() == "try"
    assert breaker.admit() == "no"  # the others do not wait for it
    breaker.answered()
    assert breaker.admit() == breaker.admit() == "ask"
