"""A PostgreSQL state store whose server goes away says so, naming it."""

from __future__ import annotations

import time

import pytest

from veille.errors import StoreError
from veille.store.base import Cursor


def test_a_state_store_whose_server_stopped_says_which_and_what_to_do() -> None:
    from veille.store.postgres.testing import TestServer, missing_reason

    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    from veille.store.postgres.store import PostgresStore

    with TestServer() as server:
        store = PostgresStore.open(server.url, timeout=1.0)
        try:
            with store.transaction() as tx:
                tx.set_cursor(Cursor("rss:blog", {"etag": "a"}))
            assert store.get_cursor("rss:blog") is not None
            server.stop()
            # The pooled connection is broken, then no new one can be made.
            for _ in range(2):
                with pytest.raises(StoreError) as caught:
                    store.get_cursor("rss:blog")
                assert f"127.0.0.1:{server.port}/veille did not answer" in caught.value.message
                assert caught.value.hint and "server runs" in caught.value.hint
            with pytest.raises(StoreError, match="did not answer"), store.transaction() as tx:
                tx.set_cursor(Cursor("rss:blog", {"etag": "b"}))
        finally:
            store.close()


def test_a_state_store_whose_server_turned_read_only_says_so_and_keeps_what_it_had() -> None:
    """A server that stops taking writes under a running veille (set
    read-only by its operator, or a standby the pool reached while the
    primary was away): each write fails as the store being unavailable, in
    one line saying it is read-only, where psycopg's ReadOnlySqlTransaction
    went up as a bug (a daemon logged its traceback, the web app a 500)."""
    import time

    import psycopg

    from veille.errors import StoreUnavailable
    from veille.store.postgres.testing import TestServer, missing_reason

    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    from veille.store.postgres.store import PostgresStore

    with TestServer() as server:
        store = PostgresStore.open(server.url, timeout=5.0)
        try:
            with store.transaction() as tx:
                tx.set_cursor(Cursor("rss:blog", {"etag": "a"}))
            with psycopg.connect(server.url, autocommit=True) as conn:
                conn.execute("ALTER SYSTEM SET default_transaction_read_only = on")
                conn.execute("SELECT pg_reload_conf()")
            # Each session reads the reload when it next runs a statement.
            refused: list[StoreUnavailable] = []
            deadline = time.monotonic() + 30
            while len(refused) < 2 and time.monotonic() < deadline:
                try:
                    with store.transaction() as tx:
                        tx.set_cursor(Cursor("rss:blog", {"etag": "a"}))
                except StoreUnavailable as exc:
                    refused.append(exc)
            assert len(refused) == 2, "writes were still taken"
            for exc in refused:
                assert f"the PostgreSQL state store {server.url} is read-only" in exc.message
                assert exc.hint and "target_session_attrs=read-write" in exc.hint
            got = store.get_cursor("rss:blog")  # reads are answered meanwhile
            assert got is not None and got.value == {"etag": "a"}
        finally:
            store.close()


def test_opening_a_state_store_that_finds_no_server_taking_writes_says_read_only() -> None:
    """``[store] state`` naming the servers with
    ``target_session_attrs=read-write`` opened while none takes writes (the
    primary lost, the replica not promoted yet: about a second of a
    failover): libpq's "session is read-only" was said as "cannot open the
    PostgreSQL state store …" with the hint to check the user's privileges,
    which sent the operator the wrong way; now the read-only message and
    its hint."""
    import time

    import psycopg

    from veille.store.postgres.testing import TestServer, missing_reason

    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    from veille.store.postgres.store import PostgresStore

    with TestServer() as server:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET default_transaction_read_only = on")
            conn.execute("SELECT pg_reload_conf()")
        # Until the reload reaches new sessions, libpq would take the server.
        for _ in range(100):
            with psycopg.connect(server.url, autocommit=True) as conn:
                row = conn.execute("SHOW transaction_read_only").fetchone()
            if row and row[0] == "on":
                break
            time.sleep(0.1)
        url = f"{server.url}?target_session_attrs=read-write"
        with pytest.raises(StoreError) as caught:
            PostgresStore.open(url, timeout=5.0)
        said = caught.value
        assert f"the PostgreSQL state store {url} is read-only" in said.message, said.message
        assert said.hint and "target_session_attrs=read-write" in said.hint, said.hint
        assert "create tables" not in said.hint


def test_a_server_lost_in_a_stage_hook_is_the_store_away_not_the_stage(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The primary dies while a stage's hook writes in the ingest's state
    transaction (an alert's outbox rows, a topic's filings): the pass must
    fail as the store away, in one line naming it, and be tried again; it
    failed as "stage alerts failed (OperationalError …); nothing of the
    batch is stored" with a traceback, blaming the stage (fix or remove it)
    for a failover, and saying nothing was stored where the posts were."""
    import psycopg

    from veille.errors import StoreUnavailable
    from veille.pipeline.ingest import Pipeline, Stage
    from veille.store.base import UpsertResult
    from veille.store.postgres.testing import TestServer, missing_reason

    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    from veille.store.postgres.store import Breaker, PostgresStore

    def queue(tx: object, result: UpsertResult) -> None:
        # The server ends this transaction's session (as a lost primary
        # does), then the stage writes its row.
        pid = tx.one("SELECT pg_backend_pid()")[0]  # type: ignore[attr-defined]
        with psycopg.connect(server.url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        tx.set_cursor(Cursor("rss:blog", {"etag": "b"}))  # type: ignore[attr-defined]

    with TestServer() as server:
        store = PostgresStore.open(server.url, timeout=5.0)
        # A short pause (2 s by default): what is tested is that the call
        # after it finds the server, not how long it lasts.
        store.breaker = Breaker(pause=0.3)
        try:
            pipeline = Pipeline(store, [Stage("alerts", in_transaction=queue)])
            with pytest.raises(StoreUnavailable) as caught, store.transaction() as tx:
                pipeline.run_stages(tx, UpsertResult())
            assert f"127.0.0.1:{server.port}/veille did not answer" in caught.value.message
            assert "stage" not in caught.value.message
            assert "stage alerts failed" not in caplog.text, caplog.text
            assert "Traceback" not in caplog.text, caplog.text
            # The next call finds the server (the breaker's pause over).
            time.sleep(0.5)
            with store.transaction() as tx:
                tx.set_cursor(Cursor("rss:blog", {"etag": "c"}))
            cursor = store.get_cursor("rss:blog")
            assert cursor is not None and cursor.value == {"etag": "c"}
        finally:
            store.close()
