"""Two sign-ins at one account at the same time, with the state in
PostgreSQL: each is counted against the attempts recorded before it, so
the second must see the first even when the first's insert commits late.
Its id came from a sequence as its insert began, and the second (a higher
id) read "the attempts before it" before that commit: each missed the
other, one more guess checked past the account's cap. A real server."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _waiting(conn: Any, how_many: int) -> bool:
    """Whether ``how_many`` sessions wait for a lock (within 30 s)."""
    for _ in range(300):
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        ).fetchone()
        if row[0] >= how_many:
            return True
        time.sleep(0.1)
    return False


def test_an_attempt_committed_late_is_counted_by_the_next(
    postgres_url: str, tmp_path: Path
) -> None:
    import psycopg

    from veille.store.postgres.store import PostgresStore
    from veille.store.postgres.testing import fresh_schema_url

    url = fresh_schema_url(postgres_url, tmp_path)
    store = PostgresStore.open(url)
    seen: list[list[tuple[datetime, str]]] = []

    def first() -> None:
        store.add_login_attempt("bob|192.0.2.1", T0, success=False)

    def second() -> None:
        mine = store.add_login_attempt("bob|192.0.2.2", T0, success=False)
        seen.append(store.failed_logins_of("bob", T0, before=mine))

    try:
        with psycopg.connect(url, autocommit=True) as other, psycopg.connect(url) as slow:
            # The first attempt's insert held up (as by a slow commit): a
            # transaction holds, uncommitted, the id the sequence gives it next.
            seq = other.execute("SELECT pg_get_serial_sequence('login_attempts', 'id')")
            name = seq.fetchone()[0]  # type: ignore[index]
            taken = slow.execute("SELECT nextval(%s) + 1", (name,)).fetchone()[0]  # type: ignore[index]
            slow.execute(
                "INSERT INTO login_attempts (id, key, at, success) VALUES (%s, 'x|y', 0, FALSE)",
                (taken,),
            )
            one = threading.Thread(target=first)
            one.start()
            assert _waiting(other, 1)
            two = threading.Thread(target=second)
            two.start()
            two.join(3)  # done at once, or waiting for the first
            slow.rollback()
            one.join(30)
            two.join(30)
    finally:
        store.close()
    assert seen == [[(T0, "192.0.2.1")]]
