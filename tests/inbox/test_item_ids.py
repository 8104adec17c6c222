"""An inbox item's number is never given to another item: the audit log,
links sent by e-mail and a person's access report name items by number."""

from __future__ import annotations

from tests.conftest import sqlite_before
from veille.inbox import items as inbox
from veille.inbox.model import ItemFilter
from veille.services import disclosure, privacy
from veille.workspace import Workspace

from .conftest import Author, ingest, post


def _ids(ws: Workspace) -> dict[str, int]:
    return {i.author: i.id for i in ws.state.inbox_items(ItemFilter(limit=50))}


def test_an_erased_persons_item_number_is_not_given_to_the_next_item(
    inbox_ws: Workspace,
) -> None:
    ws = inbox_ws
    ingest(
        ws,
        [
            post("1", "lumio broke", author=Author("bob")),
            post("2", "lumio down", author=Author("claire")),
        ],
    )
    before = _ids(ws)
    inbox.add_note(ws.state, before["claire"], "called her back", actor="alice")
    # Claire's item is the newest: the one a reused number would go to.
    assert before["claire"] == max(before.values())

    privacy.erase_author(ws, "claire")
    ingest(ws, [post("3", "lumio again", author=Author("dana"))])

    after = _ids(ws)
    assert set(after) == {"bob", "dana"}
    assert after["dana"] > before["claire"]
    # Dana's access report holds nothing of what was done to Claire's item.
    report = disclosure.access_report(ws, "dana")
    assert report["audit_entries"] == []


def test_items_removed_by_the_inbox_retention_leave_their_numbers_unused(
    inbox_ws: Workspace,
) -> None:
    from datetime import UTC, datetime, timedelta

    ws = inbox_ws
    ingest(
        ws,
        [
            post("1", "lumio broke", author=Author("bob")),
            post("2", "lumio down", author=Author("claire")),
        ],
    )
    highest = max(_ids(ws).values())
    ws.state.forget_inbox_before(datetime.now(UTC) + timedelta(days=1))
    assert _ids(ws) == {}

    ingest(ws, [post("3", "lumio again", author=Author("dana"))])
    assert _ids(ws)["dana"] > highest


