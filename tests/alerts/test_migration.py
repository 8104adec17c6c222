"""The alert tables arrive by migration on an existing database, keeping its posts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.alerts.conftest import make_post
from veille.store.sqlite import SQLiteStore
from veille.store.sqlite.migrations import migrations


def test_upgrade_from_the_schema_before_alerts(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for mig in migrations():
        if mig.number >= 30:
            break
        conn.executescript(f"BEGIN;\n{mig.sql}\nPRAGMA user_version = {mig.number};\nCOMMIT;")
    conn.execute(
        "INSERT INTO posts (id, platform, native_id, author_handle, text, published_at, "
        "content_hash) VALUES ('mastodon:1', 'mastodon', '1', 'someone', 'kept', 0, 'h')"
    )
    conn.close()
    store = SQLiteStore.open(path)
    store.upsert_posts([make_post(2, "new")])
    store.close()
    store = SQLiteStore.open(path)  # reopening applies nothing twice
    assert store.get_post("mastodon:1") is not None
    assert store.get_post("mastodon:2") is not None
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    assert {"alerts", "deliveries", "alert_marks"} <= tables
    store.close()
