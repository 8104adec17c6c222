"""A retention purge that lands between an ingest's write of new posts and
its state transaction, which queues their alerts (the outbox), on layouts
where posts and state are two backends.

The purge deletes the posts it finds and their outbox rows; the state
transaction that follows queued alert rows for the posts just written all
the same, naming posts no longer held. The sender composed each message
from the posts it still found: none, and an alert's webhook received a
message of no post (``"posts": []``; an e-mail of none), its rows marked
sent. The post's text, author and link were not sent (the sender reads
them where they are stored), but a receiver was told of something that is
gone. A message whose posts are all gone is now not sent: its rows are
skipped, "alert or posts removed", as for a deleted alert.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.conftest import Receiver
from tests.conftest import (
    chdb_postgres_workspace,
    init_state_workspace,
    keep_posts_days,
    retention_workspace,
)
from tests.store.test_retention_ingest_race import LATER, RECENT, WEEK_OLD, ingest_beside_a_purge
from tests.store.test_retention_late_posts import _post
from veille.alerts.model import Alert, AlertBook
from veille.alerts.stage import engine_for
from veille.pipeline.ingest import build_pipeline
from veille.services.retention import apply_retention
from veille.workspace import Workspace


@contextmanager
def _layout(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Workspace]:
    """A workspace keeping posts 10 days whose webhooks may reach loopback:
    ``chdb+postgresql`` (posts in chDB, state in PostgreSQL),
    ``chdb`` (its state in SQLite), ``sqlite+postgresql`` (a SQLite posts
    file beside PostgreSQL state)."""
    root = tmp_path / "ws"
    if kind == "chdb":
        root = retention_workspace("chdb", root)
    elif kind == "sqlite+postgresql":
        request.getfixturevalue("postgres_url")
        root = keep_posts_days(init_state_workspace(root, "postgresql"))
    else:
        root = keep_posts_days(chdb_postgres_workspace(root, request, tmp_path))
    toml = root / "veille.toml"
    text = toml.read_text(encoding="utf-8")
    allow = "allow_private_networks = true"
    text = text.replace("[http]\n", f"[http]\n{allow}\n", 1) if "\n[http]\n" in text else (
        f"{text}\n[http]\n{allow}\n"
    )  # fmt: skip
    toml.write_text(text, encoding="utf-8")
    with Workspace.open(root) as ws:
        yield ws


def _ingest_beside_a_purge(ws: Workspace, posts: list[Any]) -> Any:
    """Ingest ``posts``, a retention purge (another thread's) running after
    their write and before the state's transaction (which queues their
    alerts); the ingest's result."""
    got, purges = ingest_beside_a_purge(ws, posts)
    assert len(purges) == 1 and purges[0] is not None and purges[0].posts == 2
    return got


def _rows(ws: Workspace) -> set[tuple[str, str]]:
    return {(d.post_id, d.status) for d in ws.store.list_deliveries(alert_name="lumio")}


LAYOUTS = ["chdb", "chdb+postgresql", "sqlite+postgresql"]


@pytest.mark.parametrize("kind", LAYOUTS)
def test_no_alert_goes_out_about_posts_a_purge_deleted_before_they_were_queued(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, receiver: Receiver
) -> None:
    with _layout(kind, tmp_path, request) as ws:
        ws.store.upsert_posts(RECENT)
        AlertBook(ws.store).add(
            Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
        )
        got = _ingest_beside_a_purge(ws, WEEK_OLD)
        assert ws.posts.count_posts() == 2
        # The ingest's own send, right after its commit, and a later round.
        assert engine_for(ws).dispatch().sent == 0
        # Until 2026-12-06 the webhook got a message of the alert with no
        # post in it ("posts": []), the rows marked sent.
        assert [r["json"]["posts"] for r in receiver.requests] == []
        assert _rows(ws) == {(p.id, "skipped") for p in got.new}
        # A post still held is told as before.
        build_pipeline(ws).ingest([_post("new3", 1, 2)])
        assert [[p["id"] for p in r["json"]["posts"]] for r in receiver.requests] == [
            ["mastodon:new3"]
        ]


@pytest.mark.parametrize("kind", LAYOUTS)
def test_a_message_tells_the_posts_still_held_and_skips_the_purged_ones(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, receiver: Receiver
) -> None:
    with _layout(kind, tmp_path, request) as ws:
        AlertBook(ws.store).add(
            Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
        )
        fresh = _post("new3", 1, 2)
        _ingest_beside_a_purge(ws, [*WEEK_OLD, fresh])
        assert [[p["id"] for p in r["json"]["posts"]] for r in receiver.requests] == [[fresh.id]]
        # Until 2026-12-06 the purged posts' rows read sent.
        assert _rows(ws) == {(fresh.id, "sent")} | {(p.id, "skipped") for p in WEEK_OLD}


@pytest.mark.parametrize("kind", LAYOUTS)
def test_the_next_purge_deletes_the_rows_and_marks_of_purged_posts(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, receiver: Receiver
) -> None:
    """The purge deletes the outbox rows of the posts it finds; the rows
    queued just after it, naming posts it had deleted, stayed for ever
    (sent or skipped, each naming a post of a person that retention had
    forgotten). The next purge now deletes them, and the "not relevant"
    marks made before its cutoff; what names a post still held stays."""
    with _layout(kind, tmp_path, request) as ws:
        AlertBook(ws.store).add(
            Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
        )
        fresh = _post("new3", 1, 2)
        _ingest_beside_a_purge(ws, [*WEEK_OLD, fresh])
        assert _rows(ws) == {(fresh.id, "sent")} | {(p.id, "skipped") for p in WEEK_OLD}
        alert = ws.state.find_alert("lumio")
        assert alert is not None and alert.id is not None
        # Marked "not relevant" long ago (before the cutoff), and today.
        ws.state.mark_not_relevant(
            alert.id, WEEK_OLD[0].id, (LATER - timedelta(days=20)).timestamp()
        )
        ws.state.mark_not_relevant(alert.id, fresh.id, time.time())

        report = apply_retention(ws, now=LATER)
        assert report is not None and report.posts == 0
        assert _rows(ws) == {(fresh.id, "sent")}
        assert ws.state.not_relevant_posts(alert.id) == {fresh.id}
        assert report.removed["deliveries"] == 2 and report.removed["alert_marks"] == 1
        # The day's entry of the privacy log counts them with its posts.
        (logged,) = ws.state.erasures(kind="retention")
        assert logged.posts == 2
        assert (logged.details["deliveries"], logged.details["alert_marks"]) == (2, 1)
        # Each purge after finds nothing more to delete.
        again = apply_retention(ws, now=LATER)
        assert again is not None
        assert again.removed["deliveries"] == 0 and again.removed["alert_marks"] == 0
        assert _rows(ws) == {(fresh.id, "sent")}
