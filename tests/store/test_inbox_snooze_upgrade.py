"""Inbox items entered before snoozing existed (SQLite migration 0730,
PostgreSQL 0160): the upgrade keeps each whole and open, not snoozed, and
they can then be snoozed and come back at their time. A real SQLite file
and a real PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import postgres_before, sqlite_before
from veille.inbox import items as svc
from veille.inbox import snooze as sn
from veille.inbox.model import OPEN_STATUSES, ItemFilter

MADE = int(datetime(2026, 11, 2, 9, 30, tzinfo=UTC).timestamp())
_ITEM = (
    "INSERT INTO inbox_items (post_id, platform, author, text, published_at, created_at, "
    "updated_at, status, assignee) VALUES ('mastodon:1', 'mastodon', 'carol', 'lumio?', "
    "{m}, {m}, {m}, 'assigned', 'alice')"
)


def _check(store: Any) -> None:
    old = store.inbox_item(1)
    assert old is not None
    assert (old.status, old.assignee, old.text, old.snoozed_until) == (
        "assigned", "alice", "lumio?", None)  # fmt: skip
    assert [i.id for i in svc.list_items(store, ItemFilter(statuses=OPEN_STATUSES))] == [1]
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    assert sn.snooze(store, 1, until, actor="alice").snoozed_until == until
    assert svc.list_items(store, ItemFilter(statuses=OPEN_STATUSES)) == []
    assert sn.wake_due(store, int(until.timestamp())) == [1]
    back = store.inbox_item(1)
    assert (back.status, back.assignee, back.snoozed_until) == ("assigned", "alice", None)


def test_sqlite_0730_keeps_the_items_entered_before(tmp_path: Path) -> None:
    from veille.store.sqlite import SQLiteStore

    path = tmp_path / "old.db"
    conn = sqlite_before(path, 730)
    assert "snoozed_until" not in {r[1] for r in conn.execute("PRAGMA table_info(inbox_items)")}
    conn.execute(_ITEM.format(m=MADE))
    conn.close()
    store = SQLiteStore.open(path)
    try:
        _check(store)
    finally:
        store.close()


def test_postgresql_0160_keeps_the_items_entered_before(postgres_url: str, tmp_path: Path) -> None:
    from veille.store.postgres.store import PostgresStore
    from veille.store.postgres.testing import fresh_schema_url

    url = fresh_schema_url(postgres_url, tmp_path)
    with postgres_before(url, 160) as conn:  # as the release before left it
        conn.execute(_ITEM.format(m=MADE))
    store = PostgresStore.open(url)
    try:
        _check(store)
    finally:
        store.close()