def test_upgrading_keeps_every_item_and_what_points_at_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A workspace made before the numbers were kept: the upgrade builds the
    items' table again without losing a row, a label, an event or a reply,
    and numbers the next item after every number used so far, those the
    audit log names included."""

    from veille.store.sqlite import SQLiteStore

    path = tmp_path / "old.db"
    conn = sqlite_before(path, 470, foreign_keys=True)  # as a veille before
    for n in (1, 2, 3):
        conn.execute(
            "INSERT INTO inbox_items (id, post_id, platform, author, text, published_at, "
            "created_at, updated_at) VALUES (?, ?, 'mastodon', 'a', 't', 0, 0, 0)",
            (n, f"mastodon:{n}"),
        )
        conn.execute("INSERT INTO inbox_labels VALUES (?, 'tag', 'urgent')", (n,))
        conn.execute(
            "INSERT INTO inbox_events (item_id, at, actor, action) VALUES (?, 0, 'alice', 'note')",
            (n,),
        )
        conn.execute(
            "INSERT INTO inbox_replies (item_id, author, text, status, created_at) "
            "VALUES (?, 'alice', 'merci', 'sent', 0)",
            (n,),
        )
    conn.execute("DELETE FROM inbox_items WHERE id = 3")  # the newest, erased
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, target) VALUES (0, 'bob', 'inbox.note', "
        "'inbox:3'), (0, 'bob', 'inbox.note', 'inbox:7')"  # 7: removed earlier still
    )
    conn.close()

    store = SQLiteStore.open(path)
    c = store.conn
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    for table in ("inbox_items", "inbox_labels", "inbox_events", "inbox_replies"):
        assert c.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 2, table
    indexes = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"inbox_items_status", "inbox_items_assignee", "inbox_items_created"} <= indexes
    c.execute(
        "INSERT INTO inbox_items (post_id, platform, author, text, published_at, created_at, "
        "updated_at) VALUES ('mastodon:4', 'mastodon', 'b', 't', 0, 0, 0)"
    )
    assert c.execute("SELECT id FROM inbox_items WHERE post_id = 'mastodon:4'").fetchone() == (8,)
    # Keys still hold: an item removed takes its labels, events and replies.
    c.execute("DELETE FROM inbox_items WHERE id = 2")
    assert c.execute("SELECT count(*) FROM inbox_labels").fetchone() == (1,)
    store.close()


def test_moving_the_state_between_sqlite_and_postgresql_keeps_the_numbers_unused(
    tmp_path,
    postgres_url,  # type: ignore[no-untyped-def]
) -> None:
    """``veille store migrate`` after an erasure: each store went on from
    the largest number it was handed, so the erased item's number was given
    to the next item on the new store, its audit entries and e-mailed links
    with it. Both ways: SQLite to PostgreSQL, then back to a new SQLite."""
    from tests.conftest import init_state_workspace
    from veille.query.topics import add_topic
    from veille.services.migrate import migrate_workspace
    from veille.store.postgres.testing import fresh_schema_url

    root = init_state_workspace(tmp_path / "ws", "sqlite")
    with Workspace.open(root) as ws:
        add_topic(ws.state, "lumio", "lumio", inbox=True)
        ingest(ws, [post("1", "lumio broke", author=Author("bob")),
                    post("2", "lumio down", author=Author("claire"))])  # fmt: skip
        erased = _ids(ws)["claire"]
        privacy.erase_author(ws, "claire")
        state_url = fresh_schema_url(postgres_url, tmp_path)
        assert migrate_workspace(ws, posts_url=None, state_url=state_url).ok
    config = root / "veille.toml"
    config.write_text(
        f'[store]\nposts = "sqlite:///veille.db"\nstate = "{state_url}"\n', encoding="utf-8"
    )
    with Workspace.open(root) as split:
        ingest(split, [post("3", "lumio again", author=Author("dana"))])
        on_pg = _ids(split)["dana"]
        assert on_pg > erased
        privacy.erase_author(split, "dana")  # the newest again, erased on PostgreSQL
        back = tmp_path / "back.db"
        url = f"sqlite:///{back}"  # posts and state together, as a workspace of one file
        assert migrate_workspace(split, posts_url=url, state_url=url).ok
    config.write_text(f'[store]\nposts = "{url}"\nstate = "{url}"\n', encoding="utf-8")
    with Workspace.open(root) as moved:
        ingest(moved, [post("4", "lumio still", author=Author("eve"))])
        assert _ids(moved)["eve"] > on_pg


def test_upgrading_a_database_with_an_unrelated_dangling_row_still_opens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A row pointing at nothing elsewhere (a session of a user deleted with
    the sqlite3 shell, whose foreign keys are off by default) has nothing to
    do with the inbox's numbers: the upgrade refused the whole database over
    it ("would leave 1 rows pointing at nothing"), so the workspace did not
    open any more. Only what points at the table built again is checked."""

    from veille.store.sqlite import SQLiteStore

    path = tmp_path / "old.db"
    conn = sqlite_before(path, 470)  # as a veille before
    conn.execute(
        "INSERT INTO inbox_items (id, post_id, platform, author, text, published_at, "
        "created_at, updated_at) VALUES (1, 'mastodon:1', 'mastodon', 'a', 't', 0, 0, 0)"
    )
    conn.execute("INSERT INTO inbox_labels VALUES (1, 'tag', 'urgent')")
    # As the sqlite3 shell does it: foreign keys off, the user's session left behind.
    conn.execute(
        "INSERT INTO sessions (id_hash, username, created_at, expires_at) "
        "VALUES ('h', 'gone', 0, 0)"
    )
    conn.close()

    store = SQLiteStore.open(path)
    c = store.conn
    assert c.execute("SELECT count(*) FROM inbox_labels").fetchone() == (1,)
    (sql,) = c.execute("SELECT sql FROM sqlite_master WHERE name = 'inbox_items'").fetchone()
    assert "AUTOINCREMENT" in sql
    store.close()


def test_a_rebuild_that_would_leave_rows_pointing_at_nothing_changes_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The check kept for a table built again: a rebuild losing a row that
    others point at is refused whole, the rows and the schema as they were."""
    import sqlite3

    import pytest

    from veille.store.sqlite.migrations import Migration, _apply

    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(
        "CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL);"
        "CREATE TABLE items (id INTEGER PRIMARY KEY);"
        "CREATE TABLE notes (item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE);"
        "INSERT INTO items VALUES (1), (2); INSERT INTO notes VALUES (1), (2);"
    )
    losing = Migration(
        9001,
        "9001_lossy.py",
        source='REBUILDS = ("items",)\n'
        "def migrate(conn):\n"
        "    conn.execute('CREATE TABLE items_new (id INTEGER PRIMARY KEY AUTOINCREMENT)')\n"
        "    conn.execute('INSERT INTO items_new SELECT id FROM items WHERE id = 1')\n"
        "    conn.execute('DROP TABLE items')\n"
        "    conn.execute('ALTER TABLE items_new RENAME TO items')\n",
    )
    with pytest.raises(RuntimeError, match="1 rows pointing at nothing"):
        _apply(conn, [losing], "t.db")
    assert conn.execute("SELECT count(*) FROM items").fetchone() == (2,)
    assert conn.execute("SELECT count(*) FROM notes").fetchone() == (2,)
    assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() == (0,)
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
