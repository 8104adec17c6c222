"""Accounts made before each user had a time zone (SQLite migration 0720,
PostgreSQL 0150): the upgrade keeps every one of them whole, each reading
times in the workspace's zone ("") until it chooses one, and the zone can
then be set. A real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import postgres_before, sqlite_before
from veille.services import users
from veille.store.base import StateStore

MADE = int(datetime(2026, 11, 2, 9, 30, tzinfo=UTC).timestamp())


def _check(store: StateStore) -> None:
    old = store.get_user("claire")
    assert old is not None
    assert (old.role, old.password_hash, old.language, old.timezone) == (
        "admin", "$argon2id$kept", "fr", "")  # fmt: skip
    assert old.created_at == datetime.fromtimestamp(MADE, UTC)
    assert users.shown_zone(users.get_user(store, "claire"), "Europe/Paris") == "Europe/Paris"
    assert users.set_timezone(store, "claire", " America/Montreal ") == "America/Montreal"
    chosen = users.get_user(store, "claire")
    assert chosen is not None and chosen.language == "fr"
    assert users.shown_zone(chosen, "Europe/Paris") == "America/Montreal"


def test_sqlite_0720_keeps_the_accounts_made_before(tmp_path: Path) -> None:
    from veille.store.sqlite import SQLiteStore

    path = tmp_path / "old.db"
    conn = sqlite_before(path, 720)
    assert "timezone" not in {r[1] for r in conn.execute("PRAGMA table_info(users)")}
    conn.execute(
        "INSERT INTO users (username, role, password_hash, language, created_at) "
        "VALUES ('claire', 'admin', '$argon2id$kept', 'fr', ?)",
        (MADE,),
    )
    conn.close()
    store = SQLiteStore.open(path)
    try:
        _check(store)
    finally:
        store.close()


def test_postgresql_0150_keeps_the_accounts_made_before(postgres_url: str, tmp_path: Path) -> None:
    from veille.store.postgres.store import PostgresStore
    from veille.store.postgres.testing import fresh_schema_url

    url = fresh_schema_url(postgres_url, tmp_path)
    with postgres_before(url, 150) as conn:  # as the release before left it
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' "
            "AND table_schema = current_schema()"
        ).fetchall()
        assert columns and ("timezone",) not in columns
        conn.execute(
            "INSERT INTO users (username, role, password_hash, language, created_at) "
            "VALUES ('claire', 'admin', '$argon2id$kept', 'fr', %s)",
            (MADE,),
        )
    store = PostgresStore.open(url)
    try:
        _check(store)
    finally:
        store.close()


def test_store_migrate_carries_each_users_zone_to_postgresql_and_back(
    postgres_url: str, tmp_path: Path
) -> None:
    """SQLite -> PostgreSQL -> SQLite: Marie still reads Montréal's clock,
    Louis still the workspace's."""
    from tests.web.server import add_test_user
    from veille.services.migrate import migrate_workspace
    from veille.store.postgres.testing import fresh_schema_url
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        for name in ("louis", "marie"):
            add_test_user(ws.state, name, f"{name}-secret-pass", "admin")
        users.set_timezone(ws.state, "marie", "America/Montreal")
    pg_url = fresh_schema_url(postgres_url, tmp_path)
    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    with Workspace.open(root) as ws:
        assert migrate_workspace(ws, posts_url=None, state_url=pg_url).ok
    toml = root / "veille.toml"
    template = toml.read_text(encoding="utf-8")
    for url in (pg_url, back_url):
        store = f'[store]\nposts = "sqlite:///veille.db"\nstate = "{url}"\n'
        toml.write_text(template.replace("[store]\n", store, 1), encoding="utf-8")
        with Workspace.open(root) as ws:
            zones = {u.username: u.timezone for u in users.list_users(ws.state)}
            assert zones == {"louis": "", "marie": "America/Montreal"}, url
            if url == pg_url:
                assert migrate_workspace(ws, posts_url=None, state_url=back_url).ok
