"""Delivery ids after an asynchronous PostgreSQL failover, with real parts:
a primary and its asynchronous streaming replica on loopback ports,
``[store] state`` naming both, an as-it-happens alert to a webhook on
loopback that drops repeats by delivery id (``X-Veille-Delivery``).

The replica stops receiving WAL (as a lagging one does); the primary sends
more messages than PostgreSQL logs a sequence ahead (32 values), each under
its delivery id; it dies and the replica is promoted without those commits.
The outbox's row ids then start again where the replica last saw the
sequence: ids the old primary already used. A delivery id made of the
alert id and the batch's first row id (as until 2026-12-06) came back on a
new message, which the receiver dropped as a repeat: that alert was lost
without a word. A new message must reach the receiver.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alerts.conftest import make_post
from tests.reliability.harness import Hooks
from tests.scale.conftest import split_root
from veille.alerts.model import Alert, AlertBook
from veille.alerts.outbox import AlertEngine
from veille.alerts.stage import engine_for
from veille.pipeline import build_pipeline
from veille.store.postgres.testing import TestServer, multi_host_url
from veille.workspace import Workspace

pytestmark = [pytest.mark.slow, pytest.mark.failover]

# More messages on the old primary alone than the sequence's logged-ahead
# values (32): the promoted replica's next row id is one of theirs.
LOST_MESSAGES = 40


def _deliveries(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM deliveries").fetchone()
    return int(row[0]) if row else 0


def _wait_replayed(primary: TestServer, replica: TestServer) -> None:
    """Until the replica has replayed every commit of the primary so far."""
    import time

    import psycopg

    with psycopg.connect(primary.url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    deadline = time.monotonic() + 60
    with psycopg.connect(replica.url, autocommit=True) as conn:
        while True:
            done = conn.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (row[0],)
            ).fetchone()
            if done and done[0]:
                return
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.1)


def _drain(ws: Workspace, engine: AlertEngine) -> None:
    """Send what the as-it-happens send after the commit left due (a row
    queued by the store's clock a moment after the send's own reading of it
    waits for the next round), as the daemon's outbox worker does: each post
    then goes in a message of its own."""
    import time

    deadline = time.monotonic() + 60
    while ws.state.list_deliveries(("pending", "sending"), limit=1):
        assert time.monotonic() < deadline, ws.state.list_deliveries(("pending", "sending"))
        engine.dispatch()
        time.sleep(0.05)


def test_a_message_sent_after_an_async_failover_is_not_dropped_as_a_repeat(
    tmp_path: Path, async_pair: tuple[TestServer, TestServer]
) -> None:
    primary, replica = async_pair
    root = split_root(tmp_path / "ws", multi_host_url(primary, replica))
    with (root / "veille.toml").open("a", encoding="utf-8") as f:
        f.write("\n[http]\nallow_private_networks = true\n\n"
                "[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 5.0\n")  # fmt: skip
    hooks = Hooks()
    try:
        with Workspace.open(root) as ws:
            AlertBook(ws.state).add(
                Alert(name="lumio", query="lumio", channel_url=f"webhook+{hooks.url}")
            )
            pipeline = build_pipeline(ws)
            engine = engine_for(ws)
            pipeline.ingest([make_post(1, "Lumio before the cut")])
            _drain(ws, engine)
            _wait_replayed(primary, replica)
            replica.cut_off()  # from here the primary's commits stay on it
            # As-it-happens: one message per post, each under its delivery id.
            for n in range(2, 2 + LOST_MESSAGES):
                pipeline.ingest([make_post(n, f"Lumio on the primary alone, {n}")])
                _drain(ws, engine)
            engine.close()
        assert _deliveries(primary.url) == 1 + LOST_MESSAGES
        assert len(hooks.seen) == 1 + LOST_MESSAGES
        primary.kill()
        replica.promote()
        assert _deliveries(replica.url) == 1  # the promoted replica lost the rest
        with Workspace.open(root) as ws:
            build_pipeline(ws).ingest([make_post(100, "Lumio after the failover")])
            engine = engine_for(ws)
            _drain(ws, engine)
            engine.close()
            outbox = {d.post_id: d.status for d in ws.state.list_deliveries()}
    finally:
        hooks.stop()
    assert outbox.get("mastodon:100") == "sent", outbox
    # A receiver that drops repeats by delivery id keeps the first body of each.
    kept: dict[str, list[str]] = {}
    for delivery, _alert, post_ids in hooks.seen:
        kept.setdefault(delivery, post_ids)
    received = {p for posts in kept.values() for p in posts}
    reused = [(d, p) for d, _a, p in hooks.seen if kept[d] != p]
    assert "mastodon:100" in received, (
        f"the message sent after the failover came under a delivery id already used: {reused}"
    )
    assert received == {f"mastodon:{n}" for n in [*range(1, 2 + LOST_MESSAGES), 100]}
