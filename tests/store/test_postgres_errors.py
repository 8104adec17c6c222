"""A PostgreSQL state store whose server goes away says so, naming it."""

from __future__ import annotations

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
