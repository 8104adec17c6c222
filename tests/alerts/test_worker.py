"""The outbox worker sends off the ingest path: a slow channel never slows collection."""

from __future__ import annotations

import threading
import time

from tests.alerts.conftest import make_post, make_workspace
from veille.alerts.model import Alert, AlertBook
from veille.alerts.outbox import OutboxWorker
from veille.pipeline import build_pipeline


def _until(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        time.sleep(0.02)
    return bool(condition())


def test_a_channel_that_hangs_does_not_hold_up_ingest(tmp_path, receiver) -> None:  # type: ignore[no-untyped-def]
    # A send timeout longer than the receiver's hold: sending on the ingest path
    # would keep the first ingest waiting until the receiver gave up.
    ws = make_workspace(tmp_path / "ws", "")
    (ws.root / "veille.toml").write_text(
        "[http]\nallow_private_networks = true\n\n"
        "[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 60.0\n"
        "dispatch_interval_seconds = 3600.0\n"
    )
    ws.close()
    from veille.workspace import Workspace

    ws = Workspace.open(tmp_path / "ws")
    AlertBook(ws.store).add(
        Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
    )
    receiver.gate = threading.Event()
    worker = OutboxWorker(ws)
    pipeline = build_pipeline(ws)
    worker.attach(pipeline)
    worker.start()
    try:
        pipeline.ingest([make_post(1, "Lumio one")])
        assert _until(lambda: receiver.arrived == 1)  # the first send is held
        pipeline.ingest([make_post(2, "Lumio two")])
        pipeline.ingest([make_post(3, "Lumio three")])
        # Every post is stored while the channel still holds the first send.
        assert {p.id for p in ws.store.iter_posts()} == {"mastodon:1", "mastodon:2", "mastodon:3"}
        receiver.gate.set()
        assert _until(
            lambda: (
                sorted(p["id"] for r in receiver.accepted() for p in r["json"]["posts"])
                == ["mastodon:1", "mastodon:2", "mastodon:3"]
            )
        )
    finally:
        receiver.gate.set()
        worker.stop()
        ws.close()
    assert all(r["released"] for r in receiver.requests)


def test_drain_once_sends_what_is_due_with_its_own_connection(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
    )
    pipeline = build_pipeline(workspace)
    worker = OutboxWorker(workspace)
    worker.attach(pipeline)  # not started: nothing is sent by ingest
    pipeline.ingest([make_post(1, "Lumio one")])
    assert receiver.requests == []
    events, report = worker.drain_once()
    worker.close()
    assert (events, report.sent) == (0, 1)
    assert [p["id"] for r in receiver.accepted() for p in r["json"]["posts"]] == ["mastodon:1"]
