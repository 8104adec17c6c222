"""Inbox rules stored before escalation (SQLite migration 0740, PostgreSQL
0170): the upgrade keeps each as it was, a rule for new items, and the
items entered before are among those an escalation rule reads. A real SQLite file and a real
PostgreSQL server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.conftest import postgres_before, sqlite_before

MADE = int(datetime(2026, 11, 2, 9, 30, tzinfo=UTC).timestamp())
_RULE = (
    "INSERT INTO inbox_rules (name, position, conditions, actions, created_at) "
    "VALUES ('angry', 1, '{{\"sentiments\": [\"negative\"]}}', '{a}', {m})"
).format(a=json.dumps([["priority", "urgent"]]), m=MADE)
_ITEM = (
    "INSERT INTO inbox_items (post_id, platform, author, text, published_at, created_at, "
    "updated_at, status) VALUES ('mastodon:1', 'mastodon', 'carol', 'lumio?', "
    f"{MADE}, {MADE}, {MADE}, 'new')"
)


def _check(store: Any) -> None:
    (rule,) = store.inbox_rules()
    assert (rule.name, rule.on, rule.actions) == ("angry", "new", (("priority", "urgent"),))
    assert rule.as_json()["on"] == "new"
    # An item entered before: read on the new index of the items awaiting an answer.
    rule_id = rule.id
    assert store.inbox_awaiting(rule_id, "breached", "normal", MADE + 3600) != []


def test_sqlite_0740_keeps_the_rules_made_before(tmp_path: Path) -> None:
    from veille.store.sqlite import SQLiteStore

    path = tmp_path / "old.db"
    conn = sqlite_before(path, 740)
    assert "runs_on" not in {r[1] for r in conn.execute("PRAGMA table_info(inbox_rules)")}
    conn.execute(_RULE)
    conn.execute(_ITEM)
    conn.close()
    store = SQLiteStore.open(path)
    try:
        _check(store)
    finally:
        store.close()


def test_postgresql_0170_keeps_the_rules_made_before(postgres_url: str, tmp_path: Path) -> None:
    from veille.store.postgres.store import PostgresStore
    from veille.store.postgres.testing import fresh_schema_url

    url = fresh_schema_url(postgres_url, tmp_path)
    with postgres_before(url, 170) as conn:  # as the release before left it
        conn.execute(_RULE)
        conn.execute(_ITEM)
    store = PostgresStore.open(url)
    try:
        _check(store)
    finally:
        store.close()
