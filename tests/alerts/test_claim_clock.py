"""Delivery claims go by the state store's clock, not each scheduler's.

Two schedulers (``veille run`` on two machines, or one of them and
``veille alert dispatch --loop``) share the outbox through the state store.
A claim is a lease: a scheduler whose clock ran ahead read the claim of one
still sending as expired, claimed the rows again and sent them a second time,
under the same delivery id."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alerts.conftest import Receiver, make_post
from veille.alerts.model import Alert, AlertBook
from veille.alerts.outbox import AlertEngine
from veille.pipeline import build_pipeline
from veille.store.split import joined
from veille.workspace import Workspace, init_workspace


@pytest.fixture(params=["sqlite", "postgres"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """A workspace whose state is SQLite, or PostgreSQL (posts in SQLite)."""
    root = tmp_path / "ws"
    if request.param == "postgres":
        from tests.scale.conftest import split_root
        from veille.store.postgres.testing import fresh_schema_url

        state = fresh_schema_url(request.getfixturevalue("postgres_url"), tmp_path)
        split_root(root, state)
    else:
        init_workspace(root)
        (root / "veille.toml").write_text("", encoding="utf-8")  # the defaults
    with (root / "veille.toml").open("a", encoding="utf-8") as config:
        config.write("\n[http]\nallow_private_networks = true\n")
    ws = Workspace.open(root)
    yield ws
    ws.close()


def test_a_scheduler_whose_clock_runs_ahead_does_not_send_a_claimed_delivery_again(
    shared: Workspace, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    ws = shared
    AlertBook(ws.state).add(
        Alert(name="lumio", query="lumio", frequency="hourly",
              channel_url=f"webhook+{receiver.url}")
    )  # fmt: skip
    build_pipeline(ws).ingest([make_post(1, "The new Lumio lamp is great")])
    store = joined(ws.posts, ws.state)
    in_step = AlertEngine(store, ws.settings, ws.root)
    ahead = AlertEngine(store, ws.settings, ws.root, local=lambda: time.time() + 7200)
    try:
        # The scheduler in step with the store claims the hour's message (due
        # within the hour) and is sending it: its claim runs for the send
        # timeout and a little more. The other one's clock is two hours ahead.
        later = ws.state.clock() + 3600
        assert len(in_step.claim(later)) == 1
        with caplog.at_level(logging.WARNING, logger="veille.alerts.outbox"):
            report = ahead.dispatch()
            assert ahead.dispatch().batches == 0
        assert report.batches == 0 and report.sent == 0
        assert receiver.requests == []
        said = [r.getMessage() for r in caplog.records if r.name == "veille.alerts.outbox"]
        assert said == [
            "this machine's clock is 7200 s ahead of the state store's: delivery claims "
            "go by the store's clock; synchronize this machine's (NTP)"
        ]
    finally:
        in_step.close()
        ahead.close()


def test_an_instant_alert_queued_by_a_collector_whose_clock_runs_ahead_goes_at_once(
    shared: Workspace, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A collector queued each delivery at its own clock's time, and every
    scheduler claims by the state store's: on a collector two hours ahead,
    an as-it-happens alert waited two hours. It is now queued at the store's
    time and sent right after the batch is stored."""
    import veille.alerts.stage as stage

    ws = shared
    AlertBook(ws.state).add(
        Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
    )  # as it happens
    engines: list[AlertEngine] = []

    def ahead(workspace: Workspace) -> AlertEngine:
        engines.append(
            AlertEngine(joined(workspace.posts, workspace.state), workspace.settings,
                        workspace.root, local=lambda: time.time() + 7200)
        )  # fmt: skip
        return engines[-1]

    monkeypatch.setattr(stage, "engine_for", ahead)
    try:
        build_pipeline(ws).ingest([make_post(1, "The new Lumio lamp is great")])
        assert len(receiver.requests) == 1
    finally:
        for engine in engines:
            engine.close()
