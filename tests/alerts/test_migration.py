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


def test_deliveries_queued_before_publication_times_were_kept_get_them(tmp_path: Path) -> None:
    """0272 gives the deliveries of an existing database their posts'
    publication times, so the alert's feed shows its newest posts at once."""
    from datetime import UTC, datetime, timedelta

    from veille.alerts.model import Alert, AlertBook
    from veille.pipeline import build_pipeline
    from veille.workspace import Workspace, init_workspace

    root = tmp_path / "ws"
    init_workspace(root)
    ws = Workspace.open(root)
    AlertBook(ws.store).add(Alert(name="a", query="lumio", channel_url="atom:feeds/a.xml"))
    now = datetime.now(UTC)
    pipeline = build_pipeline(ws, skip=("enrich",))
    for n in range(5):  # newest first, as a backlog arrives
        pipeline.ingest([make_post(n, f"lumio {n}", published_at=now - timedelta(days=n))])
    alert_id = AlertBook(ws.store).get("a").id
    ws.close()
    # The database as the version before 0272 left it.
    conn = sqlite3.connect(root / "veille.db", isolation_level=None)
    conn.executescript(
        "DROP INDEX deliveries_alert_published; ALTER TABLE deliveries DROP COLUMN published_at;"
        "DELETE FROM schema_migrations WHERE number = 272;"
    )
    conn.close()
    store = SQLiteStore.open(root / "veille.db")
    assert alert_id is not None
    assert store.delivered_posts(alert_id) == [f"mastodon:{n}" for n in range(5)]
    store.close()
